import type { LightMyRequestResponse } from 'fastify';

/**
 * Checks of the web-security suite (web-security.test.ts): the headers every response must carry
 * (OWASP ASVS 5.0 3.4.x, the anchors' S5), and reading the session cookie off a login.
 */

function header(res: LightMyRequestResponse, name: string): string {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : String(value ?? '');
}

/** The CSP directives as name → value. */
function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...rest] = d.split(/\s+/);
        return [name.toLowerCase(), rest.join(' ')] as [string, string];
      }),
  );
}

/** What is missing or wrong in one response's security headers; empty when all is well. */
export function headerProblems(res: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  const csp = directives(header(res, 'content-security-policy'));
  if (csp.size === 0) problems.push('no Content-Security-Policy');
  for (const [name, value] of [
    ['frame-ancestors', "'none'"],
    ['base-uri', "'none'"],
    ['object-src', "'none'"],
  ] as const) {
    if (csp.get(name) !== value) problems.push(`CSP ${name} is "${csp.get(name) ?? 'missing'}", not ${value}`);
  }
  if ((csp.get('script-src') ?? csp.get('default-src') ?? '').includes("'unsafe-inline'")) {
    problems.push("CSP allows inline scripts ('unsafe-inline')");
  }
  const hsts = /max-age=(\d+)/.exec(header(res, 'strict-transport-security'));
  if (!hsts || Number(hsts[1]) < 31_536_000) problems.push('HSTS missing or max-age under one year');
  if (header(res, 'x-content-type-options') !== 'nosniff') problems.push('X-Content-Type-Options is not nosniff');
  if (!header(res, 'referrer-policy')) problems.push('no Referrer-Policy');
  if (header(res, 'x-frame-options').toUpperCase() !== 'DENY') problems.push('X-Frame-Options is not DENY');
  const allowOrigin = header(res, 'access-control-allow-origin');
  if (allowOrigin === '*' || allowOrigin.includes('evil')) problems.push(`CORS grants "${allowOrigin}"`);
  return problems;
}

/** `name=value` of the session cookie a login set. */
export function sessionCookieOf(res: LightMyRequestResponse): string {
  const set = res.headers['set-cookie'];
  const cookies = Array.isArray(set) ? set : [String(set ?? '')];
  const session = cookies.find((c) => /^(__Host-)?slipway_session=/.test(c));
  if (!session) throw new Error(`login set no session cookie: ${JSON.stringify(set)}`);
  return session.split(';')[0] as string;
}
