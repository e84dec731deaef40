import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { doraReport, kpiReport } from '@slipway/model';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { KpiService } from '../metrics-kpi/kpi.service.js';
import type { Clock } from '../platform/clock.js';
import { setEtag } from '../platform/http/etag.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, Page } from '../platform/http/schemas.js';
import {
  AssessmentListQuery,
  AssessmentSchema,
  AssessmentSummarySchema,
  CompareQuery,
  ComparisonSchema,
  CreateAssessmentBody,
  QuestionnaireSchema,
  ReportQuery,
} from './maturity.schemas.js';
import type { MaturityService } from './maturity.service.js';
import { renderMaturityReport } from './maturity-report.js';

const tags = ['maturity'];
const YEAR_MS = 365 * 86_400_000;

/** Maturity assessments over HTTP: questionnaire, run, list, read, compare, printable report. */
export async function maturityRoutes(
  root: FastifyInstance,
  options: { maturity: MaturityService; kpis: KpiService; clock: Clock },
) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { maturity, kpis, clock } = options;

  app.get(
    '/api/v1/maturity/questionnaire',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags,
        summary: "The built-in questionnaire, pre-filled from today's evidence, with the levels it gives",
        response: { 200: QuestionnaireSchema },
      },
    },
    async () => maturity.questionnaire(),
  );
  app.post(
    '/api/v1/maturity/assessments',
    {
      config: { access: 'maturity.write' },
      schema: {
        tags,
        summary: "Run an assessment: today's evidence plus the given answers; stored for comparison",
        headers: IdempotencyHeaders,
        body: CreateAssessmentBody,
        response: { 201: AssessmentSchema },
      },
    },
    async (request, reply) => {
      const assessment = await maturity.create(actorOfRequest(request), request.body);
      setEtag(reply, assessment.version);
      return reply.code(201).header('location', `/api/v1/maturity/assessments/${assessment.id}`).send(assessment);
    },
  );
  app.get(
    '/api/v1/maturity/assessments',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags,
        summary: 'Stored assessments, newest first',
        querystring: AssessmentListQuery,
        response: { 200: Page(AssessmentSummarySchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      return pageOf(await maturity.list(decodeIdCursor(cursor), limit + 1), limit, (a) => [a.id]);
    },
  );
  app.get(
    '/api/v1/maturity/assessments/:id',
    {
      config: { access: 'metrics.read' },
      schema: { tags, summary: 'One assessment', params: IdParams, response: { 200: AssessmentSchema } },
    },
    async (request, reply) => {
      const assessment = await maturity.get(request.params.id);
      setEtag(reply, assessment.version);
      return assessment;
    },
  );
  app.get(
    '/api/v1/maturity/compare',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags,
        summary: 'Compare two assessments: levels per process and every changed answer',
        querystring: CompareQuery,
        response: { 200: ComparisonSchema },
      },
    },
    async (request) => maturity.compare(request.query.from, request.query.to),
  );
  app.get(
    '/api/v1/maturity/assessments/:id/report',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags,
        summary:
          'Printable HTML report (charts inline) with KPIs and DORA of the 12 months before it; ?compare=<id> outlines an earlier one',
        params: IdParams,
        querystring: ReportQuery,
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'text/html; charset=utf-8' }) },
      },
    },
    async (request, reply) => {
      const assessment = await maturity.get(request.params.id);
      const previous = request.query.compare === undefined ? undefined : await maturity.get(request.query.compare);
      // KPIs of the year up to the assessment (not up to today): the report reads the same later.
      const to = new Date(Math.min(Date.parse(assessment.createdAt) + 1, clock.now().getTime())).toISOString();
      const from = new Date(Date.parse(to) - YEAR_MS).toISOString();
      const { input } = await kpis.load(to);
      const report = kpiReport(input, { from, to, bucket: 'month' });
      const html = renderMaturityReport(assessment, {
        previous,
        kpis: report,
        dora: doraReport(input, from, to),
      });
      return reply.header('content-type', 'text/html; charset=utf-8').send(html);
    },
  );
}
