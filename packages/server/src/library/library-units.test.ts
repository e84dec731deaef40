import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../test-support/library-helpers.js';
import { parseRange } from './artifact.service.js';
import { FileArtifactStore } from './artifact-store.js';
import { compareVersions, diffSboms } from './cyclonedx.js';
import { MinisignFormatError, parseMinisignPublicKey, parseMinisignSignature } from './minisign.js';

describe('Range headers', () => {
  it.each([
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=-1000', 100, { start: 0, end: 99 }],
    ['bytes=50-5000', 100, { start: 50, end: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=9-5', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-1,5-6', 100, undefined],
    ['items=0-1', 100, undefined],
  ] as const)('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('minisign parsing', () => {
  it('reads key ids as minisign prints them', () => {
    const key = parseMinisignPublicKey(fixture('trusted.pub'));
    const sig = parseMinisignSignature(fixture('artifact.txt.minisig'));
    expect(sig.keyId).toBe(key.keyId);
    expect(fixture('trusted.pub')).toContain(key.keyId);
    expect(sig.algorithm).toBe('ED');
    expect(parseMinisignSignature(fixture('artifact.txt.legacy.minisig')).algorithm).toBe('Ed');
  });

  it('refuses malformed input with a reason', () => {
    expect(() => parseMinisignSignature('one line')).toThrow(MinisignFormatError);
    expect(() => parseMinisignPublicKey('untrusted comment: x\n!!!')).toThrow(/base64/);
    const lines = fixture('artifact.txt.minisig').split('\n');
    expect(() => parseMinisignSignature([lines[0], 'QUJD', lines[2], lines[3]].join('\n'))).toThrow(/bytes/);
  });
});

describe('SBOM diff and versions', () => {
  it('orders versions numerically', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBe(1);
    expect(compareVersions('2.0.0', '2.0.0-rc1')).toBe(1);
    expect(compareVersions('v1.2', '1.2.0')).toBe(0);
  });

  it('pairs changed versions of one component and keeps extras as added or removed', () => {
    const c = (name: string, version: string) => ({ group: null, name, version, purl: null });
    const diff = diffSboms([c('a', '1'), c('a', '2'), c('b', '1')], [c('a', '3'), c('b', '1'), c('b', '2')]);
    expect(diff.upgraded.map((u) => [u.from, u.to])).toEqual([['1', '3']]);
    expect(diff.removed).toEqual([c('a', '2')]);
    expect(diff.added).toEqual([c('b', '2')]);
    expect(diff.unchanged).toBe(1);
  });
});

describe('file artifact store', () => {
  it('sweeps stale staging files on start and never overwrites stored content', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-store-'));
    try {
      const staging = path.join(dir, 'artifacts', 'staging');
      fs.mkdirSync(staging, { recursive: true });
      const stale = path.join(staging, 'crashed-upload');
      fs.writeFileSync(stale, 'half');
      const old = new Date(Date.now() - 2 * 86_400_000);
      fs.utimesSync(stale, old, old);
      const store = new FileArtifactStore(dir);
      expect(fs.existsSync(stale)).toBe(false);

      async function* bytes(text: string) {
        yield Buffer.from(text);
      }
      const first = await store.stage(bytes('same'), { maxBytes: 100 });
      expect(await first.commit()).toEqual({ created: true });
      const file = store.pathOf(first.sha256);
      fs.writeFileSync(file, 'tampered');
      const second = await store.stage(bytes('same'), { maxBytes: 100 });
      expect(await second.commit()).toEqual({ created: false });
      // The tampered copy is kept as evidence, not silently healed by a later push.
      expect(fs.readFileSync(file, 'utf8')).toBe('tampered');
      expect(fs.readdirSync(staging)).toEqual([]);
      await expect(store.stage(bytes('x'.repeat(101)), { maxBytes: 100 })).rejects.toThrow(/larger/);
      expect(fs.readdirSync(staging)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
