/** Baseline: a bare Fastify route returning a small JSON object (the floor for any Fastify app). */
import { importServerDependency } from '../lib/modules.mjs';

export async function start() {
  const Fastify = await importServerDependency('fastify');
  const app = Fastify({ logger: false });
  app.get(
    '/hello',
    { schema: { response: { 200: { type: 'object', properties: { hello: { type: 'string' } } } } } },
    async () => ({ hello: 'world' }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: app.server.address().port, close: () => app.close() };
}
