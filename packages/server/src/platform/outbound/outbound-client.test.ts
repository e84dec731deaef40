import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress, isNonCanonicalIpv4, parseIp } from './ip-address.js';
import { type ConnectGuard, OutboundClient, OutboundFailedError, type Resolver } from './outbound-client.js';
import {
  type AllowListEntry,
  allowListPatternProblem,
  OutboundRefusedError,
  type OutboundTarget,
} from './outbound-policy.js';

/** Stubbed DNS: what each test host "resolves" to. No real lookup ever happens in these tests. */
const DNS: Record<string, string[] | Error> = {
  'public.example': ['93.184.216.34'],
  'internal.example': ['10.0.0.5'],
  'metadata.example': ['169.254.169.254'],
  'loop.example': ['127.0.0.1'],
  'v6loop.example': ['::1'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'mapped-hex.example': ['::ffff:7f00:1'],
  'mixed.example': ['93.184.216.34', '127.0.0.1'],
  'mixed6.example': ['2606:2800:220:1:248:1893:25c8:1946', 'fd00::1'],
  'ula.example': ['fd00::1'],
  'cgnat.example': ['100.64.1.1'],
  'zero.example': ['0.0.0.0'],
  'multicast.example': ['224.0.0.251'],
  'broadcast.example': ['255.255.255.255'],
  'linklocal6.example': ['fe80::1'],
  'nat64.example': ['64:ff9b::7f00:1'],
  'sixtofour.example': ['2002:7f00:1::1'],
  'teredo.example': ['2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  'garbage.example': ['not-an-address'],
  'octal-answer.example': ['0177.0.0.1'],
  'empty.example': [],
  'nxdomain.example': new Error('ENOTFOUND'),
  localhost: ['127.0.0.1', '::1'],
  'localhost.localdomain': ['127.0.0.1'],
  'sub.localhost': ['127.0.0.1'],
  'private172.example': ['172.20.1.1'],
  'private192.example': ['192.168.1.10'],
  'reserved.example': ['240.0.0.1'],
  'doc.example': ['192.0.2.10'],
  'bench.example': ['198.18.0.1'],
};

function stubResolver(calls: string[]): Resolver {
  return async (hostname) => {
    calls.push(hostname);
    const answer = DNS[hostname];
    if (answer === undefined) throw new Error(`ENOTFOUND ${hostname}`);
    if (answer instanceof Error) throw answer;
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** Throws for anything but loopback: a test can never send traffic to another network. */
function loopbackOnlyGuard(attempts: string[]): ConnectGuard {
  return (address) => {
    attempts.push(address);
    const category = classifyAddress(address);
    if (category !== 'loopback') throw new Error(`test connect guard: refusing ${address} (${category})`);
  };
}

/**
 * Hostile destinations (OWASP SSRF cheat sheet, Orange Tsai's parser differentials, the anchors'
 * list). Every one must be refused before any socket opens, with "*" on the allow-list (any host,
 * public addresses only), so it is the address rules that refuse them, not a missing entry.
 */
const HOSTILE_URLS = [
  // Loopback and unspecified, literal
  'http://127.0.0.1/',
  'http://127.0.0.2/',
  'http://127.255.255.254/',
  'http://127.0.0.1:22/',
  'http://127.0.0.1:6379/',
  'https://127.0.0.1/',
  'HTTP://127.0.0.1/',
  'http://0.0.0.0/',
  'http://0.0.0.0:8080/',
  'http://0/',
  'http://[::1]/',
  'http://[::1]:8080/',
  'http://[::]/',
  'http://[0:0:0:0:0:0:0:1]/',
  'http://[0000::1]/',
  'http://[::0:1]/',
  // IPv4 hidden in IPv6
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://[0:0:0:0:0:ffff:127.0.0.1]/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::ffff:a9fe:a9fe]/',
  'http://[::ffff:10.0.0.1]/',
  'http://[::ffff:192.168.1.1]/',
  'http://[::ffff:8.8.8.8]/',
  'http://[::127.0.0.1]/',
  'http://[::7f00:1]/',
  'http://[64:ff9b::127.0.0.1]/',
  'http://[64:ff9b::a9fe:a9fe]/',
  'http://[64:ff9b:1::1]/',
  'http://[2002:7f00:1::]/',
  'http://[2002:a9fe:a9fe::1]/',
  'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
  // IPv6 special ranges
  'http://[fc00::1]/',
  'http://[fd12:3456:789a::1]/',
  'http://[fe80::1]/',
  'http://[fe80::1%25eth0]/',
  'http://[febf::1]/',
  'http://[fec0::1]/',
  'http://[ff02::1]/',
  'http://[ff05::2]/',
  'http://[2001:db8::1]/',
  'http://[3fff::1]/',
  'http://[100::1]/',
  'http://[2001:2::1]/',
  'http://[::2]/',
  'http://[4000::1]/',
  // Decimal, octal, hex and short IPv4 forms
  'http://2130706433/',
  'http://3232235521/',
  'http://167772161/',
  'http://2852039166/',
  'http://4294967295/',
  'http://1/',
  'http://0177.0.0.1/',
  'http://0177.0000.0000.0001/',
  'http://017700000001/',
  'http://00000177.0.0.1/',
  'http://0300.0250.0.1/',
  'http://012.0.0.1/',
  'http://0x7f.0.0.1/',
  'http://0x7f000001/',
  'http://0x7f.1/',
  'http://0xa9fea9fe/',
  'http://0xA9.0xFE.0xA9.0xFE/',
  'http://0x0a.0x00.0x00.0x01/',
  'http://0x7f.0.0.0x1/',
  'http://127.1/',
  'http://127.0.1/',
  'http://10.1/',
  'http://192.168.1/',
  'http://169.254.43518/',
  'http://127.0.0.1./',
  'http://127.0.0.01/',
  'http://1.2.3.0x4/',
  'http://08.8.8.8/',
  'http://8.8.8.010/',
  // Percent-encoded, full-width and ideographic-dot hosts
  'http://%31%32%37.0.0.1/',
  'http://127.0.0.%31/',
  'http://１２７.０.０.１/',
  'http://127。0。0。1/',
  'http://①②⑦.0.0.1/',
  // Userinfo tricks
  'http://a@127.0.0.1/',
  'http://public.example@127.0.0.1/',
  'http://user:pass@public.example/',
  'http://:@public.example/',
  'http://127.0.0.1#@public.example/',
  'http://127.0.0.1?@public.example/',
  // Other schemes
  'file:///etc/passwd',
  'file://localhost/etc/passwd',
  'gopher://127.0.0.1:70/_GET',
  'data:text/plain,hello',
  'ftp://public.example/',
  'dict://127.0.0.1:11211/stat',
  'ldap://127.0.0.1/',
  'javascript:alert(1)',
  'jar:http://public.example/a.jar!/',
  'ws://public.example/',
  'http:public.example/',
  'http:/127.0.0.1/',
  // Private, CGNAT, link-local, multicast, reserved and documentation literals
  'http://10.0.0.1/',
  'http://10.255.255.255/',
  'http://172.16.0.1/',
  'http://172.31.255.255/',
  'http://192.168.0.1/',
  'http://192.168.255.255/',
  'http://100.64.0.1/',
  'http://100.127.255.254/',
  'http://169.254.169.254/latest/meta-data/',
  'http://169.254.0.1/',
  'http://224.0.0.1/',
  'http://239.255.255.250/',
  'http://240.0.0.1/',
  'http://255.255.255.255/',
  'http://192.0.0.1/',
  'http://192.0.2.1/',
  'http://198.18.0.1/',
  'http://198.19.255.255/',
  'http://198.51.100.1/',
  'http://203.0.113.1/',
  'http://192.88.99.1/',
  'http://0.1.2.3/',
  // Names whose (stubbed) DNS answer is not allowed
  'http://localhost/',
  'http://LOCALHOST/',
  'http://localhost./',
  'http://localhost:8080/',
  'http://localhost.localdomain/',
  'http://sub.localhost/',
  'http://internal.example/',
  'http://metadata.example/latest/meta-data/',
  'http://loop.example/',
  'http://v6loop.example/',
  'http://mapped.example/',
  'http://mapped-hex.example/',
  'http://mixed.example/',
  'http://mixed6.example/',
  'http://ula.example/',
  'http://cgnat.example/',
  'http://zero.example/',
  'http://multicast.example/',
  'http://broadcast.example/',
  'http://linklocal6.example/',
  'http://nat64.example/',
  'http://sixtofour.example/',
  'http://teredo.example/',
  'http://garbage.example/',
  'http://octal-answer.example/',
  'http://empty.example/',
  'http://nxdomain.example/',
  'http://unknown-host.example/',
  'http://private172.example/',
  'http://private192.example/',
  'http://reserved.example/',
  'http://doc.example/',
  'http://bench.example/',
  // Malformed
  'http://',
  'http:///path',
  'http://exa mple.com/',
  'http://-bad-.example/',
  `http://${'a'.repeat(64)}.example/`,
  `http://public.example/${'x'.repeat(3000)}`,
];

describe('outbound SSRF guard', () => {
  let canary: http.Server;
  let canaryPort = 0;
  const canaryHits: { url: string; host: string | undefined }[] = [];
  let canaryMode: 'ok' | 'redirect' | 'slow' | 'huge' = 'ok';

  beforeAll(async () => {
    canary = http.createServer((req, res) => {
      canaryHits.push({ url: req.url ?? '', host: req.headers.host });
      if (canaryMode === 'redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${canaryPort}/followed` }).end();
      } else if (canaryMode === 'slow') {
        setTimeout(() => res.end('late'), 2000).unref();
      } else if (canaryMode === 'huge') {
        res.writeHead(200);
        res.end(Buffer.alloc(1024 * 1024, 120));
      } else {
        res.end('ok');
      }
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    canaryPort = (canary.address() as AddressInfo).port;
  });
  afterAll(async () => {
    canary.closeAllConnections();
    await new Promise<void>((resolve) => canary.close(() => resolve()));
  });

  function client(entries: AllowListEntry[], dnsCalls: string[] = [], attempts: string[] = []) {
    return new OutboundClient({
      allowList: async () => entries,
      resolver: stubResolver(dnsCalls),
      connectGuard: loopbackOnlyGuard(attempts),
      timeoutMs: 500,
      maxResponseBytes: 1024,
    });
  }

  it(`has at least 100 hostile forms to try (${HOSTILE_URLS.length})`, () => {
    expect(HOSTILE_URLS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(HOSTILE_URLS).size).toBe(HOSTILE_URLS.length);
  });

  it.each(HOSTILE_URLS)('refuses %s before any socket opens', async (url) => {
    const attempts: string[] = [];
    const hitsBefore = canaryHits.length;
    const outbound = client([{ pattern: '*', allowPrivate: false }], [], attempts);
    const error = await outbound.request({ url, method: 'POST', body: '{}' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, url).toBeInstanceOf(OutboundRefusedError);
    expect(attempts, 'no connection was attempted').toEqual([]);
    expect(canaryHits.length).toBe(hitsBefore);
    // The save-time pre-check refuses it too, or (for a name) defers to the address it resolves to.
    const pre = await outbound.precheck(url).then(
      (target) => target,
      (e: unknown) => e,
    );
    if (!(pre instanceof OutboundRefusedError)) expect((pre as OutboundTarget).ip, `${url} pre-check`).toBeUndefined();
  });

  it('refuses the canary port on 127.0.0.1 unless an entry allows private addresses; the canary saw nothing', async () => {
    await expect(
      client([{ pattern: '*', allowPrivate: false }]).request({ url: `http://127.0.0.1:${canaryPort}/` }),
    ).rejects.toMatchObject({ reason: 'blocked_address' });
    await expect(
      client([{ pattern: '127.0.0.1', allowPrivate: false }]).request({ url: `http://127.0.0.1:${canaryPort}/` }),
    ).rejects.toMatchObject({ reason: 'blocked_address' });
    await expect(
      client([{ pattern: 'hooks.example.com', allowPrivate: true }]).request({
        url: `http://127.0.0.1:${canaryPort}/`,
      }),
    ).rejects.toMatchObject({ reason: 'not_allow_listed' });
    expect(canaryHits).toEqual([]);
  });

  it('reaches 127.0.0.1 when it is allow-listed with allowPrivate', async () => {
    canaryMode = 'ok';
    const res = await client([{ pattern: '127.0.0.1', allowPrivate: true }]).request({
      url: `http://127.0.0.1:${canaryPort}/hook?x=1`,
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(canaryHits.at(-1)).toEqual({ url: '/hook?x=1', host: `127.0.0.1:${canaryPort}` });
  });

  it('refuses names that are not allow-listed, whatever they resolve to', async () => {
    const dnsCalls: string[] = [];
    const outbound = client([{ pattern: 'hooks.example.com', allowPrivate: false }], dnsCalls);
    await expect(outbound.request({ url: 'http://public.example/' })).rejects.toMatchObject({
      reason: 'not_allow_listed',
    });
    await expect(outbound.precheck('http://public.example/')).rejects.toMatchObject({ reason: 'not_allow_listed' });
    await expect(outbound.precheck('http://hooks.example.com/x')).resolves.toMatchObject({ host: 'hooks.example.com' });
  });

  it('pins the checked address: one DNS answer is used for check and connect, with the Host header kept', async () => {
    canaryMode = 'ok';
    let calls = 0;
    const outbound = new OutboundClient({
      allowList: async () => [{ pattern: 'rebind.test', allowPrivate: true }],
      // The first answer is checked; a rebinding server would answer differently the second time.
      resolver: async () => {
        calls++;
        return [{ address: calls === 1 ? '127.0.0.1' : '10.0.0.1', family: 4 }];
      },
      connectGuard: loopbackOnlyGuard([]),
    });
    const res = await outbound.request({ url: `http://rebind.test:${canaryPort}/pinned` });
    expect(res.status).toBe(200);
    expect(res.address).toBe('127.0.0.1');
    expect(calls).toBe(1);
    expect(canaryHits.at(-1)).toEqual({ url: '/pinned', host: `rebind.test:${canaryPort}` });
  });

  it('connects a public name to the checked address only (the guard sees it, no traffic leaves)', async () => {
    const attempts: string[] = [];
    const outbound = client([{ pattern: 'public.example', allowPrivate: false }], [], attempts);
    const error = await outbound.request({ url: 'https://public.example/hook' }).catch((e: unknown) => e);
    expect(attempts).toEqual(['93.184.216.34']);
    expect(String(error)).toContain('test connect guard');
  });

  it('does not follow redirects: a 302 is the answer', async () => {
    canaryMode = 'redirect';
    const before = canaryHits.length;
    const res = await client([{ pattern: '127.0.0.1', allowPrivate: true }]).request({
      url: `http://127.0.0.1:${canaryPort}/start`,
    });
    expect(res.status).toBe(302);
    expect(canaryHits.slice(before).map((h) => h.url)).toEqual(['/start']);
  });

  it('gives up after the timeout and caps the response size', async () => {
    canaryMode = 'slow';
    const outbound = client([{ pattern: '127.0.0.1', allowPrivate: true }]);
    const started = Date.now();
    await expect(
      outbound.request({ url: `http://127.0.0.1:${canaryPort}/slow`, timeoutMs: 200 }),
    ).rejects.toBeInstanceOf(OutboundFailedError);
    expect(Date.now() - started).toBeLessThan(1500);
    canaryMode = 'huge';
    const res = await outbound.request({ url: `http://127.0.0.1:${canaryPort}/huge` });
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(1024);
    canaryMode = 'ok';
  });
});

describe('address rules', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.15.255.255', 'public'],
    ['172.16.0.0', 'private'],
    ['172.32.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['100.64.0.0', 'cgnat'],
    ['169.254.169.254', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fd00::1', 'unique_local'],
    ['::ffff:127.0.0.1', 'ipv4_mapped'],
    ['::ffff:8.8.8.8', 'ipv4_mapped'],
    ['64:ff9b::1', 'nat64'],
    ['2002::1', 'six_to_four'],
    ['2001::1', 'teredo'],
    ['ff02::1', 'multicast'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it('parses only canonical IPv4 and flags every other spelling', () => {
    expect(parseIp('127.0.0.1')?.family).toBe(4);
    for (const odd of ['0177.0.0.1', '0x7f.1', '2130706433', '127.1', '127.0.0.1.', '1.2.3.0x4', '08.1.1.1']) {
      expect(parseIp(odd), odd).toBeUndefined();
      expect(isNonCanonicalIpv4(odd), odd).toBe(true);
    }
    for (const name of ['example.com', 'a1.example', 'localhost', '127.0.0.1']) {
      expect(isNonCanonicalIpv4(name), name).toBe(false);
    }
  });

  it('validates allow-list patterns', () => {
    expect(allowListPatternProblem('hooks.example.com', false)).toBeUndefined();
    expect(allowListPatternProblem('*.example.com', false)).toBeUndefined();
    expect(allowListPatternProblem('10.0.0.0/8', true)).toBeUndefined();
    expect(allowListPatternProblem('::1', true)).toBeUndefined();
    expect(allowListPatternProblem('*', false)).toBeUndefined();
    expect(allowListPatternProblem('*', true)).toContain('cannot allow private');
    expect(allowListPatternProblem('10.0.0.0/33', false)).toContain('not a valid');
    expect(allowListPatternProblem('*.com', false)).toContain('not a valid wildcard');
    expect(allowListPatternProblem('exa mple', false)).toContain('not a valid');
  });
});
