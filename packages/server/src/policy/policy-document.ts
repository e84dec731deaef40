import {
  RELEASE_ELEMENTS,
  RELEASE_TYPES,
  type ReleasePolicy,
  RISK_LEVELS,
  TEST_PROTOCOLS,
  VERSIONING_SCHEMES,
} from '@slipway/model';
import { Ajv, type ErrorObject } from 'ajv';
import spdxLicenseIds from 'spdx-license-ids/index.json' with { type: 'json' };
import { Type } from 'typebox';
import { LineCounter, parseDocument } from 'yaml';
import { StringEnum } from '../platform/http/schemas.js';

/** One problem in a policy document: where (JSON pointer and YAML line/column) and what. */
export interface PolicyProblem {
  path: string;
  line: number | null;
  column: number | null;
  message: string;
}

const Count = Type.Integer({ minimum: 0, maximum: 20 });
const Days = Type.Integer({ minimum: 0, maximum: 365 });
const Weight = Type.Number({ minimum: 0, maximum: 100 });
const strict = { additionalProperties: false } as const;

const ReleaseTypeSchema = Type.Object(
  {
    requiredTests: Type.Record(
      Type.String({ minLength: 1 }),
      Type.Array(StringEnum(TEST_PROTOCOLS), { uniqueItems: true }),
    ),
    approvals: Type.Object({ cab: Type.Optional(Count), ecab: Type.Optional(Count) }, strict),
    minNoticeDays: Type.Optional(Days),
    backoutPlan: Type.Optional(
      Type.Object({ required: Type.Boolean(), rehearsed: Type.Optional(Type.Boolean()) }, strict),
    ),
    freeze: Type.Optional(StringEnum(['respect', 'override-with-reason'] as const)),
    postImplementationReviewDays: Type.Optional(Days),
    requiredPlanSections: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), { uniqueItems: true }),
    ),
  },
  strict,
);

const ApprovalRule = Type.Object(
  { cab: Type.Optional(Count), ecab: Type.Optional(Count), serviceOwner: Type.Optional(Type.Boolean()) },
  strict,
);

/** The schema every policy document must satisfy (additional properties are typos: refused). */
export const ReleasePolicySchema = Type.Object(
  {
    environments: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), {
      minItems: 1,
      maxItems: 20,
      uniqueItems: true,
    }),
    versioning: StringEnum(VERSIONING_SCHEMES),
    releaseTypes: Type.Object(
      Object.fromEntries(RELEASE_TYPES.map((t) => [t, ReleaseTypeSchema])) as Record<
        (typeof RELEASE_TYPES)[number],
        typeof ReleaseTypeSchema
      >,
      strict,
    ),
    licences: Type.Object(
      {
        allow: Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true }),
        deny: Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true }),
        unknown: StringEnum(['review', 'deny'] as const),
      },
      strict,
    ),
    signatures: Type.Object({ requiredFor: Type.Array(StringEnum(RELEASE_ELEMENTS), { uniqueItems: true }) }, strict),
    changes: Type.Object(
      {
        approvals: Type.Object(
          {
            standard: ApprovalRule,
            normal: Type.Object(
              Object.fromEntries(RISK_LEVELS.map((l) => [l, ApprovalRule])) as Record<
                (typeof RISK_LEVELS)[number],
                typeof ApprovalRule
              >,
              strict,
            ),
            emergency: ApprovalRule,
          },
          strict,
        ),
        risk: Type.Object(
          {
            thresholds: Type.Object(
              {
                moderate: Type.Number({ minimum: 0 }),
                high: Type.Number({ minimum: 0 }),
                very_high: Type.Number({ minimum: 0 }),
              },
              strict,
            ),
            weights: Type.Object(
              {
                impactSize: Weight,
                criticality: Weight,
                changeType: Weight,
                environment: Weight,
                notice: Weight,
                backoutPlan: Weight,
                recentFailures: Weight,
                freezeProximity: Weight,
              },
              strict,
            ),
            impactSizeFull: Type.Integer({ minimum: 1 }),
            shortNoticeDays: Days,
            recentFailureDays: Days,
            freezeProximityDays: Days,
          },
          strict,
        ),
        emergencyReviewDays: Days,
      },
      strict,
    ),
  },
  strict,
);

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(ReleasePolicySchema);
const SPDX_IDS = new Set(spdxLicenseIds as string[]);

function pointer(path: (string | number)[]): string {
  return `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

function describe(error: ErrorObject): { path: (string | number)[]; message: string } {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return { path: [...path, String(params.additionalProperty)], message: 'is not a known setting (a typo?)' };
  }
  if (error.keyword === 'required') return { path, message: `needs "${String(params.missingProperty)}"` };
  if (error.keyword === 'enum')
    return { path, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
  return { path, message: error.message ?? 'is invalid' };
}

/** Rules a schema cannot say: references between sections, orderings, SPDX identifiers. */
function semanticProblems(policy: ReleasePolicy): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const environments = new Set(policy.environments);
  const last = policy.environments.at(-1);
  for (const type of RELEASE_TYPES) {
    for (const env of Object.keys(policy.releaseTypes[type].requiredTests)) {
      if (!environments.has(env)) {
        problems.push({
          path: ['releaseTypes', type, 'requiredTests', env],
          message: `"${env}" is not one of the environments (${policy.environments.join(', ')})`,
        });
      } else if (env === last) {
        problems.push({
          path: ['releaseTypes', type, 'requiredTests', env],
          message: `tests cannot be required in ${env}, the last environment: nothing is promoted past it`,
        });
      }
    }
  }
  const checkIds = (list: 'allow' | 'deny') => {
    policy.licences[list].forEach((id, i) => {
      if (!SPDX_IDS.has(id) && !/^LicenseRef-[A-Za-z0-9.-]+$/.test(id)) {
        problems.push({
          path: ['licences', list, i],
          message: `"${id}" is not an SPDX licence identifier (or LicenseRef-…)`,
        });
      }
    });
  };
  checkIds('allow');
  checkIds('deny');
  policy.licences.deny.forEach((id, i) => {
    if (policy.licences.allow.includes(id))
      problems.push({ path: ['licences', 'deny', i], message: `"${id}" is both allowed and denied` });
  });
  const { moderate, high, very_high } = policy.changes.risk.thresholds;
  if (!(moderate < high && high < very_high)) {
    problems.push({
      path: ['changes', 'risk', 'thresholds'],
      message: 'thresholds must increase: moderate < high < very_high',
    });
  }
  if ((policy.changes.approvals.emergency.ecab ?? 0) + (policy.changes.approvals.emergency.cab ?? 0) < 1) {
    problems.push({
      path: ['changes', 'approvals', 'emergency'],
      message: 'an emergency change needs at least one approver (ecab)',
    });
  }
  return problems;
}

export type PolicyParseResult = { ok: true; policy: ReleasePolicy } | { ok: false; problems: PolicyProblem[] };

/** Parses and validates a policy document, naming every problem with its path and YAML line. */
export function parsePolicy(text: string): PolicyParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return { path: '', line: at.line, column: at.col, message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const value: unknown = doc.toJS();
  const locate = (path: (string | number)[]): { line: number | null; column: number | null } => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        const at = lineCounter.linePos(node.range[0]);
        return { line: at.line, column: at.col };
      }
      // A key that is present but whose value failed: point at the key itself.
    }
    return { line: null, column: null };
  };
  const toProblem = (p: { path: (string | number)[]; message: string }): PolicyProblem => ({
    path: pointer(p.path),
    ...locate(p.path),
    message: p.message,
  });
  if (!validateSchema(value)) {
    return { ok: false, problems: (validateSchema.errors ?? []).map(describe).map(toProblem) };
  }
  const policy = value as ReleasePolicy;
  const semantic = semanticProblems(policy);
  if (semantic.length > 0) return { ok: false, problems: semantic.map(toProblem) };
  return { ok: true, policy };
}
