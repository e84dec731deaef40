import { EVIDENCE_KEYS, MATURITY_ANSWERS, MATURITY_AREAS, MATURITY_PROCESSES } from '@slipway/model';
import { Type } from 'typebox';
import { PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';

const Level = Type.Integer({ minimum: 1, maximum: 5 });
const NullableAnswer = Type.Union([StringEnum(MATURITY_ANSWERS), Type.Null()]);
const EvidenceKey = StringEnum(Object.keys(EVIDENCE_KEYS) as (keyof typeof EVIDENCE_KEYS)[]);

export const EvidenceSchema = Type.Object({
  key: EvidenceKey,
  value: Type.Union([Type.Number(), Type.Null()], { description: '0…1; null when there was nothing to measure' }),
  numerator: Type.Integer(),
  denominator: Type.Integer(),
  description: Type.String(),
});

const QuestionSchema = Type.Object({
  id: Type.String(),
  process: StringEnum(MATURITY_PROCESSES),
  area: StringEnum(MATURITY_AREAS),
  level: Level,
  text: Type.String(),
  recommendation: Type.String(),
  evidence: Type.Optional(Type.Object({ key: EvidenceKey, yesAt: Type.Number(), partialAt: Type.Number() })),
  answer: NullableAnswer,
  source: Type.Union([StringEnum(['evidence', 'person'] as const), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  measured: Type.Union([EvidenceSchema, Type.Null()]),
  evidenceAnswer: NullableAnswer,
});

const Levels = Type.Object({ release: Level, change: Level, configuration: Level });

const ProcessResultSchema = Type.Object({
  process: StringEnum(MATURITY_PROCESSES),
  level: Level,
  levelName: Type.String(),
  areas: Type.Object({ vision: Level, process: Level, people: Level, technology: Level, culture: Level }),
  levels: Type.Array(
    Type.Object({ level: Level, questions: Type.Integer(), yes: Type.Integer(), partial: Type.Integer() }),
  ),
  gaps: Type.Array(
    Type.Object({
      questionId: Type.String(),
      level: Level,
      area: StringEnum(MATURITY_AREAS),
      text: Type.String(),
      answer: NullableAnswer,
      recommendation: Type.String(),
    }),
  ),
});

export const MaturityResultSchema = Type.Object({
  questions: Type.Array(QuestionSchema),
  processes: Type.Array(ProcessResultSchema),
});

export const QuestionnaireSchema = Type.Object(
  { measuredAt: Timestamp, evidence: Type.Array(EvidenceSchema), result: MaturityResultSchema },
  { description: 'The questionnaire with every answer the evidence gives today' },
);

const AnswerInput = Type.Object(
  { answer: StringEnum(MATURITY_ANSWERS), note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const CreateAssessmentBody = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 200 })),
    answers: Type.Optional(
      Type.Record(Type.String({ maxLength: 50 }), AnswerInput, {
        description: 'Answers by question id; they override the evidence-based answers',
      }),
    ),
  },
  { additionalProperties: false },
);

const summaryFields = {
  id: Type.Integer(),
  title: Type.String(),
  levels: Levels,
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer(),
};

export const AssessmentSummarySchema = Type.Object(summaryFields, { description: 'A stored assessment, in brief' });

export const AssessmentSchema = Type.Object(
  {
    ...summaryFields,
    answers: Type.Record(
      Type.String(),
      Type.Object({ answer: StringEnum(MATURITY_ANSWERS), note: Type.Optional(Type.String()) }),
    ),
    evidence: Type.Array(EvidenceSchema),
    result: MaturityResultSchema,
  },
  { description: 'A stored maturity assessment: answers, evidence of that day, levels and gaps' },
);

export const AssessmentListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const CompareQuery = Type.Object({ from: Id, to: Id }, { additionalProperties: false });

export const ReportQuery = Type.Object({ compare: Type.Optional(Id) }, { additionalProperties: false });

export const ComparisonSchema = Type.Object(
  {
    from: AssessmentSummarySchema,
    to: AssessmentSummarySchema,
    processes: Type.Array(
      Type.Object({ process: StringEnum(MATURITY_PROCESSES), fromLevel: Level, toLevel: Level, delta: Type.Integer() }),
    ),
    changedAnswers: Type.Array(
      Type.Object({
        questionId: Type.String(),
        process: StringEnum(MATURITY_PROCESSES),
        text: Type.String(),
        from: NullableAnswer,
        to: NullableAnswer,
      }),
    ),
  },
  { description: 'What moved between two assessments' },
);
