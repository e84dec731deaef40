import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { formatIp, type ParsedIp, parseIp } from './ip-address.js';
import {
  AllowList,
  type AllowListEntry,
  OutboundRefusedError,
  type OutboundTarget,
  parseOutboundUrl,
} from './outbound-policy.js';

/** Resolves a host name to its addresses (injectable: tests use a stub and never touch DNS). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/**
 * Called with the pinned address right before a socket is opened; throws to refuse. Production
 * passes none; tests pass one that throws for anything but loopback, so no test can ever send
 * traffic to another network.
 */
export type ConnectGuard = (address: string, port: number, host: string) => void;

export const systemResolver: Resolver = async (hostname) =>
  dns.promises.lookup(hostname, { all: true, verbatim: true });

export interface OutboundClientOptions {
  /** Read before every request, so an allow-list edit applies at once. */
  allowList: () => Promise<readonly AllowListEntry[]>;
  resolver?: Resolver;
  connectGuard?: ConnectGuard;
  timeoutMs?: number;
  maxResponseBytes?: number;
  userAgent?: string;
}

export interface OutboundRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** At most `maxResponseBytes` of the body. */
  body: Buffer;
  truncated: boolean;
  /** The address the request was sent to (the one that was checked). */
  address: string;
  durationMs: number;
}

/** The request was allowed but failed on the way (connection refused, timeout, TLS). */
export class OutboundFailedError extends Error {
  constructor(
    message: string,
    readonly address: string | undefined,
  ) {
    super(message);
    this.name = 'OutboundFailedError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The only way Slipway calls out over HTTP (webhooks now; webhook executors and artifact fetches
 * later). It resolves the host itself, checks every address against the allow-list and the
 * special-purpose ranges, then connects to the checked address (pinned: no second lookup, so a
 * DNS answer that changes between check and connect — rebinding — cannot redirect the call),
 * sending the original Host header and TLS server name. Redirects are never followed: a 3xx is
 * just a response. Every call has a deadline and a cap on the response size.
 */
export class OutboundClient {
  readonly #options: OutboundClientOptions;

  constructor(options: OutboundClientOptions) {
    this.#options = options;
  }

  /** Parses and pre-checks a URL without DNS (for validating a subscription when it is saved). */
  async precheck(rawUrl: string): Promise<OutboundTarget> {
    const target = parseOutboundUrl(rawUrl);
    const allowList = new AllowList(await this.#options.allowList());
    if (!allowList.mayAllowHost(target)) {
      if (target.ip) {
        const refusal = allowList.checkAddress(target.host, target.ip);
        if (refusal) throw refusal;
      }
      throw new OutboundRefusedError('not_allow_listed', `"${target.host}" is not on the outbound allow-list`, {
        host: target.host,
      });
    }
    return target;
  }

  /** Resolves and checks; the address to connect to, or an OutboundRefusedError. */
  async resolveAllowed(target: OutboundTarget): Promise<ParsedIp> {
    const allowList = new AllowList(await this.#options.allowList());
    let addresses: ParsedIp[];
    if (target.ip) {
      addresses = [target.ip];
    } else {
      let answers: { address: string; family: number }[];
      try {
        answers = await (this.#options.resolver ?? systemResolver)(target.host);
      } catch (error) {
        throw new OutboundRefusedError(
          'dns_failure',
          `"${target.host}" could not be resolved: ${error instanceof Error ? error.message : String(error)}`,
          { host: target.host },
        );
      }
      addresses = [];
      for (const answer of answers) {
        const ip = parseIp(answer.address);
        // A resolver answer that is not a plain address is as suspicious as a private one.
        if (!ip) {
          throw new OutboundRefusedError('blocked_address', `"${target.host}" resolved to "${answer.address}"`, {
            host: target.host,
          });
        }
        addresses.push(ip);
      }
      if (addresses.length === 0) {
        throw new OutboundRefusedError('dns_failure', `"${target.host}" has no addresses`, { host: target.host });
      }
    }
    // Every answer must pass: with a mixed answer the connector could pick the private one.
    for (const ip of addresses) {
      const refusal = allowList.checkAddress(target.host, ip);
      if (refusal) throw refusal;
    }
    return addresses[0] as ParsedIp;
  }

  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const target = parseOutboundUrl(request.url);
    const ip = await this.resolveAllowed(target);
    const address = formatIp(ip);
    this.#options.connectGuard?.(address, target.port, target.host);
    return this.#send(target, ip, address, request);
  }

  #send(target: OutboundTarget, ip: ParsedIp, address: string, request: OutboundRequest): Promise<OutboundResponse> {
    const timeoutMs = request.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = request.maxResponseBytes ?? this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const guard = this.#options.connectGuard;
    // The pinned lookup: whatever net.connect asks, the answer is the address we checked.
    const pinned: LookupFunction = (_hostname, options, callback) => {
      try {
        guard?.(address, target.port, target.host);
      } catch (error) {
        (callback as (err: Error) => void)(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if ((options as { all?: boolean }).all) {
        (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [
          { address, family: ip.family },
        ]);
      } else {
        (callback as (err: null, address: string, family: number) => void)(null, address, ip.family);
      }
    };
    const started = performance.now();
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers: Record<string, string> = {
      'user-agent': this.#options.userAgent ?? 'Slipway-Outbound/1',
      ...request.headers,
      host: target.url.host,
      ...(body !== undefined && { 'content-length': String(body.length) }),
    };
    const options: https.RequestOptions = {
      protocol: target.protocol,
      // The name, not the address: Host and SNI carry the name, `lookup` pins the address.
      // An IP literal needs no lookup (net.connect skips it) and was checked above.
      host: target.ip ? address : target.host,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: request.method ?? 'POST',
      headers,
      lookup: pinned,
      agent: false,
      ...(target.protocol === 'https:' && !target.ip && { servername: target.host }),
    };
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const req = (target.protocol === 'https:' ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size = maxBytes;
            truncated = true;
            // Enough read: the status is what matters, and a huge answer must not fill memory.
            res.destroy();
            finish(() =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
                truncated,
                address,
                durationMs: performance.now() - started,
              }),
            );
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
              truncated,
              address,
              durationMs: performance.now() - started,
            }),
          ),
        );
        res.on('error', (error) => finish(() => reject(new OutboundFailedError(error.message, address))));
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no complete answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (error) =>
        finish(() =>
          reject(error instanceof OutboundRefusedError ? error : new OutboundFailedError(error.message, address)),
        ),
      );
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}
