import type { paths } from '@slipway/client';

// Response shapes from the OpenAPI document, so a server schema change shows up as a type error.
type Json<Operation> = Operation extends { responses: { 200: { content: { 'application/json': infer Body } } } }
  ? Body
  : never;

export type KpiReport = Json<paths['/api/v1/metrics/kpis']['get']>;
export type KpiFigures = KpiReport['summary'];
export type DoraReport = Json<paths['/api/v1/metrics/dora']['get']>;
export type DoraBand = DoraReport['deploymentFrequency']['band'];
export type Questionnaire = Json<paths['/api/v1/maturity/questionnaire']['get']>;
export type AssessmentPage = Json<paths['/api/v1/maturity/assessments']['get']>;
export type AssessmentSummary = AssessmentPage['items'][number];
export type Assessment = Json<paths['/api/v1/maturity/assessments/{id}']['get']>;
export type MaturityResult = Assessment['result'];
export type Comparison = Json<paths['/api/v1/maturity/compare']['get']>;
