import type { ReleaseGateRule } from '@slipway/model';
import { satisfiesRange } from './versioning.js';

/**
 * Peaceful coexistence, as a pure function of facts: every artifact's `requires` and `conflicts`
 * (semver ranges on other products) against what the CMDB says is on each target. The service
 * gathers the facts (coexistence.service.ts); this file decides, so the rules are tested without
 * a database.
 */

export interface CiRef {
  id: number;
  class: string;
  name: string;
}

/** Where a product fact about a target comes from. */
export type FactSource = 'target' | 'installed' | 'host' | 'host_installed' | 'dependency';

/** One product (software, operating system, engine, firmware) and its version, seen on or around a target. */
export interface ProductFact {
  product: string;
  version: string | null;
  ci: CiRef;
  via: FactSource;
}

export interface ReleaseArtifactFacts {
  id: number;
  name: string;
  version: string;
  requires: { name: string; range: string }[];
  conflicts: { name: string; range: string }[];
}

export interface OtherReleaseFacts {
  release: { id: number; unit: string; version: string; title: string; state: string };
  artifacts: ReleaseArtifactFacts[];
  /** The targets it shares with the release being checked. */
  targetIds: ReadonlySet<number>;
}

export interface Clash {
  rule: Extract<
    ReleaseGateRule,
    | 'coexistence.requires'
    | 'coexistence.conflicts'
    | 'coexistence.release_artifacts'
    | 'coexistence.concurrent_release'
  >;
  artifact: { id: number; name: string; version: string };
  clause: { kind: 'requires' | 'conflicts' | 'same_product'; name: string; range: string | null };
  /** The CI whose installed product clashes, when there is one. */
  ci: CiRef | null;
  installedVersion: string | null;
  via: FactSource | null;
  otherRelease: OtherReleaseFacts['release'] | null;
  message: string;
}

export interface TargetReport {
  ci: CiRef;
  ok: boolean;
  clashes: Clash[];
}

const key = (name: string) => name.trim().toLowerCase();

const VIA_WORDS: Record<FactSource, string> = {
  target: 'is',
  installed: 'has installed',
  host: 'runs on',
  host_installed: 'runs on a host with',
  dependency: 'depends on',
};

/**
 * The product and version a CI stands for, by class: software by its product attribute,
 * applications by name, databases and brokers by engine, hosts by operating system, network
 * devices by model and firmware. Undefined when the CI carries no version-able product.
 */
export function productOf(ci: {
  class: string;
  name: string;
  attributes: Record<string, unknown>;
}): { product: string; version: string | null } | undefined {
  const text = (name: string) => {
    const value = ci.attributes[name];
    return typeof value === 'string' && value.trim() !== ''
      ? value.trim()
      : typeof value === 'number'
        ? String(value)
        : null;
  };
  switch (ci.class) {
    case 'software': {
      const version = text('version');
      let product = text('product');
      // "openssl 1.0.2k" with version "1.0.2k" and no product attribute: the name minus the version.
      if (!product)
        product = version && ci.name.endsWith(` ${version}`) ? ci.name.slice(0, -version.length - 1) : ci.name;
      return { product, version };
    }
    case 'application':
      return { product: ci.name, version: text('version') };
    case 'database':
    case 'messaging': {
      const engine = text('engine');
      return engine ? { product: engine, version: text('engine_version') } : undefined;
    }
    case 'server':
    case 'virtual_machine':
    case 'desktop': {
      const os = text('os');
      return os ? { product: os, version: text('os_version') } : undefined;
    }
    case 'network_device': {
      const model = text('model');
      return model ? { product: model, version: text('firmware') } : undefined;
    }
    default:
      return undefined;
  }
}

function artifactRef(a: ReleaseArtifactFacts): Clash['artifact'] {
  return { id: a.id, name: a.name, version: a.version };
}

/** Clashes among the release's own artifacts (independent of targets). */
export function ownArtifactClashes(artifacts: readonly ReleaseArtifactFacts[]): Clash[] {
  const clashes: Clash[] = [];
  for (const a of artifacts) {
    for (const clause of a.conflicts) {
      for (const b of artifacts) {
        if (b === a || key(b.name) !== key(clause.name) || !satisfiesRange(b.version, clause.range)) continue;
        clashes.push({
          rule: 'coexistence.release_artifacts',
          artifact: artifactRef(a),
          clause: { kind: 'conflicts', name: clause.name, range: clause.range },
          ci: null,
          installedVersion: b.version,
          via: null,
          otherRelease: null,
          message: `${a.name} ${a.version} conflicts with ${clause.name} ${clause.range}, and the release also brings ${b.name} ${b.version}`,
        });
      }
    }
    for (const clause of a.requires) {
      const provided = artifacts.filter((b) => b !== a && key(b.name) === key(clause.name));
      if (provided.length === 0 || provided.some((b) => satisfiesRange(b.version, clause.range))) continue;
      for (const b of provided) {
        clashes.push({
          rule: 'coexistence.release_artifacts',
          artifact: artifactRef(a),
          clause: { kind: 'requires', name: clause.name, range: clause.range },
          ci: null,
          installedVersion: b.version,
          via: null,
          otherRelease: null,
          message: `${a.name} ${a.version} requires ${clause.name} ${clause.range}, but the release brings ${b.name} ${b.version}`,
        });
      }
    }
  }
  return clashes;
}

/**
 * Clashes on one target. The release's own artifacts replace the same products on the target
 * (an upgrade removes the old version), so those facts no longer count; products the release
 * brings itself are judged among its artifacts (ownArtifactClashes), not on the target.
 */
export function targetClashes(
  target: CiRef,
  facts: readonly ProductFact[],
  artifacts: readonly ReleaseArtifactFacts[],
  others: readonly OtherReleaseFacts[] = [],
): Clash[] {
  const brought = new Set(artifacts.map((a) => key(a.name)));
  const effective = facts.filter(
    (f) => !((f.via === 'target' || f.via === 'installed') && brought.has(key(f.product))),
  );
  const byProduct = new Map<string, ProductFact[]>();
  for (const f of effective) {
    const list = byProduct.get(key(f.product));
    if (list) list.push(f);
    else byProduct.set(key(f.product), [f]);
  }
  const where = (f: ProductFact) =>
    f.ci.id === target.id
      ? `${target.class}/${target.name}`
      : `${target.class}/${target.name} ${VIA_WORDS[f.via]} ${f.ci.class}/${f.ci.name}`;
  // Software CIs are usually named "<product> <version>": the version is not said twice.
  const version = (f: ProductFact) =>
    f.ci.id !== target.id && f.version !== null && f.ci.name.endsWith(` ${f.version}`)
      ? ''
      : ` ${f.version ?? 'of unknown version'}`;
  const clashes: Clash[] = [];
  for (const a of artifacts) {
    for (const clause of a.requires) {
      if (brought.has(key(clause.name))) continue;
      const found = byProduct.get(key(clause.name)) ?? [];
      if (found.some((f) => satisfiesRange(f.version, clause.range))) continue;
      if (found.length === 0) {
        clashes.push({
          rule: 'coexistence.requires',
          artifact: artifactRef(a),
          clause: { kind: 'requires', name: clause.name, range: clause.range },
          ci: null,
          installedVersion: null,
          via: null,
          otherRelease: null,
          message: `${a.name} ${a.version} requires ${clause.name} ${clause.range}; the CMDB shows none on ${target.class}/${target.name}, its hosts or its dependencies`,
        });
        continue;
      }
      for (const f of found) {
        clashes.push({
          rule: 'coexistence.requires',
          artifact: artifactRef(a),
          clause: { kind: 'requires', name: clause.name, range: clause.range },
          ci: f.ci,
          installedVersion: f.version,
          via: f.via,
          otherRelease: null,
          message: `${a.name} ${a.version} requires ${clause.name} ${clause.range}, but ${where(f)}${version(f)}`,
        });
      }
    }
    for (const clause of a.conflicts) {
      for (const f of byProduct.get(key(clause.name)) ?? []) {
        if (!satisfiesRange(f.version, clause.range)) continue;
        clashes.push({
          rule: 'coexistence.conflicts',
          artifact: artifactRef(a),
          clause: { kind: 'conflicts', name: clause.name, range: clause.range },
          ci: f.ci,
          installedVersion: f.version,
          via: f.via,
          otherRelease: null,
          message: `${a.name} ${a.version} conflicts with ${clause.name} ${clause.range}, and ${where(f)}${version(f)}`,
        });
      }
    }
  }
  for (const other of others) {
    if (!other.targetIds.has(target.id)) continue;
    const label = `release ${other.release.id} (${other.release.unit} ${other.release.version}, ${other.release.state})`;
    for (const a of artifacts) {
      for (const b of other.artifacts) {
        const base = { ci: null, via: null, otherRelease: other.release } as const;
        if (key(a.name) === key(b.name) && a.version !== b.version) {
          clashes.push({
            ...base,
            rule: 'coexistence.concurrent_release',
            artifact: artifactRef(a),
            clause: { kind: 'same_product', name: b.name, range: null },
            installedVersion: b.version,
            message: `${label} installs ${b.name} ${b.version} on ${target.class}/${target.name} in an overlapping window; this release installs ${a.version}`,
          });
        }
        for (const clause of a.conflicts) {
          if (key(clause.name) !== key(b.name) || !satisfiesRange(b.version, clause.range)) continue;
          clashes.push({
            ...base,
            rule: 'coexistence.concurrent_release',
            artifact: artifactRef(a),
            clause: { kind: 'conflicts', name: clause.name, range: clause.range },
            installedVersion: b.version,
            message: `${a.name} ${a.version} conflicts with ${clause.name} ${clause.range}, which ${label} installs on ${target.class}/${target.name} in an overlapping window`,
          });
        }
        for (const clause of b.conflicts) {
          if (key(clause.name) !== key(a.name) || !satisfiesRange(a.version, clause.range)) continue;
          clashes.push({
            ...base,
            rule: 'coexistence.concurrent_release',
            artifact: artifactRef(a),
            clause: { kind: 'conflicts', name: clause.name, range: clause.range },
            installedVersion: b.version,
            message: `${b.name} ${b.version} of ${label} conflicts with ${clause.name} ${clause.range}, which this release installs on ${target.class}/${target.name}`,
          });
        }
      }
    }
  }
  return clashes;
}
