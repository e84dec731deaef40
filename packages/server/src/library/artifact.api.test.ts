import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentPath, pushStreamed, storedFiles } from '../test-support/library-helpers.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

const sha = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

describe.each(testDatabaseKinds())('artifact push and download on %s', (kind) => {
  let t: TestApp;
  let engineer: string;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${++n}`;

  beforeAll(async () => {
    t = await createTestApp(kind, { env: { SLIPWAY_ARTIFACT_MAX_BYTES: String(4 * 1024 * 1024) } });
    engineer = (await t.userWithRoles('eng', ['engineer'])).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function auditActions(objectId?: number): Promise<string[]> {
    const res = await t.request({
      method: 'GET',
      url: `/api/v1/audit?objectType=artifact${objectId !== undefined ? `&objectId=${objectId}` : ''}&limit=1000`,
    });
    return (res.json() as { items: { action: string }[] }).items.map((e) => e.action);
  }

  it('streams a push into the content-addressed store, computing the sha256', async () => {
    const content = crypto.randomBytes(300_000);
    const name = unique('tool');
    const res = await pushStreamed(t, engineer, content, {
      name,
      artifactVersion: '1.2.3',
      license: 'MIT OR Apache-2.0',
      element: 'server',
      supplier: 'Acme',
      requires: ['openssl >=3.0.0 <4'],
    });
    expect(res.statusCode, res.body).toBe(201);
    const artifact = res.json();
    expect(artifact).toMatchObject({
      name,
      artifactVersion: '1.2.3',
      sha256: sha(content),
      size: content.length,
      state: 'quarantined',
      element: 'server',
      requires: [{ name: 'openssl', range: '>=3.0.0 <4' }],
      licence: { verdict: 'allowed' },
      uploadedBy: { name: 'eng' },
    });
    expect(res.headers.etag).toBe('"1"');
    expect(fs.readFileSync(contentPath(t.dataDir, sha(content)))).toEqual(content);
    expect(await auditActions(artifact.id)).toContain('artifact.push');
  });

  it('accepts small artifacts inline as base64 JSON', async () => {
    const content = Buffer.from('#!/bin/sh\necho hello\n');
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/artifacts',
      token: engineer,
      body: {
        name: unique('script'),
        artifactVersion: '1.0.0',
        license: 'MIT',
        content: content.toString('base64'),
        sha256: sha(content),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().sha256).toBe(sha(content));
  });

  it('answers the same name, version and content with the existing artifact, other content with 409', async () => {
    const meta = { name: unique('dup'), artifactVersion: '2.0.0', license: 'MIT' };
    const content = Buffer.from('first content');
    const first = await pushStreamed(t, engineer, content, meta);
    expect(first.statusCode).toBe(201);
    const again = await pushStreamed(t, engineer, content, meta);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const before = storedFiles(t.dataDir).length;
    const other = await pushStreamed(t, engineer, Buffer.from('other content'), meta);
    expect(other.statusCode, other.body).toBe(409);
    expect(other.json().error.code).toBe('CONFLICT');
    expect(storedFiles(t.dataDir).length).toBe(before);
    expect(await auditActions()).toContain('artifact.push.refused');
  });

  it('refuses a mismatching expected digest with 422 and keeps nothing', async () => {
    const before = storedFiles(t.dataDir);
    const name = unique('corrupt');
    const content = Buffer.from('the bytes that arrived');
    const wrong = sha('the bytes that were meant');
    const res = await pushStreamed(
      t,
      engineer,
      content,
      { name, artifactVersion: '1.0.0', license: 'MIT' },
      {
        'content-digest': `sha-256=:${Buffer.from(wrong, 'hex').toString('base64')}:`,
      },
    );
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.message).toMatch(/nothing was kept/);
    expect(storedFiles(t.dataDir)).toEqual(before);
    const list = await t.request({ method: 'GET', url: `/api/v1/artifacts?name=${name}` });
    expect(list.json().items).toEqual([]);
    const ok = await pushStreamed(
      t,
      engineer,
      content,
      { name, artifactVersion: '1.0.0', license: 'MIT' },
      {
        'slipway-expected-sha256': sha(content),
      },
    );
    expect(ok.statusCode).toBe(201);
  });

  it('refuses a bad licence expression with 400 naming the token, before reading the content', async () => {
    const res = await pushStreamed(t, engineer, Buffer.from('x'), {
      name: unique('lic'),
      artifactVersion: '1',
      license: 'MIT AND Foo-1.0',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'license', token: 'Foo-1.0', offset: 8 },
    });
    expect(res.json().error.message).toMatch(/"Foo-1.0" at offset 8/);
    const missing = await pushStreamed(t, engineer, Buffer.from('x'), {
      name: unique('lic'),
      artifactVersion: '1',
      license: '(MIT OR',
    });
    expect(missing.statusCode).toBe(400);
    const range = await pushStreamed(t, engineer, Buffer.from('x'), {
      name: unique('rng'),
      artifactVersion: '1',
      license: 'MIT',
      requires: ['openssl not-a-range'],
    });
    expect(range.statusCode).toBe(400);
    expect(range.json().error.details.field).toBe('requires/0/range');
  });

  it('enforces the configured size limit with 413 and keeps nothing', async () => {
    const before = storedFiles(t.dataDir);
    const res = await pushStreamed(t, engineer, Buffer.alloc(5 * 1024 * 1024, 1), {
      name: unique('big'),
      artifactVersion: '1',
      license: 'MIT',
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(storedFiles(t.dataDir)).toEqual(before);
  });

  it('downloads streamed with the digest in headers, honours Range, refuses an unsatisfiable one', async () => {
    const content = crypto.randomBytes(100_000);
    const pushed = (
      await pushStreamed(t, engineer, content, { name: unique('dl'), artifactVersion: '1', license: 'MIT' })
    ).json();
    const url = `/api/v1/artifacts/${pushed.id}/content`;
    const whole = await t.slipway.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${engineer}` } });
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload).toEqual(content);
    expect(whole.headers['slipway-sha256']).toBe(sha(content));
    expect(whole.headers['repr-digest']).toBe(
      `sha-256=:${crypto.createHash('sha256').update(content).digest('base64')}:`,
    );
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-length']).toBe(String(content.length));

    const part = await t.slipway.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${engineer}`, range: 'bytes=1000-1999' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${content.length}`);
    expect(part.rawPayload).toEqual(content.subarray(1000, 2000));

    const tail = await t.slipway.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${engineer}`, range: 'bytes=-10' },
    });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload).toEqual(content.subarray(content.length - 10));

    const open = await t.slipway.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${engineer}`, range: 'bytes=99990-' },
    });
    expect(open.rawPayload).toEqual(content.subarray(99_990));

    const beyond = await t.slipway.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${engineer}`, range: 'bytes=200000-' },
    });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.json().error.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(beyond.headers['content-range']).toBe(`bytes */${content.length}`);
  });

  it('stores concurrent identical pushes once: one row, one file', async () => {
    const content = crypto.randomBytes(200_000);
    const meta = { name: unique('race'), artifactVersion: '1.0.0', license: 'MIT' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => pushStreamed(t, engineer, content, meta)));
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
    const list = await t.request({ method: 'GET', url: `/api/v1/artifacts?name=${meta.name}` });
    expect(list.json().items).toHaveLength(1);
    expect(storedFiles(t.dataDir).filter((f) => f.endsWith(sha(content)))).toHaveLength(1);
    expect(storedFiles(t.dataDir).filter((f) => f.includes(`${'/'}staging${'/'}`))).toEqual([]);

    // Same content under another name: another row, still one file.
    const other = await pushStreamed(t, engineer, content, { ...meta, name: unique('race-alias') });
    expect(other.statusCode).toBe(201);
    expect(storedFiles(t.dataDir).filter((f) => f.endsWith(sha(content)))).toHaveLength(1);
  });

  it('leaves no row and no file when an upload is cut off mid-way', async () => {
    await t.slipway.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.slipway.app.server.address() as AddressInfo;
    const name = unique('cutoff');
    const before = storedFiles(t.dataDir);
    await new Promise<void>((resolve) => {
      const request = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/v1/artifacts?name=${name}&artifactVersion=1.0.0&license=MIT`,
        headers: {
          authorization: `Bearer ${engineer}`,
          'content-type': 'application/octet-stream',
          'content-length': String(2 * 1024 * 1024),
        },
      });
      request.on('error', () => resolve());
      request.on('close', () => resolve());
      request.write(crypto.randomBytes(512 * 1024), () => {
        // Give the server time to start streaming to staging, then cut the connection.
        setTimeout(() => request.destroy(), 200);
      });
    });
    // The server notices the abort asynchronously: wait until its staging file is gone.
    const deadline = Date.now() + 5000;
    while (storedFiles(t.dataDir).length !== before.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(storedFiles(t.dataDir)).toEqual(before);
    const list = await t.request({ method: 'GET', url: `/api/v1/artifacts?name=${name}` });
    expect(list.json().items).toEqual([]);
  });
});
