/**
 * IP address parsing and classification for the SSRF guard. Written out instead of relying on
 * `net.BlockList` so that every rule (IPv4-mapped IPv6, NAT64, 6to4 and Teredo embeddings, the odd
 * IPv4 spellings) is visible and tested here.
 *
 * Addresses are handled as bytes: 4 for IPv4, 16 for IPv6. Only canonical dotted-decimal IPv4 is
 * parsed as an address; the other spellings WHATWG URL parsers and `inet_aton` accept (decimal
 * `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, short `127.1`) are detected by
 * `isNonCanonicalIpv4` and refused outright by the guard, because parser differentials between
 * the checker and the connector are how such hosts slip through.
 */

export type IpFamily = 4 | 6;

export interface ParsedIp {
  family: IpFamily;
  bytes: Uint8Array;
}

/** Why an address is not an ordinary public unicast address (or `public` when it is). */
export type AddressCategory =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link_local'
  | 'unique_local'
  | 'site_local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'protocol_assignments'
  | 'ipv4_mapped'
  | 'ipv4_compatible'
  | 'nat64'
  | 'six_to_four'
  | 'teredo'
  | 'discard';

/**
 * Categories an allow-list entry with `allowPrivate` may reach (an internal receiver, a test
 * server on 127.0.0.1). Everything else that is not public is refused even then: nothing
 * legitimate listens on 0.0.0.0, a multicast group or an address smuggled inside an IPv6 form.
 */
export const PRIVATE_ALLOWABLE: ReadonlySet<AddressCategory> = new Set([
  'loopback',
  'private',
  'cgnat',
  'link_local',
  'unique_local',
]);

const IPV4_DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Canonical dotted-decimal IPv4 only: four octets 0–255, no leading zeros, nothing else. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!IPV4_DECIMAL_OCTET.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/**
 * True for a host that a URL parser or `inet_aton` would read as an IPv4 address although it is
 * not canonical dotted decimal: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`, `127.0.0.1.`,
 * `1.2.3.0x4`, `08.1.1.1`. WHATWG's rule is "the last label is a number" (decimal, `0x` hex or
 * leading-zero octal), so that is the rule here too, plus a trailing dot.
 */
export function isNonCanonicalIpv4(host: string): boolean {
  if (parseIpv4(host)) return false;
  const labels = host.split('.');
  if (labels.at(-1) === '') labels.pop();
  const last = labels.at(-1);
  if (last === undefined || last === '') return false;
  if (/^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last)) return true;
  // A canonical address with a trailing dot is still an address to a resolver.
  return host.endsWith('.') && parseIpv4(host.slice(0, -1)) !== undefined;
}

function parseHexGroup(group: string): number | undefined {
  if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
  return Number.parseInt(group, 16);
}

/** IPv6 text (without brackets or zone) → 16 bytes; accepts `::` and a trailing dotted IPv4. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return undefined;
  let head = text;
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    tail4 = parseIpv4(text.slice(lastColon + 1));
    if (!tail4) return undefined;
    head = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "a::1.2.3.4" leaves "a::"; "a:b:c:d:e:f:1.2.3.4" leaves "a:…:f:".
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsNeeded = tail4 ? 6 : 8;
  const doubleColon = head.indexOf('::');
  if (doubleColon !== head.lastIndexOf('::')) return undefined;
  const words: number[] = [];
  if (doubleColon >= 0) {
    const left = head.slice(0, doubleColon);
    const right = head.slice(doubleColon + 2);
    const leftGroups = left === '' ? [] : left.split(':');
    const rightGroups = right === '' ? [] : right.split(':');
    if (leftGroups.length + rightGroups.length > groupsNeeded - 1) return undefined;
    for (const g of leftGroups) {
      const v = parseHexGroup(g);
      if (v === undefined) return undefined;
      words.push(v);
    }
    for (let i = leftGroups.length + rightGroups.length; i < groupsNeeded; i++) words.push(0);
    for (const g of rightGroups) {
      const v = parseHexGroup(g);
      if (v === undefined) return undefined;
      words.push(v);
    }
  } else {
    const groups = head === '' ? [] : head.split(':');
    if (groups.length !== groupsNeeded) return undefined;
    for (const g of groups) {
      const v = parseHexGroup(g);
      if (v === undefined) return undefined;
      words.push(v);
    }
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  if (tail4) bytes.set(tail4, 12);
  return bytes;
}

/** An IP literal as it appears in a URL host or a resolver answer (`[::1]` brackets allowed). */
export function parseIp(text: string): ParsedIp | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v6 = parseIpv6(inner);
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2)
    words.push((((ip.bytes[i] as number) << 8) | (ip.bytes[i + 1] as number)).toString(16));
  // Uncompressed: valid for every consumer (net.connect, logs) and unambiguous.
  return words.join(':');
}

export interface Cidr {
  family: IpFamily;
  bytes: Uint8Array;
  prefix: number;
}

/** `10.0.0.0/8`, `fc00::/7`, or a single address (full-length prefix). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { family: ip.family, bytes: ip.bytes, prefix };
}

export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((((cidr.bytes[i] as number) ^ (ip.bytes[i] as number)) & mask) !== 0) return false;
  }
  return true;
}

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad built-in CIDR ${text}`);
  return parsed;
}

/**
 * IANA special-purpose registries (IPv4 and IPv6) plus multicast and the deprecated ranges.
 * First match wins, so more specific ranges come before the ranges that contain them.
 */
const SPECIAL_RANGES: readonly [Cidr, AddressCategory][] = [
  [cidr('255.255.255.255/32'), 'broadcast'],
  [cidr('0.0.0.0/8'), 'unspecified'],
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('100.64.0.0/10'), 'cgnat'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'link_local'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.0.0.0/24'), 'protocol_assignments'],
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('192.31.196.0/24'), 'reserved'],
  [cidr('192.52.193.0/24'), 'reserved'],
  [cidr('192.88.99.0/24'), 'six_to_four'],
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('192.175.48.0/24'), 'reserved'],
  [cidr('198.18.0.0/15'), 'benchmarking'],
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('240.0.0.0/4'), 'reserved'],
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('::ffff:0:0/96'), 'ipv4_mapped'],
  [cidr('::ffff:0:0:0/96'), 'ipv4_mapped'],
  [cidr('::/96'), 'ipv4_compatible'],
  [cidr('64:ff9b::/96'), 'nat64'],
  [cidr('64:ff9b:1::/48'), 'nat64'],
  [cidr('100::/64'), 'discard'],
  [cidr('2001::/32'), 'teredo'],
  [cidr('2001:2::/48'), 'benchmarking'],
  [cidr('2001:db8::/32'), 'documentation'],
  [cidr('2001::/23'), 'protocol_assignments'],
  [cidr('2002::/16'), 'six_to_four'],
  [cidr('3fff::/20'), 'documentation'],
  [cidr('5f00::/16'), 'reserved'],
  [cidr('fc00::/7'), 'unique_local'],
  [cidr('fe80::/10'), 'link_local'],
  [cidr('fec0::/10'), 'site_local'],
  [cidr('ff00::/8'), 'multicast'],
];

/** Global unicast IPv6 is 2000::/3 only; anything outside it (and not listed above) is reserved. */
const IPV6_GLOBAL_UNICAST = cidr('2000::/3');

export function classifyIp(ip: ParsedIp): AddressCategory {
  for (const [range, category] of SPECIAL_RANGES) if (cidrContains(range, ip)) return category;
  if (ip.family === 6 && !cidrContains(IPV6_GLOBAL_UNICAST, ip)) return 'reserved';
  return 'public';
}

/** The category of an address in text form, or undefined when it is not an address. */
export function classifyAddress(text: string): AddressCategory | undefined {
  const ip = parseIp(text);
  return ip ? classifyIp(ip) : undefined;
}
