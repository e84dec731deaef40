import { type paths, type SlipwayClient, unwrap } from '@slipway/client';
import { CI_STATUSES, type CiStatus, parseCiReference } from '@slipway/model';
import { InvalidArgumentError } from 'commander';
import { CliError } from './cli-io.js';

type Json<Path extends keyof paths, Method extends 'get' | 'post', Status extends number = 200> = paths[Path] extends {
  [M in Method]: { responses: { [S in Status]: { content: { 'application/json': infer Body } } } };
}
  ? Body
  : never;

export type Ci = Json<'/api/v1/cis/{id}', 'get'>;
export type CiClass = Json<'/api/v1/ci-classes', 'get'>['items'][number];
export type Relationship = Json<'/api/v1/relationships/{id}', 'get'>;
export type HistoryEntry = Json<'/api/v1/cis/{id}/history', 'get'>['items'][number];
export type GraphAnswer = Json<'/api/v1/cis/{id}/impact', 'get'>;
export type ImportResult = Json<'/api/v1/import', 'post'>;
export type Baseline = Json<'/api/v1/baselines/{id}', 'get'>;
export type BaselineDiff = Json<'/api/v1/baselines/{id}/diff', 'get'>;
export type QualityReport = Json<'/api/v1/cmdb/quality', 'get'>;
export type BackstageImportResult = Json<'/api/v1/import/backstage', 'post'>;

/** What a CI is called on screen and on the command line: `class/name`. */
export function refOf(ci: { class: string; name: string }): string {
  return `${ci.class}/${ci.name}`;
}

/** A CI as the user named it: a numeric id, or `class/name`. */
export type CiSelector = { id: number } | { class: string; name: string };

/**
 * Reads `<ref|id>` from the command line. A whole number is an id; anything else must be
 * `class/name` (split at the first slash: names may contain slashes).
 */
export function parseCiSelector(text: string): CiSelector {
  if (/^\d+$/.test(text)) {
    const id = Number(text);
    if (Number.isSafeInteger(id) && id > 0) return { id };
  }
  const ref = parseCiReference(text);
  if (!ref) throw new CliError(`"${text}" is not a CI: expected class/name (e.g. software/openssl) or a numeric id`);
  return ref;
}

/** The CI a selector names; a `class/name` is looked up by exact name. */
export async function resolveCi(api: SlipwayClient, text: string): Promise<Ci> {
  const selector = parseCiSelector(text);
  if ('id' in selector) return unwrap(api.GET('/api/v1/cis/{id}', { params: { path: { id: selector.id } } }));
  const page = await unwrap(
    api.GET('/api/v1/cis', { params: { query: { class: selector.class, name: selector.name, limit: 1 } } }),
  );
  const found = page.items[0];
  if (!found) throw new CliError(`No CI ${refOf(selector)}`);
  return found;
}

/** The id of the CI a selector names, without a request when it is already an id. */
export async function resolveCiId(api: SlipwayClient, text: string): Promise<number> {
  const selector = parseCiSelector(text);
  if ('id' in selector) return selector.id;
  return (await resolveCi(api, text)).id;
}

/** Every CI class with its attribute schema. */
export async function fetchClasses(api: SlipwayClient): Promise<CiClass[]> {
  return (await unwrap(api.GET('/api/v1/ci-classes'))).items;
}

/** Commander parser for a CI status. */
export function ciStatus(value: string): CiStatus {
  if (!(CI_STATUSES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${CI_STATUSES.join(', ')}`);
  }
  return value as CiStatus;
}

/** Commander parser for `a,b,c` lists: trimmed, empty parts dropped. */
export function commaList(value: string): string[] {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return parts;
}

/** `1234567` → `1,234,567`: counts people read. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** `1 CI`, `2 CIs`. */
export function plural(value: number, one: string, many = `${one}s`): string {
  return `${count(value)} ${value === 1 ? one : many}`;
}

/** A value from the API as one short piece of text: strings bare, `-` for none, JSON otherwise. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
