import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isReleaseState, RELEASE_TYPES } from '@slipway/model';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ChangeSchema } from '../changes/change.schemas.js';
import type { AppContext } from '../platform/context.js';
import { InputError } from '../platform/errors.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { RELEASE_SCOPE, visibilityOf } from '../platform/http/object-scope.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page, PageQuery } from '../platform/http/schemas.js';
import {
  ApproveBody,
  ChangeParams,
  CreateChangeBody,
  CreatedChangeSchema,
  CreateReleaseBody,
  EnvironmentSchema,
  FreezeOverrideRequest,
  HistorySchema,
  LinkChangeBody,
  PatchReleaseBody,
  PatchSectionBody,
  PlanSchema,
  PromoteBody,
  PromotionSchema,
  ReadinessSchema,
  RehearsalBody,
  RehearsalSchema,
  ReleaseApprovalSchema,
  ReleaseListQuery,
  ReleaseSchema,
  ReleaseTransitionBody,
  ReviewBody,
  ReviewSchema,
  SectionParams,
} from './release.schemas.js';
import { requiredTestsOf } from './release-gates.js';

/** Releases: lifecycle, plan, gates and readiness, approvals, promotion, rehearsals, review, the RFC. */
export async function releaseRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { releases } = ctx.releases;
  const tags = ['releases'];

  app.get(
    '/api/v1/releases',
    {
      config: { access: 'releases.read' },
      schema: { tags, summary: 'List releases', querystring: ReleaseListQuery, response: { 200: Page(ReleaseSchema) } },
    },
    async (request) => {
      const { limit = 50, cursor, state, ...filter } = request.query;
      const states = state
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const s of states ?? []) {
        if (!isReleaseState(s)) throw new InputError(`state: "${s}" is not a release state`, { field: 'state' });
      }
      const rows = await releases.list({
        ...filter,
        state: states,
        afterId: decodeIdCursor(cursor),
        limit: limit + 1,
        visibility: visibilityOf(request),
      });
      return pageOf(rows, limit, (r) => [r.id]);
    },
  );

  app.post(
    '/api/v1/releases',
    {
      config: { access: 'releases.write' },
      schema: {
        tags,
        summary: "Create a release from a template (the element's shipped one by default)",
        description:
          'The version must follow the policy scheme (400) and be higher than every earlier release of the unit (422 POLICY_VIOLATION versioning.increase).',
        headers: IdempotencyHeaders,
        body: CreateReleaseBody,
        response: { 201: ReleaseSchema },
      },
    },
    async (request, reply) => {
      const release = await releases.create(actorOfRequest(request), request.body);
      setEtag(reply, release.version);
      reply.header('location', `/api/v1/releases/${release.id}`);
      return reply.code(201).send(release);
    },
  );

  app.get(
    '/api/v1/releases/:id',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: { tags, summary: 'One release', params: IdParams, response: { 200: ReleaseSchema } },
    },
    async (request, reply) => {
      const release = await releases.get(request.params.id);
      setEtag(reply, release.version);
      return release;
    },
  );

  app.patch(
    '/api/v1/releases/:id',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Edit a release (an edit of the window or implementer starts a new approval round)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchReleaseBody,
        response: { 200: ReleaseSchema },
      },
    },
    async (request, reply) => {
      const release = await releases.update(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, release.version);
      return release;
    },
  );

  app.get(
    '/api/v1/releases/:id/plan',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: { tags, summary: 'The structured release plan', params: IdParams, response: { 200: PlanSchema } },
    },
    async (request, reply) => {
      const plan = await releases.plan(request.params.id);
      setEtag(reply, plan.releaseRevision);
      return plan;
    },
  );

  app.patch(
    '/api/v1/releases/:id/plan/:section',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Edit one plan section (owner, status, content); a content edit bumps its revision',
        params: SectionParams,
        headers: IfMatchHeaders,
        body: PatchSectionBody,
        response: { 200: PlanSchema },
      },
    },
    async (request, reply) => {
      const plan = await releases.updateSection(
        actorOfRequest(request),
        request.params.id,
        request.params.section,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, plan.releaseRevision);
      return plan;
    },
  );

  app.get(
    '/api/v1/releases/:id/readiness',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'The live checklist: every next transition with each gate met or not, and why',
        params: IdParams,
        response: { 200: ReadinessSchema },
      },
    },
    async (request) => releases.readiness(request.params.id),
  );

  app.post(
    '/api/v1/releases/:id/transitions',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary:
          'Move a release to another state (422 ILLEGAL_TRANSITION lists the allowed; 422 POLICY_VIOLATION every unmet rule)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: ReleaseTransitionBody,
        response: { 200: ReleaseSchema },
      },
    },
    async (request, reply) => {
      const release = await releases.transition(actorOfRequest(request), request.params.id, request.body.to, {
        comment: request.body.comment,
        freezeOverride: request.body.freezeOverride,
        expectedVersion: versionFromIfMatch(request.headers['if-match']),
      });
      setEtag(reply, release.version);
      return release;
    },
  );

  app.post(
    '/api/v1/releases/:id/freeze-override',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary:
          'Override the freezes the window falls in, with a reason (only where the policy says override-with-reason)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: FreezeOverrideRequest,
        response: { 200: ReleaseSchema },
      },
    },
    async (request, reply) => {
      const release = await releases.overrideFreeze(
        actorOfRequest(request),
        request.params.id,
        request.body.reason,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, release.version);
      return release;
    },
  );

  app.get(
    '/api/v1/releases/:id/history',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Every transition, with who, when, the policy version it was judged by and the gates it passed',
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(HistorySchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await releases.history(request.params.id, decodeIdCursor(request.query.cursor), limit + 1);
      return pageOf(rows, limit, (h) => [h.id]);
    },
  );

  app.post(
    '/api/v1/releases/:id/approve',
    {
      config: { access: 'releases.approve', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Approve the release as a CAB/ECAB member (never your own; only once every other gate holds)',
        description:
          'The approval that completes the quorum approves the release. Refused with 422 POLICY_VIOLATION while another approval gate (e.g. change.approved) is unmet, and 403 SOD_VIOLATION for the requester or implementer.',
        params: IdParams,
        headers: IfMatchHeaders,
        body: Type.Optional(ApproveBody),
        response: { 200: ReleaseSchema },
      },
    },
    async (request, reply) => {
      const release = await releases.approve(
        actorOfRequest(request),
        request.params.id,
        request.body?.comment ?? '',
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, release.version);
      return release;
    },
  );

  app.get(
    '/api/v1/releases/:id/approvals',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Every approval, with who, when, their roles then and whether it was voided',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(ReleaseApprovalSchema) }) },
      },
    },
    async (request) => ({ items: await releases.approvals(request.params.id) }),
  );

  app.post(
    '/api/v1/releases/:id/promotions',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Promote into the next environment (only after the policy tests passed in the current one)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PromoteBody,
        response: { 201: PromotionSchema },
      },
    },
    async (request, reply) => {
      const promotion = await releases.promote(
        actorOfRequest(request),
        request.params.id,
        request.body.environment,
        versionFromIfMatch(request.headers['if-match']),
      );
      return reply.code(201).send(promotion);
    },
  );

  app.get(
    '/api/v1/releases/:id/promotions',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'The promotions of a release, with the test results that allowed each',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(PromotionSchema) }) },
      },
    },
    async (request) => ({ items: await releases.promotions(request.params.id) }),
  );

  app.post(
    '/api/v1/releases/:id/backout-rehearsals',
    {
      config: { access: 'releases.test', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Record a rehearsal of the current back-out plan (its revision is kept with it)',
        params: IdParams,
        headers: Type.Object({ ...IdempotencyHeaders.properties, ...IfMatchHeaders.properties }),
        body: RehearsalBody,
        response: { 201: RehearsalSchema },
      },
    },
    async (request, reply) => {
      const rehearsal = await releases.recordRehearsal(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      return reply.code(201).send(rehearsal);
    },
  );

  app.get(
    '/api/v1/releases/:id/backout-rehearsals',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'The back-out rehearsals of a release',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(RehearsalSchema) }) },
      },
    },
    async (request) => ({ items: await releases.rehearsals(request.params.id) }),
  );

  app.put(
    '/api/v1/releases/:id/review',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Record (or correct) the post-implementation review of a deployed or backed-out release',
        params: IdParams,
        headers: IfMatchHeaders,
        body: ReviewBody,
        response: { 200: ReviewSchema },
      },
    },
    async (request) =>
      releases.recordReview(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      ),
  );

  app.get(
    '/api/v1/releases/:id/changes',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'The requests for change that authorise the release',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(ChangeSchema) }) },
      },
    },
    async (request) => ({ items: await releases.linkedChanges(request.params.id, visibilityOf(request)) }),
  );

  app.post(
    '/api/v1/releases/:id/change',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: "Raise the release's RFC, prefilled: CIs, window, implementer, back-out plan; its risk computed",
        description: 'Needs changes.write as well. With `submit: true` the change is submitted at once.',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: Type.Optional(CreateChangeBody),
        response: { 201: CreatedChangeSchema },
      },
    },
    async (request, reply) => {
      const created = await releases.createChange(actorOfRequest(request), request.params.id, {
        submit: request.body?.submit,
      });
      reply.header('location', `/api/v1/changes/${created.change.id}`);
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/api/v1/releases/:id/changes',
    {
      config: { access: 'releases.write', scope: [RELEASE_SCOPE, { object: 'change', param: 'changeId', in: 'body' }] },
      schema: {
        tags,
        summary: 'Link an existing change to the release',
        params: IdParams,
        body: LinkChangeBody,
        response: { 200: Type.Object({ items: Type.Array(ChangeSchema) }) },
      },
    },
    async (request) => ({
      items: await releases.linkChange(actorOfRequest(request), request.params.id, request.body.changeId),
    }),
  );

  app.delete(
    '/api/v1/releases/:id/changes/:changeId',
    {
      config: { access: 'releases.write', scope: [RELEASE_SCOPE, { object: 'change', param: 'changeId' }] },
      schema: {
        tags,
        summary: 'Unlink a change from the release',
        params: ChangeParams,
        response: { 200: Type.Object({ items: Type.Array(ChangeSchema) }) },
      },
    },
    async (request) => ({
      items: await releases.unlinkChange(actorOfRequest(request), request.params.id, request.params.changeId),
    }),
  );

  app.get(
    '/api/v1/environments',
    {
      config: { access: 'releases.read' },
      schema: {
        tags,
        summary: 'The environments of the current policy, in promotion order, with the tests required in each',
        response: { 200: Type.Object({ policyVersion: Type.Integer(), items: Type.Array(EnvironmentSchema) }) },
      },
    },
    async () => {
      const current = await ctx.policy.current();
      const environments = current.policy.environments;
      const requiredFor = (type: (typeof RELEASE_TYPES)[number]) =>
        requiredTestsOf({ type, extra_tests: '{}' } as Parameters<typeof requiredTestsOf>[0], current.policy);
      const byType = Object.fromEntries(RELEASE_TYPES.map((t) => [t, requiredFor(t)]));
      return {
        policyVersion: current.version,
        items: environments.map((name, order) => ({
          name,
          order,
          last: order === environments.length - 1,
          requiredTests: {
            major: byType.major?.[name] ?? [],
            minor: byType.minor?.[name] ?? [],
            emergency: byType.emergency?.[name] ?? [],
          },
        })),
      };
    },
  );
}
