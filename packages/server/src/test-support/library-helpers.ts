import fs from 'node:fs';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './test-app.js';

/** Test helpers of the library's API tests (not shipped: only *.test.ts files import this). */

export const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'library', 'test-fixtures');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

export interface PushMeta {
  name: string;
  artifactVersion: string;
  license: string;
  element?: string;
  supplier?: string;
  description?: string;
  requires?: string[];
}

/** Pushes content with the streamed form (application/octet-stream, metadata in the query). */
export function pushStreamed(
  t: TestApp,
  token: string,
  content: Buffer,
  meta: PushMeta,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(meta)) {
    for (const v of Array.isArray(value) ? value : [value]) query.append(key, String(v));
  }
  return t.slipway.app.inject({
    method: 'POST',
    url: `/api/v1/artifacts?${query.toString()}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', ...headers },
    payload: content,
  });
}

/** Every file under the artifact store (content and staging). */
export function storedFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'artifacts');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((p) => path.join(root, p))
    .filter((p) => fs.statSync(p).isFile());
}

export function contentPath(dataDir: string, sha256: string): string {
  return path.join(dataDir, 'artifacts', 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}
