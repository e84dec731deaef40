import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { deferredChildLoggerFactory } from './request-logger.js';

function captured(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const app = Fastify({ logger: { level, stream }, childLoggerFactory: deferredChildLoggerFactory });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/loud', async (request) => {
    request.log.warn({ detail: 1 }, 'something to say');
    request.log.debug('below the level');
    return { ok: true };
  });
  return { app, lines };
}

describe('deferred request loggers', () => {
  it('bind the request id to what a request logs, and drop what is below the level', async () => {
    const { app, lines } = captured('warn');
    const response = await app.inject({ method: 'GET', url: '/loud', headers: { 'x-request-id': 'r-1' } });
    expect(response.statusCode).toBe(200);
    const warnings = lines.filter((line) => line.msg === 'something to say');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, detail: 1 });
    expect(typeof warnings[0]?.reqId).toBe('string');
    expect(lines.some((line) => line.msg === 'below the level')).toBe(false);
    await app.close();
  });

  it('still write Fastify’s own request lines at info', async () => {
    const { app, lines } = captured('info');
    await app.inject({ method: 'GET', url: '/quiet' });
    const completed = lines.find((line) => line.msg === 'request completed');
    expect(completed).toBeDefined();
    expect(typeof completed?.reqId).toBe('string');
    await app.close();
  });
});
