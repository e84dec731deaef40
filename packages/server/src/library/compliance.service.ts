import type { ComplianceFindingKind } from '@slipway/model';
import type { Kysely } from 'kysely';
import { readJson } from '../cmdb/json-column.js';
import type { Database } from '../platform/database-schema.js';
import { encodeCursor } from '../platform/http/pagination.js';
import type { PolicyService } from '../policy/policy.service.js';
import { complianceRepository, type InstalledSoftwareRow } from './compliance.repository.js';
import { libraryRepository } from './library.repository.js';
import { LicencePolicyEvaluator } from './licence-policy.js';

export interface ComplianceFinding {
  ci: { id: number; name: string };
  product: string;
  softwareVersion: string | null;
  license: string | null;
  digest: string | null;
  /** Live hosts the CMDB says it is installed on, and a few of them. */
  hosts: number;
  exampleHosts: { id: number; class: string; name: string }[];
  kinds: ComplianceFindingKind[];
  reasons: { kind: ComplianceFindingKind; rule: string; message: string }[];
  /** The library artifact it was matched to, when there is one. */
  artifactId: number | null;
}

export interface ComplianceReport {
  policyVersion: number;
  counts: { software: number; compliant: number; findings: number } & Record<ComplianceFindingKind, number>;
  items: ComplianceFinding[];
  next: string | null;
}

type IndexedArtifact = Awaited<ReturnType<typeof libraryRepository.artifactIndex>>[number];

const AUTHORIZED_STATES = new Set(['approved', 'retired']);

function productOf(row: InstalledSoftwareRow): {
  product: string;
  version: string | null;
  attributes: Record<string, unknown>;
} {
  const attributes = readJson<Record<string, unknown>>(row.attributes);
  const product = typeof attributes.product === 'string' ? attributes.product : undefined;
  const version = typeof attributes.version === 'string' ? attributes.version : undefined;
  if (product) return { product, version: version ?? null, attributes };
  // Without a product attribute the CI's name is "<product> <version>" by convention.
  const space = row.name.lastIndexOf(' ');
  return space > 0
    ? { product: row.name.slice(0, space), version: version ?? row.name.slice(space + 1), attributes }
    : { product: row.name, version: version ?? null, attributes };
}

/**
 * Unauthorized, unlicensed and tampered software on live CIs: what the CMDB says is installed
 * (software CIs `installed_on` live hosts, with product/version/license/digest attributes from
 * imports and rollouts) compared with the library and the licence policy.
 *
 * - unauthorized: no approved (or retired) artifact with this product and version, nor with the
 *   reported digest;
 * - unlicensed: the licence (the library's, when the artifact is approved, else the one the
 *   CMDB reports) is denied by the policy;
 * - needs_review: the licence is unknown to the policy, or not stated (never "allowed");
 * - tampered: the reported digest matches no artifact of that product and version, or the
 *   library's copy itself is compromised.
 */
export class ComplianceService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: PolicyService,
  ) {}

  async report(filter: {
    kind?: ComplianceFindingKind | undefined;
    afterCiId?: number | undefined;
    limit: number;
  }): Promise<ComplianceReport> {
    const policy = await this.policy.current();
    const evaluator = new LicencePolicyEvaluator(policy.policy.licences);
    const artifacts = await libraryRepository.artifactIndex(this.db);
    const byNameVersion = new Map<string, IndexedArtifact[]>();
    const bySha = new Map<string, IndexedArtifact[]>();
    const key = (name: string, version: string | null) => `${name.toLowerCase()}\u0000${version ?? ''}`;
    for (const artifact of artifacts) {
      const k = key(artifact.name, artifact.artifact_version);
      byNameVersion.set(k, [...(byNameVersion.get(k) ?? []), artifact]);
      bySha.set(artifact.sha256, [...(bySha.get(artifact.sha256) ?? []), artifact]);
    }

    const counts: ComplianceReport['counts'] = {
      software: 0,
      compliant: 0,
      findings: 0,
      unauthorized: 0,
      unlicensed: 0,
      needs_review: 0,
      tampered: 0,
    };
    const findings: Omit<ComplianceFinding, 'exampleHosts'>[] = [];
    for (const row of await complianceRepository.installedSoftware(this.db)) {
      counts.software++;
      const { product, version, attributes } = productOf(row);
      const digest =
        typeof attributes.digest === 'string' ? attributes.digest.toLowerCase().replace(/^sha256:/, '') : null;
      const license = typeof attributes.license === 'string' ? attributes.license : null;
      const candidates = byNameVersion.get(key(product, version)) ?? [];
      const byDigest = digest ? (bySha.get(digest) ?? []) : [];
      const authorized =
        candidates.find((a) => AUTHORIZED_STATES.has(a.state)) ?? byDigest.find((a) => AUTHORIZED_STATES.has(a.state));
      const reasons: ComplianceFinding['reasons'] = [];
      const label = `${product}${version ? ` ${version}` : ''}`;

      if (!authorized) {
        const pending = candidates.find((a) => a.state === 'quarantined');
        reasons.push({
          kind: 'unauthorized',
          rule: 'library.approved',
          message: pending
            ? `${label} is in the library only as quarantined artifact ${pending.id}, not approved`
            : `${label} is not in the software library`,
        });
      }
      if (digest) {
        const matching = candidates.filter((a) => a.sha256 === digest);
        const compromised = [...matching, ...byDigest].find((a) => a.state === 'compromised');
        if (candidates.length > 0 && matching.length === 0) {
          reasons.push({
            kind: 'tampered',
            rule: 'library.integrity',
            message: `the reported digest ${digest} matches no library artifact of ${label} (library: ${candidates.map((a) => a.sha256).join(', ')})`,
          });
        } else if (compromised) {
          reasons.push({
            kind: 'tampered',
            rule: 'library.integrity',
            message: `the library's copy (artifact ${compromised.id}) failed its integrity check`,
          });
        }
      }
      // The library's record of the licence wins: it is what was approved.
      const effectiveLicence = authorized?.license ?? license;
      const licence = evaluator.evaluate(effectiveLicence);
      if (licence.verdict === 'denied') {
        reasons.push({
          kind: 'unlicensed',
          rule: licence.rule,
          message: `licence ${effectiveLicence}: ${licence.reason}`,
        });
      } else if (licence.verdict === 'needs_review') {
        reasons.push({
          kind: 'needs_review',
          rule: licence.rule,
          message: `licence ${effectiveLicence ?? '(none stated)'}: ${licence.reason}`,
        });
      }
      if (reasons.length === 0) {
        counts.compliant++;
        continue;
      }
      const kinds = [...new Set(reasons.map((r) => r.kind))];
      counts.findings++;
      for (const kind of kinds) counts[kind]++;
      findings.push({
        ci: { id: row.id, name: row.name },
        product,
        softwareVersion: version,
        license,
        digest,
        hosts: row.hosts,
        kinds,
        reasons,
        artifactId: authorized?.id ?? candidates[0]?.id ?? null,
      });
    }

    const selected = findings.filter(
      (f) =>
        (!filter.kind || f.kinds.includes(filter.kind)) &&
        (filter.afterCiId === undefined || f.ci.id > filter.afterCiId),
    );
    const page = selected.slice(0, filter.limit);
    const hosts = await complianceRepository.exampleHosts(
      this.db,
      page.map((f) => f.ci.id),
      5,
    );
    const last = page.at(-1);
    return {
      policyVersion: policy.version,
      counts,
      items: page.map((f) => ({ ...f, exampleHosts: hosts.get(f.ci.id) ?? [] })),
      next: selected.length > filter.limit && last ? encodeCursor([last.ci.id]) : null,
    };
  }
}
