import {
  type AddressCategory,
  type Cidr,
  cidrContains,
  classifyIp,
  formatIp,
  isNonCanonicalIpv4,
  type ParsedIp,
  PRIVATE_ALLOWABLE,
  parseCidr,
  parseIp,
} from './ip-address.js';

/**
 * What may be called: the admin's allow-list. An entry is a host name (`hooks.example.com`), a
 * wildcard for subdomains (`*.example.com`), `*` (any host, public addresses only), an IP
 * address or a CIDR range (matched against the address a name resolves to, or an IP literal).
 * `allowPrivate` lets a matching entry reach loopback, RFC 1918, CGNAT, link-local and ULA
 * addresses (an internal receiver; 127.0.0.1 in tests). Nothing ever reaches unspecified,
 * multicast, broadcast, reserved or documentation addresses, or IPv4 hidden inside IPv6 forms.
 */
export interface AllowListEntry {
  pattern: string;
  allowPrivate: boolean;
}

export type RefusalReason =
  | 'invalid_url'
  | 'unsupported_scheme'
  | 'userinfo'
  | 'non_canonical_ip'
  | 'not_allow_listed'
  | 'blocked_address'
  | 'dns_failure';

/** The guard refused a destination before any connection was made. */
export class OutboundRefusedError extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly details: { host?: string; address?: string; category?: AddressCategory } = {},
  ) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

/** A parsed destination: scheme, host (lower case, no brackets, no trailing dot), port. */
export interface OutboundTarget {
  url: URL;
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
  /** Set when the host is an IP literal (no DNS then). */
  ip: ParsedIp | undefined;
}

const MAX_URL_LENGTH = 2048;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => HOST_LABEL.test(label));
}

/**
 * Parses a URL for an outbound call, refusing what must never be fetched: other schemes (file,
 * gopher, data …), credentials in the URL, and hosts spelled as odd IPv4 forms (decimal, octal,
 * hex, short, percent-encoded, full-width digits). The raw text is inspected as well as the
 * parsed URL: the guard must judge the same host the connector will use.
 */
export function parseOutboundUrl(raw: string): OutboundTarget {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (raw.length > MAX_URL_LENGTH || /[\u0000-\u0020\u007f]/.test(raw)) {
    throw new OutboundRefusedError('invalid_url', 'The URL is too long or contains spaces or control characters');
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw new OutboundRefusedError(
      'unsupported_scheme',
      `Only http and https URLs are allowed, not "${scheme ?? ''}:"`,
    );
  }
  const afterScheme = raw.slice(scheme.length + 1);
  if (!afterScheme.startsWith('//')) throw new OutboundRefusedError('invalid_url', 'The URL must be http(s)://host/…');
  const authority = afterScheme.slice(2).split(/[/\\?#]/, 1)[0] ?? '';
  if (authority.includes('@')) {
    throw new OutboundRefusedError('userinfo', 'URLs with credentials (user@host) are refused');
  }
  const rawHost = (authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.split(':')[0])
    ?.toLowerCase()
    .replace(/\.$/, '');
  if (!rawHost) throw new OutboundRefusedError('invalid_url', 'The URL has no host');
  if (rawHost.includes('%')) {
    throw new OutboundRefusedError('non_canonical_ip', 'Percent-encoded hosts are refused');
  }
  if (!rawHost.startsWith('[') && isNonCanonicalIpv4(rawHost)) {
    throw new OutboundRefusedError('non_canonical_ip', `"${rawHost}" is an IPv4 address in a non-canonical form`, {
      host: rawHost,
    });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefusedError('invalid_url', 'The URL is not valid');
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundRefusedError('userinfo', 'URLs with credentials (user@host) are refused');
  }
  let host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const ip = parseIp(host);
  // The parser turned something into an IPv4 address that was not written as one (full-width
  // digits, IDNA mapping): a differential, refused.
  if (ip?.family === 4 && host !== rawHost) {
    throw new OutboundRefusedError('non_canonical_ip', `"${rawHost}" is an IPv4 address in a non-canonical form`, {
      host: rawHost,
    });
  }
  if (!ip && !isHostName(host)) throw new OutboundRefusedError('invalid_url', `"${host}" is not a valid host name`);
  const protocol = url.protocol as 'http:' | 'https:';
  const port = url.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { url, protocol, host, port, ip };
}

type CompiledEntry =
  | { kind: 'any'; allowPrivate: boolean; pattern: string }
  | { kind: 'name'; name: string; allowPrivate: boolean; pattern: string }
  | { kind: 'suffix'; suffix: string; allowPrivate: boolean; pattern: string }
  | { kind: 'cidr'; cidr: Cidr; allowPrivate: boolean; pattern: string };

/** Why a pattern is not a valid allow-list entry, or undefined when it is. */
export function allowListPatternProblem(pattern: string, allowPrivate: boolean): string | undefined {
  if (pattern === '*') {
    return allowPrivate ? '"*" cannot allow private addresses: list the private hosts or ranges one by one' : undefined;
  }
  if (pattern.startsWith('*.')) {
    return isHostName(pattern.slice(2)) && pattern.slice(2).includes('.')
      ? undefined
      : `"${pattern}" is not a valid wildcard: expected *.example.com`;
  }
  if (/^[0-9a-f:.[\]]+(\/[0-9]{1,3})?$/i.test(pattern) && (pattern.includes(':') || /^[0-9./]+$/.test(pattern))) {
    return parseCidr(pattern.replace(/^\[|\](?=\/|$)/g, ''))
      ? undefined
      : `"${pattern}" is not a valid IP address or CIDR range`;
  }
  return isHostName(pattern.toLowerCase()) ? undefined : `"${pattern}" is not a valid host name, wildcard, IP or CIDR`;
}

function compileEntry(entry: AllowListEntry): CompiledEntry | undefined {
  const pattern = entry.pattern.trim().toLowerCase();
  if (allowListPatternProblem(pattern, entry.allowPrivate) !== undefined) return undefined;
  if (pattern === '*') return { kind: 'any', allowPrivate: false, pattern };
  if (pattern.startsWith('*.'))
    return { kind: 'suffix', suffix: pattern.slice(1), allowPrivate: entry.allowPrivate, pattern };
  const range = parseCidr(pattern.replace(/^\[|\](?=\/|$)/g, ''));
  if (range) return { kind: 'cidr', cidr: range, allowPrivate: entry.allowPrivate, pattern };
  return { kind: 'name', name: pattern, allowPrivate: entry.allowPrivate, pattern };
}

/** An allow-list ready to judge hosts and the addresses they resolve to. */
export class AllowList {
  readonly #entries: CompiledEntry[];

  constructor(entries: readonly AllowListEntry[]) {
    this.#entries = entries.map(compileEntry).filter((e): e is CompiledEntry => e !== undefined);
  }

  get size(): number {
    return this.#entries.length;
  }

  #matching(host: string, ip: ParsedIp): CompiledEntry[] {
    const isLiteral = parseIp(host) !== undefined;
    return this.#entries.filter((entry) => {
      switch (entry.kind) {
        case 'any':
          return true;
        case 'name':
          return !isLiteral && entry.name === host;
        case 'suffix':
          return !isLiteral && host.endsWith(entry.suffix);
        case 'cidr':
          return cidrContains(entry.cidr, ip);
      }
      return false;
    });
  }

  /**
   * Before any DNS: could this host be allowed at all? True when a name entry matches it, when
   * it is an IP literal an entry allows, or when IP/CIDR entries exist (only the resolved address
   * can tell then).
   */
  mayAllowHost(target: OutboundTarget): boolean {
    if (target.ip) return this.checkAddress(target.host, target.ip) === undefined;
    return this.#entries.some(
      (e) =>
        e.kind === 'any' ||
        e.kind === 'cidr' ||
        (e.kind === 'name' && e.name === target.host) ||
        (e.kind === 'suffix' && target.host.endsWith(e.suffix)),
    );
  }

  /** Undefined when `host` may be reached at `ip`; otherwise why not. */
  checkAddress(host: string, ip: ParsedIp): OutboundRefusedError | undefined {
    const matching = this.#matching(host, ip);
    const category = classifyIp(ip);
    const address = formatIp(ip);
    if (matching.length === 0) {
      return new OutboundRefusedError('not_allow_listed', `"${host}" is not on the outbound allow-list`, {
        host,
        category,
      });
    }
    if (category === 'public') return undefined;
    if (PRIVATE_ALLOWABLE.has(category) && matching.some((e) => e.allowPrivate)) return undefined;
    return new OutboundRefusedError(
      'blocked_address',
      `"${host}" resolves to a ${category.replace(/_/g, ' ')} address, which is refused${
        PRIVATE_ALLOWABLE.has(category) ? ' (an allow-list entry with allowPrivate would permit it)' : ''
      }`,
      { host, category, address },
    );
  }
}
