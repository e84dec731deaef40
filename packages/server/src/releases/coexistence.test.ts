import { describe, expect, it } from 'vitest';
import {
  type OtherReleaseFacts,
  ownArtifactClashes,
  type ProductFact,
  productOf,
  targetClashes,
} from './coexistence.js';
import { compareVersions, highestVersion, satisfiesRange, versionValid } from './versioning.js';

const desktop = { id: 1, class: 'desktop', name: 'RTM-DT0001' };
const host = { id: 2, class: 'server', name: 'web-01' };
const fact = (product: string, version: string | null, via: ProductFact['via'], ci = desktop): ProductFact => ({
  product,
  version,
  via,
  ci,
});
const artifact = (
  id: number,
  name: string,
  version: string,
  clauses: { requires?: [string, string][]; conflicts?: [string, string][] } = {},
) => ({
  id,
  name,
  version,
  requires: (clauses.requires ?? []).map(([n, range]) => ({ name: n, range })),
  conflicts: (clauses.conflicts ?? []).map(([n, range]) => ({ name: n, range })),
});

describe('peaceful coexistence rules', () => {
  it('reads the product a CI stands for by class', () => {
    expect(productOf({ class: 'software', name: 'openssl 1.0.2k', attributes: { version: '1.0.2k' } })).toEqual({
      product: 'openssl',
      version: '1.0.2k',
    });
    expect(productOf({ class: 'desktop', name: 'd', attributes: { os: 'Windows', os_version: '10.0.19045' } })).toEqual(
      {
        product: 'Windows',
        version: '10.0.19045',
      },
    );
    expect(
      productOf({ class: 'database', name: 'db', attributes: { engine: 'PostgreSQL', engine_version: 15.6 } }),
    ).toEqual({
      product: 'PostgreSQL',
      version: '15.6',
    });
    expect(productOf({ class: 'service', name: 'payments', attributes: {} })).toBeUndefined();
  });

  it('holds a requires clause met by the target, and names the target, product and version when it is not', () => {
    const zoom = artifact(10, 'Zoom', '6.0.0', { requires: [['Windows', '>=10']] });
    expect(targetClashes(desktop, [fact('Windows', '10.0.19045', 'target')], [zoom])).toEqual([]);
    const [old] = targetClashes(desktop, [fact('windows', '8.1', 'target')], [zoom]);
    expect(old).toMatchObject({ rule: 'coexistence.requires', installedVersion: '8.1', via: 'target' });
    expect(old?.message).toBe('Zoom 6.0.0 requires Windows >=10, but desktop/RTM-DT0001 8.1');
    const [none] = targetClashes(desktop, [], [zoom]);
    expect(none?.message).toMatch(/the CMDB shows none on desktop\/RTM-DT0001/);
  });

  it('finds conflicts through installed software, hosts and dependencies, but not with what the release replaces', () => {
    const tool = artifact(11, 'ssl-tool', '1.0.0', { conflicts: [['openssl', '<3.1']] });
    const onHost = fact('openssl', '3.0.13', 'host_installed', { id: 3, class: 'software', name: 'openssl 3.0.13' });
    const [clash] = targetClashes({ id: 4, class: 'application', name: 'shop' }, [onHost], [tool]);
    expect(clash?.message).toBe(
      'ssl-tool 1.0.0 conflicts with openssl <3.1, and application/shop runs on a host with software/openssl 3.0.13',
    );
    expect(targetClashes(host, [fact('openssl', '3.2.0', 'installed', host)], [tool])).toEqual([]);
    // A release that brings openssl itself replaces the installed one: no clash with the old version.
    const upgrade = artifact(12, 'openssl', '3.3.0');
    expect(targetClashes(host, [fact('openssl', '3.0.13', 'installed', host)], [tool, upgrade])).toEqual([]);
  });

  it("checks the release's own artifacts against each other", () => {
    const tool = artifact(1, 'ssl-tool', '1.0.0');
    const plugin = artifact(2, 'ssl-tool-plugin', '1.0.0', { requires: [['ssl-tool', '>=2']] });
    const rival = artifact(3, 'other-tool', '1.0.0', { conflicts: [['SSL-TOOL', '1.x']] });
    expect(
      ownArtifactClashes([tool, plugin, rival])
        .map((c) => c.message)
        .sort(),
    ).toEqual([
      'other-tool 1.0.0 conflicts with SSL-TOOL 1.x, and the release also brings ssl-tool 1.0.0',
      'ssl-tool-plugin 1.0.0 requires ssl-tool >=2, but the release brings ssl-tool 1.0.0',
    ]);
    expect(ownArtifactClashes([artifact(1, 'ssl-tool', '2.1.0'), plugin])).toEqual([]);
  });

  it('flags another release on the same target installing the same product at another version, or a conflicting one', () => {
    const other: OtherReleaseFacts = {
      release: { id: 9, unit: 'openssl-pkg', version: '3.3.0', title: 'openssl 3.3', state: 'approved' },
      artifacts: [artifact(20, 'openssl', '3.3.0')],
      targetIds: new Set([host.id]),
    };
    const mine = artifact(21, 'openssl', '3.2.0');
    const clashes = targetClashes(host, [], [mine], [other]);
    expect(clashes).toEqual([
      expect.objectContaining({
        rule: 'coexistence.concurrent_release',
        clause: expect.objectContaining({ kind: 'same_product' }),
      }),
    ]);
    expect(targetClashes(desktop, [], [mine], [other])).toEqual([]);
  });
});

describe('release versioning', () => {
  it('validates and orders versions per scheme', () => {
    expect(versionValid('semver', '2.10.0')).toBe(true);
    expect(versionValid('semver', 'v2.10')).toBe(false);
    expect(compareVersions('semver', '2.10.0', '2.4.0')).toBeGreaterThan(0);
    expect(compareVersions('semver', '1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
    expect(highestVersion('semver', ['2.4.0', '2.10.0', '2.9.9'])).toBe('2.10.0');
    expect(satisfiesRange('1.0.2k', '<1.1')).toBe(true);
    expect(satisfiesRange('not a version', '*')).toBe(false);
  });
});
