import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256OfBlob } from './sha256.js';

const text = (value: string) => new TextEncoder().encode(value);

describe('Sha256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(text('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(new Sha256().update(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).hex()).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    const million = new Sha256();
    const chunk = text('a'.repeat(1000));
    for (let i = 0; i < 1000; i++) million.update(chunk);
    expect(million.hex()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('gives the same digest as node:crypto however the input is split', () => {
    // Lengths around the block (64) and padding (56) boundaries, and pieces of every size.
    for (const length of [1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_001]) {
      const data = randomBytes(length);
      const expected = createHash('sha256').update(data).digest('hex');
      expect(new Sha256().update(data).hex()).toBe(expected);
      for (const piece of [1, 3, 63, 64, 100]) {
        const hash = new Sha256();
        for (let offset = 0; offset < length; offset += piece) hash.update(data.subarray(offset, offset + piece));
        expect(hash.hex(), `length ${length} in pieces of ${piece}`).toBe(expected);
      }
    }
  });

  it('refuses an update after the digest', () => {
    const hash = new Sha256().update(text('x'));
    hash.hex();
    expect(() => hash.update(text('y'))).toThrow(/after digest/);
  });
});

describe('sha256OfBlob', () => {
  it('hashes a blob as it streams and reports the bytes read', async () => {
    const data = randomBytes(3 * 65_536 + 17);
    const progress: number[] = [];
    const hex = await sha256OfBlob(new Blob([data]), (read) => progress.push(read));
    expect(hex).toBe(createHash('sha256').update(data).digest('hex'));
    expect(progress.at(-1)).toBe(data.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sha256OfBlob(new Blob([randomBytes(100)]), () => {}, controller.signal)).rejects.toThrow(/cancelled/);
  });
});
