import {
  assessMaturity,
  compareMaturity,
  type Evidence,
  MATURITY_QUESTIONS,
  type MaturityAnswerInput,
  type MaturityComparison,
  type MaturityLevel,
  type MaturityProcess,
  type MaturityResult,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import { readJson, writeJson } from '../cmdb/json-column.js';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Database } from '../platform/database-schema.js';
import { InputError, NotFoundError } from '../platform/errors.js';
import type { EvidenceService } from './evidence.service.js';
import { type AssessmentRow, maturityRepository } from './maturity.repository.js';

export interface AssessmentSummary {
  id: number;
  title: string;
  levels: Record<MaturityProcess, MaturityLevel>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Assessment extends AssessmentSummary {
  answers: Record<string, MaturityAnswerInput>;
  evidence: Evidence[];
  result: MaturityResult;
}

const QUESTION_IDS = new Set(MATURITY_QUESTIONS.map((q) => q.id));
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function levelsOf(result: MaturityResult): Record<MaturityProcess, MaturityLevel> {
  return Object.fromEntries(result.processes.map((p) => [p.process, p.level])) as Record<
    MaturityProcess,
    MaturityLevel
  >;
}

function toAssessment(row: AssessmentRow): Assessment {
  const result = readJson<MaturityResult>(row.result);
  return {
    id: row.id,
    title: row.title,
    levels: levelsOf(result),
    answers: readJson<Record<string, MaturityAnswerInput>>(row.answers),
    evidence: readJson<Evidence[]>(row.evidence),
    result,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

function toSummary(row: AssessmentRow): AssessmentSummary {
  const { answers: _a, evidence: _e, result: _r, ...summary } = toAssessment(row);
  return summary;
}

/**
 * Maturity assessments: the questionnaire pre-filled from today's evidence, stored assessments
 * (answers, the evidence of that day and the result, so an old one reads the same later), and the
 * comparison of two.
 */
export class MaturityService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly evidence: EvidenceService,
  ) {}

  /** Today's questionnaire: every question with the answer the evidence gives, and the levels that follow. */
  async questionnaire(): Promise<{ measuredAt: string; evidence: Evidence[]; result: MaturityResult }> {
    const evidence = await this.evidence.measure();
    return { measuredAt: isoNow(this.clock), evidence, result: assessMaturity(evidence, {}) };
  }

  async create(
    actor: Actor,
    input: { title?: string | undefined; answers?: Record<string, MaturityAnswerInput> | undefined },
  ): Promise<Assessment> {
    const answers = input.answers ?? {};
    const unknown = Object.keys(answers).filter((id) => !QUESTION_IDS.has(id));
    if (unknown.length > 0) {
      throw new InputError(`Unknown question ids: ${unknown.join(', ')}`, { field: 'answers', unknown });
    }
    for (const [id, a] of Object.entries(answers)) {
      if (a.note !== undefined && (a.note.length > 2000 || CONTROL.test(a.note.replace(/[\r\n\t]/g, ' ')))) {
        throw new InputError(`answers.${id}.note must be at most 2000 printable characters`, { field: 'answers' });
      }
    }
    const now = isoNow(this.clock);
    const title = input.title?.trim() || `Assessment of ${now.slice(0, 10)}`;
    if (title.length > 200 || CONTROL.test(title)) {
      throw new InputError('title must be 1–200 printable characters', { field: 'title' });
    }
    // Measured outside the write transaction: it only reads, and may take a moment on a big CMDB.
    const evidence = await this.evidence.measure();
    const result = assessMaturity(evidence, answers);
    return this.db.transaction().execute(async (tx) => {
      const row = await maturityRepository.insert(tx, {
        title,
        answers: writeJson(answers),
        evidence: writeJson(evidence),
        result: writeJson(result),
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const assessment = toAssessment(row);
      await this.audit.record(tx, actor, {
        action: 'maturity.assessment.create',
        objectType: 'maturity_assessment',
        objectId: row.id,
        after: { title, levels: assessment.levels, answers },
      });
      return assessment;
    });
  }

  async get(id: number): Promise<Assessment> {
    const row = await maturityRepository.find(this.db, id);
    if (!row) throw new NotFoundError('maturity assessment', id);
    return toAssessment(row);
  }

  async list(beforeId: number | undefined, limit: number): Promise<AssessmentSummary[]> {
    return (await maturityRepository.list(this.db, beforeId, limit)).map(toSummary);
  }

  async compare(
    fromId: number,
    toId: number,
  ): Promise<MaturityComparison & { from: AssessmentSummary; to: AssessmentSummary }> {
    const from = await this.get(fromId);
    const to = await this.get(toId);
    const { answers: _fa, evidence: _fe, result: _fr, ...fromSummary } = from;
    const { answers: _ta, evidence: _te, result: _tr, ...toSummary } = to;
    return { from: fromSummary, to: toSummary, ...compareMaturity(from.result, to.result) };
  }
}
