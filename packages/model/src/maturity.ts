/**
 * Maturity assessment on the ITIL Process Maturity Framework (PMF): levels 1 Initial,
 * 2 Repeatable, 3 Defined, 4 Managed, 5 Optimizing, over five areas (vision and steering,
 * process, people, technology, culture), for release, change and configuration management.
 *
 * Each question is tied to one process, one area and one level (2–5: level 1 needs nothing).
 * Questions Slipway's own records can answer name an evidence key and thresholds: the answer is
 * pre-filled from the measured value (yes at or above `yesAt`, partial at or above `partialAt`,
 * else no). A person may still answer any question; their answer wins and the evidence stays
 * shown beside it. A process reaches level L when every question of levels 2…L is answered yes
 * (partial does not hold); the gaps are the questions of the next level that do not hold.
 */

export const MATURITY_PROCESSES = ['release', 'change', 'configuration'] as const;
export type MaturityProcess = (typeof MATURITY_PROCESSES)[number];

export const MATURITY_AREAS = ['vision', 'process', 'people', 'technology', 'culture'] as const;
export type MaturityArea = (typeof MATURITY_AREAS)[number];

export const MATURITY_LEVELS = [1, 2, 3, 4, 5] as const;
export type MaturityLevel = (typeof MATURITY_LEVELS)[number];

export const MATURITY_LEVEL_NAMES: Record<MaturityLevel, string> = {
  1: 'Initial',
  2: 'Repeatable',
  3: 'Defined',
  4: 'Managed',
  5: 'Optimizing',
};

export const MATURITY_AREA_NAMES: Record<MaturityArea, string> = {
  vision: 'Vision and steering',
  process: 'Process',
  people: 'People',
  technology: 'Technology',
  culture: 'Culture',
};

export const MATURITY_ANSWERS = ['yes', 'partial', 'no'] as const;
export type MaturityAnswer = (typeof MATURITY_ANSWERS)[number];

/** Measures Slipway computes from its records (server: maturity/evidence.service.ts). */
export const EVIDENCE_KEYS = {
  'release.policy_defined': 'A release policy is in force (share: 1 when a policy version exists)',
  'release.plans_complete':
    'Share of releases deployed in the last 12 months whose release plan had every section filled in',
  'release.tests_recorded':
    'Share of releases deployed in the last 12 months with at least one passed test result recorded',
  'release.test_protocol_coverage':
    'Share of releases deployed in the last 12 months with passed results in at least 3 test protocols',
  'release.backout_rehearsed': 'Share of releases deployed in the last 12 months with a passed back-out rehearsal',
  'release.approved': 'Share of releases deployed in the last 12 months that were approved before rollout',
  'release.rollouts_on_time':
    'Share of finished production rollouts of the last 12 months that completed by their planned end',
  'release.no_backout': 'Share of finished production rollouts of the last 12 months without a back-out',
  'release.reviewed': 'Share of releases deployed over 30 days ago (last 12 months) with a post-implementation review',
  'change.approved_before_implementation':
    'Share of changes implemented in the last 12 months that were approved (or standard, pre-approved) before implementation started',
  'change.risk_assessed': 'Share of changes submitted in the last 12 months with a computed risk',
  'change.reviewed': 'Share of changes implemented over 30 days ago (last 12 months) with a post-implementation review',
  'change.success_rate': 'Change success rate over the last 12 months (no failed review, no caused incident)',
  'change.emergency_low': 'Share of changes raised in the last 12 months that were not emergency changes',
  'change.incidents_attributed':
    'Share of incidents of the last 12 months with their causing release or change recorded',
  'configuration.completeness': 'Share of live CIs with an owner and an environment',
  'configuration.freshness': 'Share of live CIs updated or seen in the last 90 days',
  'configuration.relationships': 'Share of live CIs with at least one relationship',
  'configuration.baselines': 'A baseline was taken in the last 90 days (1) or not (0)',
  'configuration.compliance': 'Share of installed software CIs that are neither unauthorized nor unlicensed',
} as const;
export type EvidenceKey = keyof typeof EVIDENCE_KEYS;

export interface Evidence {
  key: EvidenceKey;
  /** 0…1, or null when there was nothing to measure (then the question is not pre-filled). */
  value: number | null;
  numerator: number;
  denominator: number;
  description: string;
}

export interface MaturityQuestion {
  id: string;
  process: MaturityProcess;
  area: MaturityArea;
  /** The level this question is a criterion of (2–5). */
  level: Exclude<MaturityLevel, 1>;
  text: string;
  /** What to do when the answer is not yes. */
  recommendation: string;
  evidence?: { key: EvidenceKey; yesAt: number; partialAt: number };
}

type Q = MaturityQuestion;
const q = (
  id: string,
  process: MaturityProcess,
  area: MaturityArea,
  level: Q['level'],
  text: string,
  recommendation: string,
  evidence?: Q['evidence'],
): Q => ({ id, process, area, level, text, recommendation, ...(evidence && { evidence }) });

/** The built-in questionnaire. Ids are stable: stored assessments refer to them. */
export const MATURITY_QUESTIONS: readonly MaturityQuestion[] = [
  // Release management.
  q(
    'rel-2-policy',
    'release',
    'process',
    2,
    'Is there an agreed release policy (types, approvals, required tests)?',
    'Adopt and publish a release policy in Slipway (Policy) covering each release type.',
    { key: 'release.policy_defined', yesAt: 1, partialAt: 1 },
  ),
  q(
    'rel-2-tests',
    'release',
    'process',
    2,
    'Are test results recorded for releases before they go to production?',
    'Record every test run against the release (slipway release test) before promotion.',
    { key: 'release.tests_recorded', yesAt: 0.8, partialAt: 0.5 },
  ),
  q(
    'rel-2-owner',
    'release',
    'people',
    2,
    'Is there a named release manager responsible for each release?',
    'Name a release manager (role release_manager) and make them the requester or implementer of each release.',
  ),
  q(
    'rel-2-vision',
    'release',
    'vision',
    2,
    'Does management agree what release management is for (fewer incidents, predictable rollouts)?',
    'Write down two or three goals for release management and the KPI that shows each (docs/metrics.md).',
  ),
  q(
    'rel-3-plans',
    'release',
    'process',
    3,
    'Does every release have a complete release plan (scope, schedule, tests, back-out, communication)?',
    'Use release templates per element so every plan section is filled before build.',
    { key: 'release.plans_complete', yesAt: 0.9, partialAt: 0.6 },
  ),
  q(
    'rel-3-backout',
    'release',
    'process',
    3,
    'Is the back-out plan rehearsed before production rollouts?',
    'Require a rehearsed back-out in the release policy (backoutPlan.rehearsed) and record rehearsals.',
    { key: 'release.backout_rehearsed', yesAt: 0.8, partialAt: 0.4 },
  ),
  q(
    'rel-3-approved',
    'release',
    'process',
    3,
    'Are releases approved by the CAB before they are scheduled?',
    'Route every release through approval; do not schedule rollouts of unapproved releases.',
    { key: 'release.approved', yesAt: 0.95, partialAt: 0.7 },
  ),
  q(
    'rel-3-training',
    'release',
    'people',
    3,
    'Are the people who roll out releases trained on the standard procedure?',
    'Train implementers on the rollout strategies and executors; keep a short runbook per element.',
  ),
  q(
    'rel-3-tooling',
    'release',
    'technology',
    3,
    'Are rollouts executed and recorded by a tool rather than by hand?',
    'Run rollouts through Slipway executors (command, webhook) so every step is recorded.',
  ),
  q(
    'rel-4-ontime',
    'release',
    'process',
    4,
    'Are at least 90 % of production rollouts completed by their planned end?',
    'Investigate late rollouts; plan smaller waves and realistic windows.',
    { key: 'release.rollouts_on_time', yesAt: 0.9, partialAt: 0.75 },
  ),
  q(
    'rel-4-coverage',
    'release',
    'technology',
    4,
    'Do releases pass several test protocols (functionality, integration, performance…)?',
    'Automate test protocols and import their results (JUnit) for each release.',
    { key: 'release.test_protocol_coverage', yesAt: 0.8, partialAt: 0.5 },
  ),
  q(
    'rel-4-kpis',
    'release',
    'vision',
    4,
    'Does management review release KPIs (downtime, on-time, back-outs) at least monthly?',
    'Put the KPI dashboard (slipway kpi) on the agenda of a monthly service review.',
  ),
  q(
    'rel-5-reviewed',
    'release',
    'culture',
    5,
    'Is every release reviewed after implementation and are lessons acted on?',
    'Hold post-implementation reviews for every release and track the actions they produce.',
    { key: 'release.reviewed', yesAt: 0.9, partialAt: 0.6 },
  ),
  q(
    'rel-5-backouts',
    'release',
    'process',
    5,
    'Are back-outs rare (fewer than 5 % of production rollouts)?',
    'Find the causes of back-outs in reviews and fix them upstream (tests, coexistence checks).',
    { key: 'release.no_backout', yesAt: 0.95, partialAt: 0.85 },
  ),
  q(
    'rel-5-improve',
    'release',
    'culture',
    5,
    'Is the release process itself improved regularly based on measurements?',
    'Compare maturity assessments over time and turn each gap into an improvement action.',
  ),

  // Change management.
  q(
    'chg-2-recorded',
    'change',
    'process',
    2,
    'Are changes to production raised as requests for change before they are made?',
    'Require an RFC for every production change; detect unrecorded changes from CMDB imports.',
  ),
  q(
    'chg-2-approved',
    'change',
    'process',
    2,
    'Are changes approved before implementation starts?',
    'Do not start implementation without the approvals the policy asks for.',
    { key: 'change.approved_before_implementation', yesAt: 0.9, partialAt: 0.6 },
  ),
  q(
    'chg-2-cab',
    'change',
    'people',
    2,
    'Is there a change advisory board with named members?',
    'Give CAB members the cab_member role and meet on a fixed rhythm.',
  ),
  q(
    'chg-3-risk',
    'change',
    'process',
    3,
    'Is risk assessed consistently for each change?',
    "Submit changes so Slipway computes impact and risk; don't approve unassessed changes.",
    { key: 'change.risk_assessed', yesAt: 0.95, partialAt: 0.7 },
  ),
  q(
    'chg-3-reviewed',
    'change',
    'process',
    3,
    'Are changes reviewed after implementation?',
    'Record a post-implementation review for every implemented change.',
    { key: 'change.reviewed', yesAt: 0.9, partialAt: 0.6 },
  ),
  q(
    'chg-3-calendar',
    'change',
    'technology',
    3,
    'Is a shared change calendar with freezes used to schedule changes?',
    'Publish the change calendar feed and define freeze windows.',
  ),
  q(
    'chg-3-vision',
    'change',
    'vision',
    3,
    'Are change management objectives agreed with the business?',
    'Agree targets for change success rate and emergency changes with service owners.',
  ),
  q(
    'chg-4-success',
    'change',
    'process',
    4,
    'Is the change success rate at least 95 %?',
    'Analyse failed changes and strengthen testing and back-out for the change types that fail.',
    { key: 'change.success_rate', yesAt: 0.95, partialAt: 0.85 },
  ),
  q(
    'chg-4-emergency',
    'change',
    'culture',
    4,
    'Are emergency changes the exception (under 10 % of changes)?',
    'Plan ahead: turn recurring emergencies into standard changes or normal changes with notice.',
    { key: 'change.emergency_low', yesAt: 0.9, partialAt: 0.8 },
  ),
  q(
    'chg-4-incidents',
    'change',
    'technology',
    4,
    'Are incidents linked to the change or release that caused them?',
    'Record the cause of every incident (slipway incident create --caused-by-…).',
    { key: 'change.incidents_attributed', yesAt: 0.8, partialAt: 0.5 },
  ),
  q(
    'chg-5-improve',
    'change',
    'culture',
    5,
    'Are lessons from failed changes fed back into policy and templates?',
    'Review failed changes quarterly and update the release policy and change templates.',
  ),
  q(
    'chg-5-people',
    'change',
    'people',
    5,
    'Do teams propose improvements to the change process themselves?',
    'Invite implementers to the process review and act on their proposals.',
  ),

  // Configuration management.
  q(
    'cfg-2-cmdb',
    'configuration',
    'technology',
    2,
    'Are configuration items recorded in one CMDB?',
    'Import your inventory into the CMDB (slipway import) and retire spreadsheets.',
  ),
  q(
    'cfg-2-owner',
    'configuration',
    'people',
    2,
    'Do CIs have owners who keep them correct?',
    'Set an owner on every CI; review the data quality report with owners.',
    { key: 'configuration.completeness', yesAt: 0.9, partialAt: 0.6 },
  ),
  q(
    'cfg-3-relationships',
    'configuration',
    'process',
    3,
    'Are relationships between CIs recorded so impact can be analysed?',
    'Record depends_on, runs_on and installed_on relationships, e.g. from a discovery feed.',
    { key: 'configuration.relationships', yesAt: 0.8, partialAt: 0.5 },
  ),
  q(
    'cfg-3-fresh',
    'configuration',
    'process',
    3,
    'Is the CMDB kept current (CIs confirmed within 90 days)?',
    'Schedule regular imports from discovery so CIs are confirmed at least quarterly.',
    { key: 'configuration.freshness', yesAt: 0.8, partialAt: 0.5 },
  ),
  q(
    'cfg-3-vision',
    'configuration',
    'vision',
    3,
    'Is the scope of configuration management defined (which classes, which depth)?',
    'Write down which CI classes are in scope and who is accountable for each.',
  ),
  q(
    'cfg-4-baselines',
    'configuration',
    'technology',
    4,
    'Are baselines taken regularly and before changes?',
    'Take baselines before rollouts (automatic) and at least monthly.',
    { key: 'configuration.baselines', yesAt: 1, partialAt: 1 },
  ),
  q(
    'cfg-4-compliance',
    'configuration',
    'process',
    4,
    'Is installed software authorized and licensed (at least 98 %)?',
    'Verify the CMDB against the software library and remove or approve unauthorized software.',
    { key: 'configuration.compliance', yesAt: 0.98, partialAt: 0.9 },
  ),
  q(
    'cfg-5-audit',
    'configuration',
    'culture',
    5,
    'Are configuration audits a routine and their findings closed?',
    'Run a configuration verification after every rollout and review drift monthly.',
  ),
  q(
    'cfg-5-improve',
    'configuration',
    'vision',
    5,
    'Is CMDB data quality measured and improved against targets?',
    'Set targets for completeness and freshness and track them in each assessment.',
  ),
];

export interface MaturityAnswerInput {
  answer: MaturityAnswer;
  note?: string | undefined;
}

export interface AnsweredQuestion extends MaturityQuestion {
  answer: MaturityAnswer | null;
  /** `evidence` when pre-filled from Slipway's data, `person` when answered by someone, null if unanswered. */
  source: 'evidence' | 'person' | null;
  note: string | null;
  measured: Evidence | null;
  /** The answer the evidence alone gives (null when not measurable). */
  evidenceAnswer: MaturityAnswer | null;
}

export interface ProcessResult {
  process: MaturityProcess;
  level: MaturityLevel;
  levelName: string;
  /**
   * Per area: the highest level whose questions in that area all hold, but no higher than the
   * process level unless the area's own yes answers reach further.
   */
  areas: Record<MaturityArea, MaturityLevel>;
  /** Share of questions per level answered yes (level 2…5). */
  levels: { level: MaturityLevel; questions: number; yes: number; partial: number }[];
  /** Questions of the next level that do not hold, with what to do. */
  gaps: {
    questionId: string;
    level: MaturityLevel;
    area: MaturityArea;
    text: string;
    answer: MaturityAnswer | null;
    recommendation: string;
  }[];
}

export interface MaturityResult {
  questions: AnsweredQuestion[];
  processes: ProcessResult[];
}

/** The answer evidence gives on its own. */
export function answerFromEvidence(
  question: MaturityQuestion,
  evidence: ReadonlyMap<EvidenceKey, Evidence>,
): MaturityAnswer | null {
  if (!question.evidence) return null;
  const measured = evidence.get(question.evidence.key);
  if (!measured || measured.value === null) return null;
  if (measured.value >= question.evidence.yesAt) return 'yes';
  if (measured.value >= question.evidence.partialAt) return 'partial';
  return 'no';
}

/** Answers (person over evidence), levels, areas and gaps. */
export function assessMaturity(
  evidence: readonly Evidence[],
  answers: Readonly<Record<string, MaturityAnswerInput>>,
  questions: readonly MaturityQuestion[] = MATURITY_QUESTIONS,
): MaturityResult {
  const byKey = new Map(evidence.map((e) => [e.key, e]));
  const answered: AnsweredQuestion[] = questions.map((question) => {
    const evidenceAnswer = answerFromEvidence(question, byKey);
    const person = answers[question.id];
    const measured = question.evidence ? (byKey.get(question.evidence.key) ?? null) : null;
    return {
      ...question,
      answer: person?.answer ?? evidenceAnswer,
      source: person ? 'person' : evidenceAnswer ? 'evidence' : null,
      note: person?.note ?? null,
      measured,
      evidenceAnswer,
    };
  });
  const holds = (a: AnsweredQuestion) => a.answer === 'yes';
  const levelReached = (items: AnsweredQuestion[]): MaturityLevel => {
    let level: MaturityLevel = 1;
    for (const next of [2, 3, 4, 5] as const) {
      if (!items.filter((a) => a.level === next).every(holds)) break;
      level = next;
    }
    return level;
  };
  const processes = MATURITY_PROCESSES.map((process): ProcessResult => {
    const mine = answered.filter((a) => a.process === process);
    const level = levelReached(mine);
    // An area with no question at some level would pass it vacuously: an area's level goes beyond
    // the process level only as far as its own answered-yes questions reach.
    const areas = Object.fromEntries(
      MATURITY_AREAS.map((area) => {
        const inArea = mine.filter((a) => a.area === area);
        const ownReach = Math.max(1, ...inArea.filter(holds).map((a) => a.level));
        return [area, Math.min(levelReached(inArea), Math.max(level, ownReach)) as MaturityLevel];
      }),
    ) as Record<MaturityArea, MaturityLevel>;
    const next = level < 5 ? level + 1 : null;
    return {
      process,
      level,
      levelName: MATURITY_LEVEL_NAMES[level],
      areas,
      levels: ([2, 3, 4, 5] as const).map((l) => {
        const at = mine.filter((a) => a.level === l);
        return {
          level: l,
          questions: at.length,
          yes: at.filter((a) => a.answer === 'yes').length,
          partial: at.filter((a) => a.answer === 'partial').length,
        };
      }),
      gaps: mine
        .filter((a) => a.level === next && !holds(a))
        .map((a) => ({
          questionId: a.id,
          level: a.level,
          area: a.area,
          text: a.text,
          answer: a.answer,
          recommendation: a.recommendation,
        })),
    };
  });
  return { questions: answered, processes };
}

export interface MaturityComparison {
  processes: { process: MaturityProcess; fromLevel: MaturityLevel; toLevel: MaturityLevel; delta: number }[];
  changedAnswers: {
    questionId: string;
    process: MaturityProcess;
    text: string;
    from: MaturityAnswer | null;
    to: MaturityAnswer | null;
  }[];
}

/** What moved between two assessments: levels per process and every answer that changed. */
export function compareMaturity(from: MaturityResult, to: MaturityResult): MaturityComparison {
  const before = new Map(from.questions.map((a) => [a.id, a.answer]));
  return {
    processes: MATURITY_PROCESSES.map((process) => {
      const a = from.processes.find((p) => p.process === process)?.level ?? 1;
      const b = to.processes.find((p) => p.process === process)?.level ?? 1;
      return { process, fromLevel: a, toLevel: b, delta: b - a };
    }),
    changedAnswers: to.questions
      .filter((a) => (before.get(a.id) ?? null) !== a.answer)
      .map((a) => ({
        questionId: a.id,
        process: a.process,
        text: a.text,
        from: before.get(a.id) ?? null,
        to: a.answer,
      })),
  };
}
