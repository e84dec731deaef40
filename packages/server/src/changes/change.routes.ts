import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type ChangeAction, isChangeState } from '@slipway/model';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { InputError } from '../platform/errors.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { CHANGE_SCOPE, visibilityOf } from '../platform/http/object-scope.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page, PageQuery } from '../platform/http/schemas.js';
import {
  ActionBody,
  AgendaSchema,
  ApprovalSchema,
  AssessmentSchema,
  ChangeConflictsSchema,
  ChangeListQuery,
  ChangeSchema,
  ConflictReportQuery,
  ConflictReportSchema,
  CreateChangeBody,
  CreateFreezeBody,
  CreateMaintenanceWindowBody,
  CreateTemplateBody,
  DecisionBody,
  FreezeSchema,
  HistoryItemSchema,
  MaintenanceWindowSchema,
  OccurrencesSchema,
  PatchChangeBody,
  PatchFreezeBody,
  PatchMaintenanceWindowBody,
  PatchTemplateBody,
  RangeQuery,
  ReviewBody,
  TemplateSchema,
  TransitionBody,
} from './change.schemas.js';

const DAY_MS = 86_400_000;
/** The longest range a calendar question may cover. */
export const MAX_RANGE_DAYS = 400;

/** [from, to) from the query, with defaults, refusing a reversed or too long range (400). */
export function rangeOf(
  query: { from?: string | undefined; to?: string | undefined },
  now: Date,
  defaults: { backDays: number; forwardDays: number },
): { from: string; to: string } {
  const from = query.from ? Date.parse(query.from) : now.getTime() - defaults.backDays * DAY_MS;
  const to = query.to ? Date.parse(query.to) : from + (defaults.backDays + defaults.forwardDays) * DAY_MS;
  if (Number.isNaN(from)) throw new InputError('from is not a date-time', { field: 'from' });
  if (Number.isNaN(to)) throw new InputError('to is not a date-time', { field: 'to' });
  if (to <= from) throw new InputError('to must be after from', { field: 'to' });
  if (to - from > MAX_RANGE_DAYS * DAY_MS) {
    throw new InputError(`A range covers at most ${MAX_RANGE_DAYS} days`, { field: 'to' });
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

const ACTIONS: { action: ChangeAction; access: 'changes.write' | 'changes.manage'; summary: string }[] = [
  {
    action: 'submit',
    access: 'changes.write',
    summary: 'Submit (normal → assess, emergency → authorize, standard within its template → scheduled)',
  },
  { action: 'assess', access: 'changes.manage', summary: 'Accept the assessment and send the change to the CAB' },
  {
    action: 'schedule',
    access: 'changes.manage',
    summary: 'Schedule an approved change (hard freeze → 422 FREEZE_WINDOW)',
  },
  { action: 'start', access: 'changes.write', summary: 'Start implementing (the implementer or a change manager)' },
  { action: 'complete', access: 'changes.write', summary: 'Implementation done: the review is due' },
  { action: 'close', access: 'changes.write', summary: 'Close a reviewed change' },
  { action: 'cancel', access: 'changes.write', summary: 'Withdraw the change' },
];

/** Requests for change, standard-change templates, freezes and maintenance windows. */
export async function changeRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { changes, conflicts, templates, freezes } = ctx.changes;
  const tags = ['changes'];

  app.get(
    '/api/v1/changes',
    {
      config: { access: 'changes.read' },
      schema: { tags, summary: 'List changes', querystring: ChangeListQuery, response: { 200: Page(ChangeSchema) } },
    },
    async (request) => {
      const { limit = 50, cursor, state, from, to, ...filter } = request.query;
      const states = state
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      for (const s of states ?? []) {
        if (!isChangeState(s)) throw new InputError(`state: "${s}" is not a change state`, { field: 'state' });
      }
      const rows = await changes.list({
        ...filter,
        state: states,
        from: from === undefined ? undefined : new Date(from).toISOString(),
        to: to === undefined ? undefined : new Date(to).toISOString(),
        afterId: decodeIdCursor(cursor),
        limit: limit + 1,
        visibility: visibilityOf(request),
      });
      return pageOf(rows, limit, (c) => [c.id]);
    },
  );

  app.post(
    '/api/v1/changes',
    {
      config: { access: 'changes.write', scope: { object: 'release', param: 'releaseId', in: 'body' } },
      schema: {
        tags,
        summary: 'Raise a request for change',
        headers: IdempotencyHeaders,
        body: CreateChangeBody,
        response: { 201: ChangeSchema },
      },
    },
    async (request, reply) => {
      const change = await changes.create(actorOfRequest(request), request.body);
      setEtag(reply, change.version);
      reply.header('location', `/api/v1/changes/${change.id}`);
      return reply.code(201).send(change);
    },
  );

  app.get(
    '/api/v1/changes/agenda',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'What waits for me and my role: approve, assess, schedule, implement, review',
        response: { 200: AgendaSchema },
      },
    },
    async (request) => ({ items: await changes.agenda(actorOfRequest(request), visibilityOf(request)) }),
  );

  app.get(
    '/api/v1/changes/conflicts',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'Calendar-wide conflict report for a range (default: the next 30 days)',
        querystring: ConflictReportQuery,
        response: { 200: ConflictReportSchema },
      },
    },
    async (request) => {
      const range = rangeOf(request.query, ctx.clock.now(), { backDays: 0, forwardDays: 30 });
      return conflicts.report(range.from, range.to, {
        ...(request.query.impact !== undefined && { impact: request.query.impact }),
        limit: request.query.limit ?? 1000,
        visibility: visibilityOf(request),
      });
    },
  );

  app.get(
    '/api/v1/changes/reviews/overdue',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'Changes whose post-implementation review is overdue (emergency changes after the policy days)',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(ChangeSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await changes.overdueReviews(decodeIdCursor(request.query.cursor), limit + 1, visibilityOf(request));
      return pageOf(rows, limit, (c) => [c.id]);
    },
  );

  app.get(
    '/api/v1/changes/:id',
    {
      config: { access: 'changes.read', scope: CHANGE_SCOPE },
      schema: { tags, summary: 'One change', params: IdParams, response: { 200: ChangeSchema } },
    },
    async (request, reply) => {
      const change = await changes.get(request.params.id);
      setEtag(reply, change.version);
      return change;
    },
  );

  app.patch(
    '/api/v1/changes/:id',
    {
      config: {
        access: 'changes.write',
        scope: [CHANGE_SCOPE, { object: 'release', param: 'releaseId', in: 'body' }],
      },
      schema: {
        tags,
        summary: 'Edit a change (an edit of CIs, window or implementer voids its approvals)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchChangeBody,
        response: { 200: ChangeSchema },
      },
    },
    async (request, reply) => {
      const change = await changes.update(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, change.version);
      return change;
    },
  );

  app.post(
    '/api/v1/changes/:id/transitions',
    {
      config: { access: 'changes.write', scope: CHANGE_SCOPE },
      schema: {
        tags,
        summary: 'Move a change to another state (422 ILLEGAL_TRANSITION lists the allowed ones)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: TransitionBody,
        response: { 200: ChangeSchema },
      },
    },
    async (request, reply) => {
      const change = await changes.transition(actorOfRequest(request), request.params.id, request.body.to, {
        comment: request.body.comment,
        freezeOverride: request.body.freezeOverride,
        expectedVersion: versionFromIfMatch(request.headers['if-match']),
      });
      setEtag(reply, change.version);
      return change;
    },
  );

  for (const { action, access, summary } of ACTIONS) {
    app.post(
      `/api/v1/changes/:id/${action}`,
      {
        config: { access, scope: CHANGE_SCOPE },
        schema: {
          tags,
          summary,
          params: IdParams,
          headers: IfMatchHeaders,
          body: Type.Optional(ActionBody),
          response: { 200: ChangeSchema },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const change = await changes.act(actorOfRequest(request), request.params.id, action, {
          comment: body.comment,
          freezeOverride: body.freezeOverride,
          expectedVersion: versionFromIfMatch(request.headers['if-match']),
        });
        setEtag(reply, change.version);
        return change;
      },
    );
  }

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/api/v1/changes/:id/${decision}`,
      {
        config: { access: 'changes.approve', scope: CHANGE_SCOPE },
        schema: {
          tags,
          summary:
            decision === 'approve'
              ? 'Approve the current scope (never the requester or implementer: 403 SOD_VIOLATION; If-Match names the version you reviewed)'
              : 'Reject the change with a comment (never the requester or implementer)',
          params: IdParams,
          headers: IfMatchHeaders,
          body: Type.Optional(DecisionBody),
          response: { 200: ChangeSchema },
        },
      },
      async (request, reply) => {
        const comment = request.body?.comment ?? '';
        const actor = actorOfRequest(request);
        const expected = versionFromIfMatch(request.headers['if-match']);
        const change =
          decision === 'approve'
            ? await changes.approve(actor, request.params.id, comment, expected)
            : await changes.reject(actor, request.params.id, comment, expected);
        setEtag(reply, change.version);
        return change;
      },
    );
  }

  app.post(
    '/api/v1/changes/:id/review',
    {
      config: { access: 'changes.write', scope: CHANGE_SCOPE },
      schema: {
        tags,
        summary: 'Record the post-implementation review: outcome, linked incidents, lessons',
        params: IdParams,
        headers: IfMatchHeaders,
        body: ReviewBody,
        response: { 200: ChangeSchema },
      },
    },
    async (request, reply) => {
      const change = await changes.recordReview(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, change.version);
      return change;
    },
  );

  app.get(
    '/api/v1/changes/:id/approvals',
    {
      config: { access: 'changes.read', scope: CHANGE_SCOPE },
      schema: {
        tags,
        summary: 'Every decision on the change, including voided ones',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(ApprovalSchema) }) },
      },
    },
    async (request) => ({ items: await changes.approvals(request.params.id) }),
  );

  app.get(
    '/api/v1/changes/:id/history',
    {
      config: { access: 'changes.read', scope: CHANGE_SCOPE },
      schema: {
        tags,
        summary: 'The state changes of a change: who, when, from what to what',
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(HistoryItemSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await changes.history(request.params.id, decodeIdCursor(request.query.cursor), limit + 1);
      return pageOf(items, limit, (h) => [h.id]);
    },
  );

  app.get(
    '/api/v1/changes/:id/conflicts',
    {
      config: { access: 'changes.read', scope: CHANGE_SCOPE },
      schema: {
        tags,
        summary: 'Conflicts of this change: same CI, overlapping impact, freezes, maintenance windows, implementer',
        params: IdParams,
        response: { 200: ChangeConflictsSchema },
      },
    },
    async (request) => conflicts.forChange(request.params.id, { visibility: visibilityOf(request) }),
  );

  app.get(
    '/api/v1/changes/:id/assessment',
    {
      config: { access: 'changes.read', scope: CHANGE_SCOPE },
      schema: {
        tags,
        summary: 'Impact and risk as they would be now (not stored)',
        params: IdParams,
        response: { 200: AssessmentSchema },
      },
    },
    async (request) => changes.previewAssessment(request.params.id),
  );

  app.post(
    '/api/v1/changes/:id/assessment',
    {
      config: { access: 'changes.write', scope: CHANGE_SCOPE },
      schema: {
        tags,
        summary: 'Recompute and store impact and risk',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 200: ChangeSchema },
      },
    },
    async (request, reply) => {
      const change = await changes.refreshAssessment(
        actorOfRequest(request),
        request.params.id,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, change.version);
      return change;
    },
  );

  // Standard-change templates ---------------------------------------------------------------

  app.get(
    '/api/v1/change-templates',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'The catalogue of standard-change templates',
        querystring: Type.Object(
          { ...PageQuery, active: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Page(TemplateSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await templates.list(decodeIdCursor(request.query.cursor), limit + 1, request.query.active);
      return pageOf(items, limit, (t) => [t.id]);
    },
  );

  app.post(
    '/api/v1/change-templates',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Add a standard-change template',
        headers: IdempotencyHeaders,
        body: CreateTemplateBody,
        response: { 201: TemplateSchema },
      },
    },
    async (request, reply) => {
      const template = await templates.create(actorOfRequest(request), request.body);
      setEtag(reply, template.version);
      reply.header('location', `/api/v1/change-templates/${template.id}`);
      return reply.code(201).send(template);
    },
  );

  app.get(
    '/api/v1/change-templates/:id',
    {
      config: { access: 'changes.read' },
      schema: { tags, summary: 'One standard-change template', params: IdParams, response: { 200: TemplateSchema } },
    },
    async (request, reply) => {
      const template = await templates.get(request.params.id);
      setEtag(reply, template.version);
      return template;
    },
  );

  app.patch(
    '/api/v1/change-templates/:id',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Change a template (retire it with active: false)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchTemplateBody,
        response: { 200: TemplateSchema },
      },
    },
    async (request, reply) => {
      const template = await templates.update(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, template.version);
      return template;
    },
  );

  // Freezes ------------------------------------------------------------------------------------

  app.get(
    '/api/v1/freezes',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'Freeze (blackout) windows',
        querystring: Type.Object(
          { ...PageQuery, kind: Type.Optional(Type.String({ maxLength: 10 })), active: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Page(FreezeSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await freezes.listFreezes({
        kind: request.query.kind,
        active: request.query.active,
        afterId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
      });
      return pageOf(items, limit, (f) => [f.id]);
    },
  );

  app.post(
    '/api/v1/freezes',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Add a freeze: one-off or recurring (RRULE), scoped, hard or soft',
        headers: IdempotencyHeaders,
        body: CreateFreezeBody,
        response: { 201: FreezeSchema },
      },
    },
    async (request, reply) => {
      const freeze = await freezes.createFreeze(actorOfRequest(request), request.body);
      setEtag(reply, freeze.version);
      reply.header('location', `/api/v1/freezes/${freeze.id}`);
      return reply.code(201).send(freeze);
    },
  );

  app.get(
    '/api/v1/freezes/:id',
    {
      config: { access: 'changes.read' },
      schema: { tags, summary: 'One freeze', params: IdParams, response: { 200: FreezeSchema } },
    },
    async (request, reply) => {
      const freeze = await freezes.getFreeze(request.params.id);
      setEtag(reply, freeze.version);
      return freeze;
    },
  );

  app.patch(
    '/api/v1/freezes/:id',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Change a freeze',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchFreezeBody,
        response: { 200: FreezeSchema },
      },
    },
    async (request, reply) => {
      const freeze = await freezes.updateFreeze(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, freeze.version);
      return freeze;
    },
  );

  app.delete(
    '/api/v1/freezes/:id',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Remove a freeze',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await freezes.deleteFreeze(
        actorOfRequest(request),
        request.params.id,
        versionFromIfMatch(request.headers['if-match']),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/freezes/:id/occurrences',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'When a freeze is in force within a range (default: the next year)',
        params: IdParams,
        querystring: RangeQuery,
        response: { 200: OccurrencesSchema },
      },
    },
    async (request) => {
      const range = rangeOf(request.query, ctx.clock.now(), { backDays: 0, forwardDays: 366 });
      const items = await freezes.freezeOccurrences(request.params.id, range.from, range.to);
      return {
        items: items.map((o) => ({ start: new Date(o.start).toISOString(), end: new Date(o.end).toISOString() })),
      };
    },
  );

  // Maintenance windows ------------------------------------------------------------------------

  app.get(
    '/api/v1/maintenance-windows',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'Maintenance windows: when CIs (or the CIs of a service) may be changed',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(MaintenanceWindowSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await freezes.listMaintenanceWindows({
        afterId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
      });
      return pageOf(items, limit, (m) => [m.id]);
    },
  );

  app.post(
    '/api/v1/maintenance-windows',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Add a maintenance window for CIs or services (one-off or recurring)',
        headers: IdempotencyHeaders,
        body: CreateMaintenanceWindowBody,
        response: { 201: MaintenanceWindowSchema },
      },
    },
    async (request, reply) => {
      const window = await freezes.createMaintenanceWindow(actorOfRequest(request), request.body);
      setEtag(reply, window.version);
      reply.header('location', `/api/v1/maintenance-windows/${window.id}`);
      return reply.code(201).send(window);
    },
  );

  app.get(
    '/api/v1/maintenance-windows/:id',
    {
      config: { access: 'changes.read' },
      schema: { tags, summary: 'One maintenance window', params: IdParams, response: { 200: MaintenanceWindowSchema } },
    },
    async (request, reply) => {
      const window = await freezes.getMaintenanceWindow(request.params.id);
      setEtag(reply, window.version);
      return window;
    },
  );

  app.patch(
    '/api/v1/maintenance-windows/:id',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Change a maintenance window',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchMaintenanceWindowBody,
        response: { 200: MaintenanceWindowSchema },
      },
    },
    async (request, reply) => {
      const window = await freezes.updateMaintenanceWindow(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, window.version);
      return window;
    },
  );

  app.delete(
    '/api/v1/maintenance-windows/:id',
    {
      config: { access: 'changes.manage' },
      schema: {
        tags,
        summary: 'Remove a maintenance window',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await freezes.deleteMaintenanceWindow(
        actorOfRequest(request),
        request.params.id,
        versionFromIfMatch(request.headers['if-match']),
      );
      return reply.code(204).send(null);
    },
  );
}
