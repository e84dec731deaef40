import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TargetQuery } from '@slipway/model';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { InputError } from '../platform/errors.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { RELEASE_SCOPE, visibilityOf } from '../platform/http/object-scope.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdParams, IfMatchHeaders, PageQuery } from '../platform/http/schemas.js';
import {
  AddArtifactBody,
  AddTargetQueryBody,
  AddTargetsBody,
  AnalysisQuery,
  ArtifactParams,
  CiChangeBody,
  CiChangeParams,
  CoexistenceSchema,
  ContentsSchema,
  EnvironmentParams,
  PreviewBody,
  PreviewSchema,
  ReleaseImpactSchema,
  ReservationParams,
  ReserveBody,
  TargetPageSchema,
  TargetParams,
  TargetQueryParams,
  TargetSummarySchema,
} from './release.schemas.js';

/** What a release contains and where it goes; its coexistence report and blast radius. */
export async function releaseContentRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { content, analysis } = ctx.releases;
  const tags = ['releases'];
  const ifMatch = (header: string | undefined) => versionFromIfMatch(header);
  // An unknown environment would otherwise answer an empty, "clean" report: refuse it instead.
  const checkEnvironment = async (environment: string | undefined): Promise<void> => {
    if (environment === undefined) return;
    const environments = (await ctx.policy.current()).policy.environments;
    if (!environments.includes(environment)) {
      throw new InputError(`environment "${environment}" is not one of the policy's (${environments.join(', ')})`, {
        field: 'environment',
      });
    }
  };

  app.get(
    '/api/v1/releases/:id/contents',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Artifacts (with what the library says of each now), hardware reservations, planned CI changes',
        params: IdParams,
        response: { 200: ContentsSchema },
      },
    },
    async (request, reply) => {
      const contents = await content.contents(request.params.id);
      setEtag(reply, contents.releaseRevision);
      return contents;
    },
  );

  app.post(
    '/api/v1/releases/:id/artifacts',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary:
          'Add an approved library artifact (quarantined, retired, compromised, unlicensed → 422 naming the rule)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: AddArtifactBody,
        response: { 200: ContentsSchema },
      },
    },
    async (request, reply) => {
      const contents = await content.addArtifact(
        actorOfRequest(request),
        request.params.id,
        request.body.artifactId,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, contents.releaseRevision);
      return contents;
    },
  );

  app.delete(
    '/api/v1/releases/:id/artifacts/:artifactId',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Remove an artifact from the release',
        params: ArtifactParams,
        headers: IfMatchHeaders,
        response: { 200: ContentsSchema },
      },
    },
    async (request, reply) => {
      const contents = await content.removeArtifact(
        actorOfRequest(request),
        request.params.id,
        request.params.artifactId,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, contents.releaseRevision);
      return contents;
    },
  );

  app.post(
    '/api/v1/releases/:id/reservations',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Reserve hardware-store stock for the release (all lines or nothing; 409 names every shortage)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: ReserveBody,
        response: { 200: ContentsSchema },
      },
    },
    async (request, reply) => {
      const contents = await content.reserve(
        actorOfRequest(request),
        request.params.id,
        request.body,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, contents.releaseRevision);
      return contents;
    },
  );

  app.delete(
    '/api/v1/releases/:id/reservations/:reservationId',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Release a hardware reservation of the release (its items go back to stock)',
        params: ReservationParams,
        response: { 200: ContentsSchema },
      },
    },
    async (request, reply) => {
      const contents = await content.releaseReservation(
        actorOfRequest(request),
        request.params.id,
        request.params.reservationId,
      );
      setEtag(reply, contents.releaseRevision);
      return contents;
    },
  );

  app.post(
    '/api/v1/releases/:id/ci-changes',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Plan a CI attribute change (validated against the CI class)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: CiChangeBody,
        response: { 200: ContentsSchema },
      },
    },
    async (request, reply) => {
      const contents = await content.addCiChange(
        actorOfRequest(request),
        request.params.id,
        request.body,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, contents.releaseRevision);
      return contents;
    },
  );

  app.delete(
    '/api/v1/releases/:id/ci-changes/:changeId',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Remove a planned CI change',
        params: CiChangeParams,
        headers: IfMatchHeaders,
        response: { 200: ContentsSchema },
      },
    },
    async (request, reply) => {
      const contents = await content.removeCiChange(
        actorOfRequest(request),
        request.params.id,
        request.params.changeId,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, contents.releaseRevision);
      return contents;
    },
  );

  app.get(
    '/api/v1/releases/:id/targets',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Targets per environment: resolved counts, explicit targets and saved queries (each with its count)',
        params: IdParams,
        response: { 200: TargetSummarySchema },
      },
    },
    async (request, reply) => {
      const summary = await content.targetSummary(request.params.id);
      setEtag(reply, summary.releaseRevision);
      return summary;
    },
  );

  app.get(
    '/api/v1/releases/:id/targets/:environment',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'The resolved targets of one environment (explicit and by query), paged, with what selected each',
        params: EnvironmentParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: TargetPageSchema },
      },
    },
    async (request) =>
      content.targetPage(
        request.params.id,
        request.params.environment,
        request.query.limit ?? 50,
        request.query.cursor,
      ),
  );

  app.post(
    '/api/v1/releases/:id/targets',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Add explicit target CIs (ids or class/name) in an environment',
        params: IdParams,
        headers: IfMatchHeaders,
        body: AddTargetsBody,
        response: { 200: TargetSummarySchema },
      },
    },
    async (request, reply) => {
      const summary = await content.addTargets(
        actorOfRequest(request),
        request.params.id,
        request.body,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, summary.releaseRevision);
      return summary;
    },
  );

  app.delete(
    '/api/v1/releases/:id/targets/:environment/:ciId',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Remove an explicit target',
        params: TargetParams,
        headers: IfMatchHeaders,
        response: { 200: TargetSummarySchema },
      },
    },
    async (request, reply) => {
      const summary = await content.removeTarget(
        actorOfRequest(request),
        request.params.id,
        request.params.environment,
        request.params.ciId,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, summary.releaseRevision);
      return summary;
    },
  );

  app.post(
    '/api/v1/releases/:id/target-queries',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Save a target query for an environment ("all desktops at site RTM with Zoom below 6.0")',
        params: IdParams,
        headers: IfMatchHeaders,
        body: AddTargetQueryBody,
        response: { 200: TargetSummarySchema },
      },
    },
    async (request, reply) => {
      const summary = await content.addTargetQuery(
        actorOfRequest(request),
        request.params.id,
        { ...request.body, query: request.body.query as TargetQuery },
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, summary.releaseRevision);
      return summary;
    },
  );

  app.delete(
    '/api/v1/releases/:id/target-queries/:queryId',
    {
      config: { access: 'releases.write', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Remove a saved target query',
        params: TargetQueryParams,
        headers: IfMatchHeaders,
        response: { 200: TargetSummarySchema },
      },
    },
    async (request, reply) => {
      const summary = await content.removeTargetQuery(
        actorOfRequest(request),
        request.params.id,
        request.params.queryId,
        ifMatch(request.headers['if-match']),
      );
      setEtag(reply, summary.releaseRevision);
      return summary;
    },
  );

  app.post(
    '/api/v1/releases/target-preview',
    {
      config: { access: 'releases.read' },
      schema: {
        tags,
        summary: 'What a target query selects now (count and the first CIs), without saving it',
        body: PreviewBody,
        response: { 200: PreviewSchema },
      },
    },
    async (request) => content.preview(request.body.query as TargetQuery, request.body.limit ?? 50),
  );

  app.get(
    '/api/v1/releases/:id/coexistence',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Peaceful coexistence per target: ok, or every clash with rule, CI and installed version',
        params: IdParams,
        querystring: AnalysisQuery,
        response: { 200: CoexistenceSchema },
      },
    },
    async (request) => {
      await checkEnvironment(request.query.environment);
      return analysis.coexistence(request.params.id, {
        environment: request.query.environment,
        limit: request.query.limit,
        visibility: visibilityOf(request),
      });
    },
  );

  app.get(
    '/api/v1/releases/:id/impact',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Release-level blast radius: the union impact of every target and content, services first',
        params: IdParams,
        querystring: AnalysisQuery,
        response: { 200: ReleaseImpactSchema },
      },
    },
    async (request) => {
      await checkEnvironment(request.query.environment);
      return analysis.impact(request.params.id, { environment: request.query.environment, limit: request.query.limit });
    },
  );
}
