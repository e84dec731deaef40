import spdxExceptionIds from 'spdx-exceptions/index.json' with { type: 'json' };
import spdxDeprecatedIds from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import spdxLicenseIds from 'spdx-license-ids/index.json' with { type: 'json' };

/**
 * SPDX licence expressions (SPDX 2.3 annex D): `MIT`, `GPL-2.0-or-later WITH Classpath-exception-2.0`,
 * `(MIT OR Apache-2.0) AND BSD-3-Clause`, `GPL-2.0+`, `LicenseRef-Acme`. A small recursive-descent
 * parser of our own rather than spdx-expression-parse, so that a refusal names the exact token and
 * its offset, and so that identifiers are checked against the same list the policy uses.
 */
export type SpdxNode =
  | { kind: 'license'; id: string; plus: boolean; exception: string | null }
  | { kind: 'and' | 'or'; left: SpdxNode; right: SpdxNode };

export class SpdxParseError extends Error {
  constructor(
    message: string,
    readonly token: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const LICENSE_IDS = new Map<string, string>(
  [...(spdxLicenseIds as string[]), ...(spdxDeprecatedIds as string[])].map((id) => [id.toLowerCase(), id]),
);
const EXCEPTION_IDS = new Map<string, string>((spdxExceptionIds as string[]).map((id) => [id.toLowerCase(), id]));
const REF_PATTERN = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
const MAX_LENGTH = 2000;

interface Token {
  text: string;
  offset: number;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*([()]|[^\s()]+)/gy;
  let match: RegExpExecArray | null = pattern.exec(expression);
  while (match !== null) {
    const text = match[1] as string;
    tokens.push({ text, offset: match.index + match[0].length - text.length });
    match = pattern.exec(expression);
  }
  return tokens;
}

/** The canonical spelling of a licence identifier, or undefined when SPDX does not know it. */
export function canonicalLicenseId(id: string): string | undefined {
  if (REF_PATTERN.test(id)) return id;
  return LICENSE_IDS.get(id.toLowerCase());
}

/**
 * Parses an SPDX expression. Operators are case-insensitive (SPDX allows `and`/`AND`), licence
 * ids are matched case-insensitively and returned in their canonical spelling.
 * Throws SpdxParseError naming the offending token.
 */
export function parseSpdxExpression(expression: string): SpdxNode {
  if (expression.length > MAX_LENGTH) {
    throw new SpdxParseError(`The licence expression is longer than ${MAX_LENGTH} characters`, '', MAX_LENGTH);
  }
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const fail = (message: string, token: Token | undefined): never => {
    throw new SpdxParseError(
      token ? `${message}: "${token.text}" at offset ${token.offset}` : `${message} at the end of the expression`,
      token?.text ?? '',
      token?.offset ?? expression.length,
    );
  };
  const operator = (token: Token | undefined) => token?.text.toUpperCase();

  const parseAtom = (): SpdxNode => {
    const token = peek();
    if (!token) return fail('Expected a licence identifier', undefined);
    if (token.text === '(') {
      position++;
      const inner = parseOr();
      if (peek()?.text !== ')') return fail('Expected ")"', peek());
      position++;
      return inner;
    }
    if (['AND', 'OR', 'WITH'].includes(operator(token) ?? '') || token.text === ')') {
      return fail('Expected a licence identifier', token);
    }
    let text = token.text;
    let plus = false;
    if (text.endsWith('+') && text.length > 1) {
      plus = true;
      text = text.slice(0, -1);
    }
    const id = canonicalLicenseId(text);
    if (!id) return fail('Unknown SPDX licence identifier (use LicenseRef-… for others)', token);
    position++;
    let exception: string | null = null;
    if (operator(peek()) === 'WITH') {
      position++;
      const exceptionToken = peek();
      if (!exceptionToken) return fail('Expected a licence exception after WITH', undefined);
      const known = EXCEPTION_IDS.get(exceptionToken.text.toLowerCase());
      if (!known) return fail('Unknown SPDX licence exception', exceptionToken);
      exception = known;
      position++;
    }
    return { kind: 'license', id, plus, exception };
  };

  const parseAnd = (): SpdxNode => {
    let left = parseAtom();
    while (operator(peek()) === 'AND') {
      position++;
      left = { kind: 'and', left, right: parseAtom() };
    }
    return left;
  };

  const parseOr = (): SpdxNode => {
    let left = parseAnd();
    while (operator(peek()) === 'OR') {
      position++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };

  if (tokens.length === 0) return fail('The licence expression is empty', undefined);
  const tree = parseOr();
  if (position < tokens.length) fail('Unexpected token', peek());
  return tree;
}

/** The canonical text of a parsed expression (ids canonical, operators upper-case). */
export function formatSpdxExpression(node: SpdxNode, parent?: 'and' | 'or'): string {
  if (node.kind === 'license') {
    return `${node.id}${node.plus ? '+' : ''}${node.exception ? ` WITH ${node.exception}` : ''}`;
  }
  const text = `${formatSpdxExpression(node.left, node.kind)} ${node.kind.toUpperCase()} ${formatSpdxExpression(node.right, node.kind)}`;
  return parent === 'and' && node.kind === 'or' ? `(${text})` : text;
}
