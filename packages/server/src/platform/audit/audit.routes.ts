import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { decodeIdCursor, pageOf } from '../http/pagination.js';
import { Page } from '../http/schemas.js';
import { AuditEntrySchema, AuditListQuery, AuditVerificationSchema, CheckpointSchema } from './audit.schemas.js';
import { publicKeyPem } from './audit-keys.js';

/** Reading and verifying the audit trail. There is no route that changes or deletes an entry. */
export async function auditRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/audit',
    {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Audit entries, newest first, filtered by object, actor, action or time',
        querystring: AuditListQuery,
        response: { 200: Page(AuditEntrySchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const entries = await ctx.audit.list(ctx.database.db, {
        objectType: request.query.objectType,
        objectId: request.query.objectId,
        actorId: request.query.actorId,
        breakGlassId: request.query.breakGlassId,
        action: request.query.action,
        from: request.query.from,
        to: request.query.to,
        beforeSeq: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
      });
      return pageOf(entries, limit, (e) => [e.seq]);
    },
  );

  app.get(
    '/api/v1/audit/verify',
    {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the hash chain and check it against the signed checkpoints',
        response: { 200: AuditVerificationSchema },
      },
    },
    async () => ctx.audit.verify(ctx.database.db),
  );

  app.get(
    '/api/v1/audit/checkpoints',
    {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'The signed checkpoints, for auditors to keep their own copy',
        response: { 200: Type.Object({ items: Type.Array(CheckpointSchema), publicKey: Type.String() }) },
      },
    },
    async () => ({
      items: ctx.checkpoints.readAll().checkpoints,
      publicKey: publicKeyPem(ctx.auditKeys),
    }),
  );
}
