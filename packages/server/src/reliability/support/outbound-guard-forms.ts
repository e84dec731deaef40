/**
 * Hostile destination forms for the outbound-guard suite (outbound-guard.test.ts), generated
 * from a list of addresses that must never be reached: each IPv4 address in every spelling a
 * URL parser or a resolver might accept (dotted decimal, one integer, octal, hex, mixed, short,
 * trailing dot, percent-encoded, IPv4-mapped / compatible / NAT64 / 6to4 IPv6), IPv6 private,
 * link-local, loopback and multicast literals, and DNS names whose (stubbed) answer is private.
 */

/** Addresses Slipway must never call, with why. */
export const FORBIDDEN_IPV4: readonly [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.1.2.3', 'loopback'],
  ['10.0.0.1', 'RFC 1918'],
  ['10.255.255.254', 'RFC 1918'],
  ['172.16.0.1', 'RFC 1918'],
  ['172.31.255.1', 'RFC 1918'],
  ['192.168.1.1', 'RFC 1918'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['100.64.0.1', 'CGNAT'],
  ['0.0.0.0', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
];

export const FORBIDDEN_IPV6: readonly [string, string][] = [
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['fe80::a9fe:a9fe', 'link-local'],
  ['fc00::1', 'unique local'],
  ['fd12:3456:789a:1::1', 'unique local'],
  ['fec0::1', 'site-local (deprecated)'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'documentation'],
];

function octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

function asInteger(ip: string): number {
  return octets(ip).reduce((n, o) => n * 256 + o, 0);
}

function hex(n: number, width = 2): string {
  return n.toString(16).padStart(width, '0');
}

/** Every spelling of one IPv4 address as a URL host. */
export function ipv4Spellings(ip: string): string[] {
  const o = octets(ip);
  const [a, b, c, d] = o as [number, number, number, number];
  const n = asInteger(ip);
  return [
    ip,
    `${ip}.`,
    String(n),
    `0${n.toString(8)}`,
    `0x${n.toString(16)}`,
    `0X${n.toString(16).toUpperCase()}`,
    o.map((x) => `0${x.toString(8)}`).join('.'),
    o.map((x) => `0x${hex(x)}`).join('.'),
    `${a}.${(b << 16) | (c << 8) | d}`,
    `${a}.${b}.${(c << 8) | d}`,
    `0x${hex(a)}.${(b << 16) | (c << 8) | d}`,
    `${a}.${b}.${c}.${d}`.replace(/\./g, '%2e'),
    `[::ffff:${ip}]`,
    `[::ffff:${hex((a << 8) | b, 1)}:${hex((c << 8) | d, 1)}]`,
    `[0:0:0:0:0:ffff:${ip}]`,
    `[::${ip}]`,
    `[64:ff9b::${ip}]`,
    `[2002:${hex((a << 8) | b, 1)}:${hex((c << 8) | d, 1)}::1]`,
  ];
}

export interface HostileForm {
  url: string;
  why: string;
}

/** IP-literal forms: refused from the URL alone, before any DNS and any socket. */
export function literalForms(port: number): HostileForm[] {
  const forms: HostileForm[] = [];
  for (const [ip, why] of FORBIDDEN_IPV4) {
    for (const host of ipv4Spellings(ip)) forms.push({ url: `http://${host}:${port}/hook`, why: `${why} as ${host}` });
  }
  for (const [ip, why] of FORBIDDEN_IPV6) {
    forms.push({ url: `http://[${ip}]:${port}/hook`, why });
    forms.push({ url: `https://[${ip.toUpperCase()}]/hook`, why: `${why}, upper case` });
  }
  forms.push(
    { url: `http://[fe80::1%25eth0]:${port}/`, why: 'link-local with a zone id' },
    { url: `http://a@127.0.0.1:${port}/`, why: 'userinfo before a loopback host' },
    { url: `http://hooks.fuzz.test@127.0.0.1:${port}/`, why: 'allowed name as userinfo' },
    { url: `http://127.0.0.1:${port}#@hooks.fuzz.test/`, why: 'fragment trick' },
    { url: 'file:///etc/passwd', why: 'file scheme' },
    { url: 'gopher://127.0.0.1:70/_GET', why: 'gopher scheme' },
    { url: 'dict://127.0.0.1:11211/stat', why: 'dict scheme' },
    { url: 'ftp://hooks.fuzz.test/', why: 'ftp scheme' },
    { url: `http://localhost:${port}/`, why: 'localhost' },
    { url: `http://LOCALHOST.:${port}/`, why: 'localhost, upper case with trailing dot' },
    { url: `http://１２７.０.０.１:${port}/`, why: 'full-width digits' },
    { url: `http://127。0。0。1:${port}/`, why: 'ideographic full stops' },
  );
  return forms;
}

/**
 * Names on the allow-list whose stubbed DNS answer is forbidden: the guard must judge the
 * resolved address, every address of a mixed answer, and odd answers a resolver might return.
 */
export function dnsAnswers(): Record<string, string[]> {
  const answers: Record<string, string[]> = {};
  FORBIDDEN_IPV4.forEach(([ip], i) => {
    answers[`v4-${i}.fuzz.test`] = [ip];
    answers[`mixed-${i}.fuzz.test`] = ['93.184.216.34', ip];
    answers[`mapped-${i}.fuzz.test`] = [`::ffff:${ip}`];
  });
  FORBIDDEN_IPV6.forEach(([ip], i) => {
    answers[`v6-${i}.fuzz.test`] = [ip];
  });
  answers['octal.fuzz.test'] = ['0177.0.0.1'];
  answers['decimal.fuzz.test'] = ['2130706433'];
  answers['garbage.fuzz.test'] = ['not-an-address'];
  answers['empty.fuzz.test'] = [];
  return answers;
}

export function nameForms(port: number): HostileForm[] {
  return Object.entries(dnsAnswers()).map(([name, answer]) => ({
    url: `http://${name}:${port}/hook`,
    why: `resolves to ${answer.join(', ') || 'nothing'}`,
  }));
}
