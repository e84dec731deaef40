import type { LicencePolicy, LicenceVerdict } from '@slipway/model';
import { LIBRARY_RULES } from '@slipway/model';
import { parseSpdxExpression, type SpdxNode, SpdxParseError } from './spdx-expression.js';

/** The policy's judgement of one licence expression, with the rule that decided it. */
export interface LicenceEvaluation {
  expression: string | null;
  verdict: LicenceVerdict;
  /** `licences.allow`, `licences.deny` or `licences.unknown`. */
  rule: string;
  /** Licence ids the deny list matched. */
  denied: string[];
  /** Licence ids on neither list (or an expression that does not parse). */
  unknown: string[];
  reason: string;
}

/** `GPL-2.0` (deprecated) means `GPL-2.0-only`, `GPL-2.0+` means `GPL-2.0-or-later`. */
const VERSIONED_FAMILY = /^(AGPL|GPL|LGPL|GFDL)-(\d+\.\d+)(-only|-or-later)?$/;

interface Leaf {
  /** The ids that name this leaf exactly, most specific first (with exception, canonical, base). */
  names: string[];
  family: { name: string; version: number; orLater: boolean } | null;
  display: string;
}

function leafOf(node: Extract<SpdxNode, { kind: 'license' }>): Leaf {
  let id = node.id;
  let orLater = node.plus;
  const family = VERSIONED_FAMILY.exec(id);
  if (family) {
    orLater = orLater || family[3] === '-or-later';
    id = `${family[1]}-${family[2]}${orLater ? '-or-later' : '-only'}`;
  } else if (node.plus) {
    id = `${id}+`;
  }
  const names = node.exception ? [`${id} WITH ${node.exception}`, id] : [id];
  return {
    names,
    family: family ? { name: family[1] as string, version: Number(family[2]), orLater } : null,
    display: `${node.id}${node.plus ? '+' : ''}${node.exception ? ` WITH ${node.exception}` : ''}`,
  };
}

function normaliseListEntry(entry: string): string {
  try {
    const node = parseSpdxExpression(entry);
    if (node.kind === 'license') return leafOf(node).names[0] as string;
  } catch {
    // Not an expression we can read: keep it verbatim; it can only match itself.
  }
  return entry;
}

type LeafVerdict = { verdict: LicenceVerdict; denied: string[]; unknown: string[] };

/**
 * Judges SPDX expressions against the release policy's licence lists, with spdx-satisfies'
 * semantics: `A OR B` is as good as its better side, `A AND B` as bad as its worse side; deny
 * wins over allow; an `-or-later` entry on the allow list admits later versions of the family
 * (`GPL-2.0-or-later` allows `GPL-3.0-only`). An identifier on neither list, an unparsable
 * expression, `NOASSERTION` or no licence at all is **needs review, never allowed** (or denied,
 * when the policy says `unknown: deny`).
 */
export class LicencePolicyEvaluator {
  readonly #allow: Set<string>;
  readonly #deny: Set<string>;
  readonly #allowFamilies: { name: string; version: number; orLater: boolean }[];

  constructor(private readonly policy: LicencePolicy) {
    this.#allow = new Set(policy.allow.map(normaliseListEntry));
    this.#deny = new Set(policy.deny.map(normaliseListEntry));
    this.#allowFamilies = [...this.#allow]
      .map((id) => VERSIONED_FAMILY.exec(id))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1] as string, version: Number(m[2]), orLater: m[3] === '-or-later' }));
  }

  #judgeLeaf(leaf: Leaf): LeafVerdict {
    if (leaf.names.some((name) => this.#deny.has(name))) {
      return { verdict: 'denied', denied: [leaf.display], unknown: [] };
    }
    if (leaf.names.some((name) => this.#allow.has(name))) return { verdict: 'allowed', denied: [], unknown: [] };
    const family = leaf.family;
    if (family) {
      // An allowed `X-n-or-later` covers every later version; an `-or-later` licence can be
      // taken under any allowed version from its own onwards.
      const covered = this.#allowFamilies.some(
        (allowed) =>
          allowed.name === family.name &&
          ((allowed.orLater && family.version >= allowed.version) ||
            (family.orLater && allowed.version >= family.version)),
      );
      if (covered) return { verdict: 'allowed', denied: [], unknown: [] };
    }
    return { verdict: 'needs_review', denied: [], unknown: [leaf.display] };
  }

  #judge(node: SpdxNode): LeafVerdict {
    if (node.kind === 'license') return this.#judgeLeaf(leafOf(node));
    const left = this.#judge(node.left);
    const right = this.#judge(node.right);
    const rank: Record<LicenceVerdict, number> = { allowed: 2, needs_review: 1, denied: 0 };
    if (node.kind === 'or') {
      // The recipient may choose the better side; report only what that side lacks.
      const best = rank[left.verdict] >= rank[right.verdict] ? left : right;
      if (best.verdict === 'allowed') return best;
      return {
        verdict: best.verdict,
        denied: best.verdict === 'denied' ? [...left.denied, ...right.denied] : [],
        unknown: [...left.unknown, ...right.unknown],
      };
    }
    const worst = rank[left.verdict] <= rank[right.verdict] ? left.verdict : right.verdict;
    return { verdict: worst, denied: [...left.denied, ...right.denied], unknown: [...left.unknown, ...right.unknown] };
  }

  /** Judges one expression; null or empty means nobody said what the licence is. */
  evaluate(expression: string | null | undefined): LicenceEvaluation {
    const text = expression?.trim() ?? '';
    if (text === '' || text === 'NOASSERTION' || text === 'NONE') {
      return this.#unknownResult(text || null, [text || '(none)'], 'no licence is stated');
    }
    let tree: SpdxNode;
    try {
      tree = parseSpdxExpression(text);
    } catch (error) {
      const detail = error instanceof SpdxParseError ? error.message : 'it is not a valid SPDX expression';
      return this.#unknownResult(text, [text], detail);
    }
    const judged = this.#judge(tree);
    if (judged.verdict === 'denied') {
      return {
        expression: text,
        verdict: 'denied',
        rule: LIBRARY_RULES.licenceDeny,
        denied: judged.denied,
        unknown: judged.unknown,
        reason: `${judged.denied.join(', ')} ${judged.denied.length === 1 ? 'is' : 'are'} on the policy's deny list (licences.deny)`,
      };
    }
    if (judged.verdict === 'needs_review') {
      return this.#unknownResult(text, judged.unknown, `${judged.unknown.join(', ')} not on the policy's allow list`);
    }
    return {
      expression: text,
      verdict: 'allowed',
      rule: LIBRARY_RULES.licenceAllow,
      denied: [],
      unknown: [],
      reason: 'allowed by the policy (licences.allow)',
    };
  }

  #unknownResult(expression: string | null, unknown: string[], detail: string): LicenceEvaluation {
    const denied = this.policy.unknown === 'deny';
    return {
      expression,
      verdict: denied ? 'denied' : 'needs_review',
      rule: LIBRARY_RULES.licenceUnknown,
      denied: denied ? unknown : [],
      unknown,
      reason: denied
        ? `${detail}; the policy denies unknown licences (licences.unknown: deny)`
        : `${detail}: needs a licence review (licences.unknown: review); add it to licences.allow or licences.deny`,
    };
  }
}
