import type { FastifyReply } from 'fastify';
import { InputError } from '../errors.js';

/** Strong ETag of a versioned object: its version number, quoted. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', etagOf(version));
}

/**
 * The version an If-Match header asks for, or undefined when there is none (or `*`).
 * Accepts `"3"`, `W/"3"` and a bare `3`.
 */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header);
  if (!match) throw new InputError('If-Match must be the ETag of a version, e.g. "3"', { header: 'if-match' });
  return Number(match[1]);
}
