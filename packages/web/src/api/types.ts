import type { paths } from '@slipway/client';

// The shapes the UI reads, taken from the OpenAPI document through the generated client types,
// so a change to a server response schema shows up here as a type error.

type JsonBody<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body of a success answer of an operation. */
type Answer<
  Path extends keyof paths,
  Method extends 'get' | 'post' | 'put' | 'patch' | 'delete',
  Status extends number = 200,
> = paths[Path][Method] extends { responses: infer Responses }
  ? Status extends keyof Responses
    ? JsonBody<Responses[Status]>
    : never
  : never;

export type User = Answer<'/api/v1/users/me', 'get'>;
/** A new user; `initialPassword` is present only when Slipway generated it (shown once). */
export type CreatedUser = Answer<'/api/v1/users', 'post', 201>;
export type SessionInfo = Answer<'/api/v1/auth/session', 'get'>;
export type LoginResponse = Answer<'/api/v1/auth/login', 'post'>;
export type ApiToken = Answer<'/api/v1/tokens/{id}', 'get'>;
/** A new token with its secret, which the server keeps only as a hash. */
export type CreatedToken = Answer<'/api/v1/tokens', 'post', 201>;
export type AuditEntry = Answer<'/api/v1/audit', 'get'>['items'][number];
export type AuditVerification = Answer<'/api/v1/audit/verify', 'get'>;
export type AuditProblem = AuditVerification['problems'][number];

/** `{ items, next }` of every collection; `next` is the opaque cursor of the following page. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export type Ci = Answer<'/api/v1/cis/{id}', 'get'>;
export type CiClass = Answer<'/api/v1/ci-classes/{name}', 'get'>;
export type AttributeDefinition = CiClass['attributes'][number];
export type RelationshipTypeInfo = Answer<'/api/v1/relationship-types', 'get'>['items'][number];
export type Relationship = Answer<'/api/v1/relationships/{id}', 'get'>;
export type CiHistoryEntry = Answer<'/api/v1/cis/{id}/history', 'get'>['items'][number];
/** The answer of an impact or dependencies walk: count, summary by class, a page of CIs with depth. */
export type GraphAnswer = Answer<'/api/v1/cis/{id}/impact', 'get'>;
export type GraphItem = GraphAnswer['items'][number];
/** One hop of an explained path; `via` is the relationship type crossed to reach it (null for the root). */
export type PathStep = NonNullable<GraphAnswer['path']>[number];
export type ImportResult = Answer<'/api/v1/import', 'post'>;
export type Baseline = Answer<'/api/v1/baselines/{id}', 'get'>;
export type BaselineDiff = Answer<'/api/v1/baselines/{id}/diff', 'get'>;
export type CiSnapshot = BaselineDiff['cis']['added']['items'][number];
export type CiChange = BaselineDiff['cis']['changed']['items'][number];
export type RelationshipSnapshot = BaselineDiff['relationships']['added']['items'][number];
export type DiffSectionPage = Answer<'/api/v1/baselines/{id}/diff/{section}', 'get'>;
export type QualityReport = Answer<'/api/v1/cmdb/quality', 'get'>;

export type Change = Answer<'/api/v1/changes/{id}', 'get'>;
export type ChangeRisk = NonNullable<Change['risk']>;
export type ChangeImpact = NonNullable<Change['impact']>;
export type ChangeAssessment = Answer<'/api/v1/changes/{id}/assessment', 'get'>;
export type ChangeConflicts = Answer<'/api/v1/changes/{id}/conflicts', 'get'>;
export type Conflict = ChangeConflicts['conflicts'][number];
export type ChangeDecision = Answer<'/api/v1/changes/{id}/approvals', 'get'>['items'][number];
export type ChangeHistoryItem = Answer<'/api/v1/changes/{id}/history', 'get'>['items'][number];
export type AgendaItem = Answer<'/api/v1/changes/agenda', 'get'>['items'][number];
export type ChangeTemplate = Answer<'/api/v1/change-templates', 'get'>['items'][number];
export type CalendarAnswer = Answer<'/api/v1/calendar', 'get'>;
export type CalendarEvent = CalendarAnswer['events'][number];
export type FeedToken = Answer<'/api/v1/calendar/feed-tokens', 'get'>['items'][number];

export type Artifact = Answer<'/api/v1/artifacts/{id}', 'get'>;
export type Sbom = Answer<'/api/v1/artifacts/{id}/sbom', 'get'>;
export type SbomComponent = Answer<'/api/v1/artifacts/{id}/sbom/components', 'get'>['items'][number];
export type ComplianceReport = Answer<'/api/v1/library/compliance', 'get'>;
export type ComplianceFinding = ComplianceReport['items'][number];
export type StockLevels = Answer<'/api/v1/hardware/stock', 'get'>;
export type StockLevel = StockLevels['byModel'][number];
export type HardwareModel = Answer<'/api/v1/hardware/models', 'get'>['items'][number];
export type HardwareSite = Answer<'/api/v1/hardware/sites', 'get'>['items'][number];
export type Reservation = Answer<'/api/v1/hardware/reservations', 'get'>['items'][number];

export type Release = Answer<'/api/v1/releases/{id}', 'get'>;
export type ReleasePlan = Answer<'/api/v1/releases/{id}/plan', 'get'>;
export type ReleaseReadiness = Answer<'/api/v1/releases/{id}/readiness', 'get'>;
export type GateCheck = ReleaseReadiness['transitions'][number]['checks'][number];
export type ReleaseContents = Answer<'/api/v1/releases/{id}/contents', 'get'>;
export type ReleaseTest = Answer<'/api/v1/releases/{id}/tests', 'get'>['items'][number];
export type ReleaseApproval = Answer<'/api/v1/releases/{id}/approvals', 'get'>['items'][number];
export type Coexistence = Answer<'/api/v1/releases/{id}/coexistence', 'get'>;
export type ReleaseImpact = Answer<'/api/v1/releases/{id}/impact', 'get'>;
export type ReleaseEnvironment = Answer<'/api/v1/environments', 'get'>['items'][number];
export type ReleaseTargets = Answer<'/api/v1/releases/{id}/targets', 'get'>;

export type Team = Answer<'/api/v1/teams/{id}', 'get'>;
export type TeamMember = Answer<'/api/v1/teams/{id}/members', 'get'>['items'][number];
/** An admin's time-boxed, audited emergency elevation. */
export type BreakGlassElevation = Answer<'/api/v1/auth/break-glass', 'get'>['items'][number];
