import type { SlipwayClient } from '@slipway/client';
import type { MaturityAnswer } from '@slipway/model';
import type { ApiCall, PageParams } from '../api/api-support.js';

/** The period and filters of the KPI and DORA figures (from inclusive, to exclusive). */
export interface MetricsPeriod {
  from: string;
  to: string;
}

/** The KPIs and DORA four keys (metrics.read) and the maturity assessment. */
export function metricsApi(client: SlipwayClient, call: ApiCall) {
  return {
    kpis: (period: MetricsPeriod, signal?: AbortSignal) =>
      call(client.GET('/api/v1/metrics/kpis', { params: { query: { from: period.from, to: period.to } }, signal })),
    dora: (period: MetricsPeriod, signal?: AbortSignal) =>
      call(client.GET('/api/v1/metrics/dora', { params: { query: { from: period.from, to: period.to } }, signal })),
    /** Where the browser downloads the KPI trend as CSV (a plain link: the session cookie goes along). */
    kpiCsvUrl: (period: MetricsPeriod) =>
      `/api/v1/metrics/kpis/csv?${new URLSearchParams({ from: period.from, to: period.to }).toString()}`,
  };
}

/** A person's answers by question id, overriding what the evidence says. */
export type MaturityAnswers = Record<string, { answer: MaturityAnswer; note?: string }>;

export function maturityApi(client: SlipwayClient, call: ApiCall) {
  return {
    questionnaire: (signal?: AbortSignal) => call(client.GET('/api/v1/maturity/questionnaire', { signal })),
    assessments: (page: PageParams = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/maturity/assessments', {
          params: { query: { limit: page.limit, cursor: page.cursor } },
          signal,
        }),
      ),
    assessment: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/maturity/assessments/{id}', { params: { path: { id } }, signal })),
    /** Stores an assessment with today's evidence; answers given here override the evidence. */
    create: (title: string, answers: MaturityAnswers = {}) =>
      call(
        client.POST('/api/v1/maturity/assessments', {
          body: { ...(title ? { title } : {}), ...(Object.keys(answers).length > 0 ? { answers } : {}) },
        }),
      ),
    compare: (from: number, to: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/maturity/compare', { params: { query: { from, to } }, signal })),
    /** The printable HTML report, opened by the browser in a new tab. */
    reportUrl: (id: number, compare?: number) =>
      `/api/v1/maturity/assessments/${id}/report${compare ? `?compare=${compare}` : ''}`,
  };
}
