import { createRequire } from 'node:module';
import type { VersioningScheme } from '@slipway/model';

interface SemverApi {
  valid(version: string): string | null;
  compare(a: string, b: string): -1 | 0 | 1;
  coerce(version: string, options?: { loose?: boolean }): { version: string } | null;
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean; loose?: boolean }): boolean;
  validRange(range: string, options?: { loose?: boolean }): string | null;
}

// semver ships CommonJS without types in this workspace; the few functions used are typed here.
export const semver = createRequire(import.meta.url)('semver') as SemverApi;

const CALVER = /^(\d{4})\.(\d{1,2})(?:\.(\d{1,2}))?(?:\.(\d{1,6}))?$/;
const SEQUENCE = /^[1-9]\d{0,14}$/;

/** What each scheme expects, for the 400 that refuses a malformed version. */
export const SCHEME_EXAMPLES: Record<VersioningScheme, string> = {
  semver: 'MAJOR.MINOR.PATCH, e.g. 4.2.0 or 4.2.0-rc.1',
  calver: 'YYYY.MM[.DD][.N], e.g. 2026.12 or 2026.12.01.2',
  sequence: 'a positive whole number, e.g. 17',
};

/** Whether `version` is well-formed under the scheme. */
export function versionValid(scheme: VersioningScheme, version: string): boolean {
  switch (scheme) {
    case 'semver':
      return version.length <= 100 && semver.valid(version) === version;
    case 'calver': {
      const match = CALVER.exec(version);
      if (!match) return false;
      const month = Number(match[2]);
      const day = match[3] === undefined ? 1 : Number(match[3]);
      return month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    case 'sequence':
      return SEQUENCE.test(version);
  }
  return false;
}

/**
 * Orders two versions of one scheme: negative when `a` is lower. Versions that are not valid
 * under the scheme (written under an earlier policy with another scheme) sort lowest, so a new
 * scheme starts afresh rather than being compared with numbers it cannot read.
 */
export function compareVersions(scheme: VersioningScheme, a: string, b: string): number {
  const aValid = versionValid(scheme, a);
  const bValid = versionValid(scheme, b);
  if (!aValid || !bValid) return Number(aValid) - Number(bValid);
  switch (scheme) {
    case 'semver':
      return semver.compare(a, b);
    case 'calver': {
      const pa = a.split('.').map(Number);
      const pb = b.split('.').map(Number);
      for (let i = 0; i < 4; i++) {
        const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (diff !== 0) return diff;
      }
      return 0;
    }
    case 'sequence':
      return Number(a) - Number(b);
  }
  return 0;
}

/** The highest of `versions` under the scheme, or undefined for none. */
export function highestVersion(scheme: VersioningScheme, versions: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (best === undefined || compareVersions(scheme, v, best) > 0) best = v;
  return best;
}

/**
 * A CMDB version as semver, leniently: `1.0.2k` → 1.0.2, `10` → 10.0.0, `2.14.1` → 2.14.1. Null
 * when nothing version-like is in it. Vendors' versions are rarely strict semver; the coercion
 * keeps MAJOR.MINOR.PATCH, which is what requires/conflicts ranges speak about.
 */
export function coerceVersion(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return semver.coerce(String(value))?.version ?? null;
  if (typeof value !== 'string' || value.length > 200) return null;
  return semver.coerce(value, { loose: true })?.version ?? null;
}

/** Whether `version` (coerced) satisfies the semver `range`; false when it is not a version. */
export function satisfiesRange(version: unknown, range: string): boolean {
  const coerced = coerceVersion(version);
  return coerced !== null && semver.satisfies(coerced, range, { includePrerelease: true, loose: true });
}

export function validRange(range: string): boolean {
  return range.length <= 200 && semver.validRange(range, { loose: true }) !== null;
}
