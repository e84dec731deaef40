import { TESTABLE_RELEASE_STATES, type TestEvidenceKind, type TestOutcome, type TestProtocol } from '@slipway/model';
import { readJson, writeJson } from '../cmdb/json-column.js';
import { type ArtifactStore, ContentTooLargeError } from '../library/artifact-store.js';
import type { Actor } from '../platform/actor.js';
import { AppError, DomainRuleError, InputError, NotFoundError } from '../platform/errors.js';
import type { PolicyService } from '../policy/policy.service.js';
import { type JunitSummary, junitOutcome, NotJunitError, parseJunit, XmlError } from './junit-parser.js';
import { type ReleaseRow, releaseRepository, type TestRow } from './release.repository.js';
import { currentTests } from './release-gates.js';
import type { ReleaseWriter } from './release-writer.js';

/** Uploaded evidence files and JUnit reports are kept at most this big (SLIPWAY_EVIDENCE_MAX_BYTES overrides). */
export const DEFAULT_EVIDENCE_MAX_BYTES = 25 * 1024 * 1024;

export interface TestInput {
  environment: string;
  protocol: TestProtocol;
  outcome: TestOutcome;
  summary?: string | undefined;
  evidence?: { text?: string | undefined; url?: string | undefined } | undefined;
}

export interface TestView {
  id: number;
  environment: string;
  protocol: TestProtocol;
  outcome: TestOutcome;
  summary: string;
  evidence: {
    kind: TestEvidenceKind;
    text: string | null;
    url: string | null;
    file: { name: string; sha256: string; size: number; contentType: string; downloadUrl: string } | null;
    junit: JunitSummary | null;
  };
  /** The build (contents hash) the result was recorded for, and whether that is the current one. */
  build: { contentsHash: string; current: boolean };
  /** The latest result of this protocol in this environment for the current build: the one the gates read. */
  current: boolean;
  recordedBy: { id: number | null; name: string; via: string };
  recordedAt: string;
}

const MAX_SUMMARY = 10_000;

function toTest(row: TestRow, release: ReleaseRow, currentIds: ReadonlySet<number>): TestView {
  return {
    id: row.id,
    environment: row.environment,
    protocol: row.protocol as TestProtocol,
    outcome: row.outcome as TestOutcome,
    summary: row.summary,
    evidence: {
      kind: row.evidence_kind as TestEvidenceKind,
      text: row.evidence_text,
      url: row.evidence_url,
      file:
        row.file_sha256 === null
          ? null
          : {
              name: row.file_name ?? 'evidence',
              sha256: row.file_sha256,
              size: Number(row.file_size ?? 0),
              contentType: row.file_type ?? 'application/octet-stream',
              downloadUrl: `/api/v1/releases/${row.release_id}/tests/${row.id}/evidence`,
            },
      junit: row.junit === null ? null : readJson<JunitSummary>(row.junit),
    },
    build: { contentsHash: row.contents_hash, current: row.contents_hash === release.contents_hash },
    current: currentIds.has(row.id),
    recordedBy: { id: row.recorded_by_id, name: row.recorded_by, via: row.recorded_via },
    recordedAt: row.recorded_at,
  };
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('evidence.url is not a URL', { field: 'evidence.url' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError('evidence.url must be an http(s) link', { field: 'evidence.url' });
  }
}

async function* single(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

/**
 * Test results of the nine protocols per environment, with evidence: text, a link, an uploaded
 * file, or a JUnit report posted by a CI pipeline (parsed into counts; its XML kept as the
 * evidence file). Results are never overwritten: recording again adds a row, and the latest one
 * for the current build is what the gates read. Who recorded what is in each row and in the audit.
 */
export class ReleaseTestService {
  constructor(
    private readonly writer: ReleaseWriter,
    private readonly policy: PolicyService,
    private readonly store: ArtifactStore,
    private readonly maxBytes: number = DEFAULT_EVIDENCE_MAX_BYTES,
  ) {}

  async list(releaseId: number): Promise<TestView[]> {
    const release = await this.writer.require(this.writer.db, releaseId);
    const rows = await releaseRepository.tests(this.writer.db, releaseId);
    const current = new Set([...currentTests(release, rows).values()].map((t) => t.id));
    return rows.map((r) => toTest(r, release, current));
  }

  /** Environment known, release in a testable state and already promoted into it. */
  async #check(releaseId: number, environment: string): Promise<void> {
    const release = await this.writer.require(this.writer.db, releaseId);
    const environments = (await this.policy.current()).policy.environments;
    const index = environments.indexOf(environment);
    if (index < 0) {
      throw new InputError(`environment "${environment}" is not one of the policy's (${environments.join(', ')})`, {
        field: 'environment',
      });
    }
    if (!TESTABLE_RELEASE_STATES.includes(release.state as (typeof TESTABLE_RELEASE_STATES)[number])) {
      throw new DomainRuleError(
        `Release ${releaseId} is ${release.state}: tests are recorded in ${TESTABLE_RELEASE_STATES.join(', ')}`,
        {
          rule: 'release.state',
          state: release.state,
        },
      );
    }
    const reached = release.current_environment === null ? -1 : environments.indexOf(release.current_environment);
    if (index > reached) {
      throw new DomainRuleError(
        `Release ${releaseId} has not reached ${environment} (it is in ${release.current_environment ?? 'no environment yet'}): promote it there first`,
        { rule: 'promotion.order', environment, currentEnvironment: release.current_environment },
      );
    }
  }

  async #insert(
    actor: Actor,
    releaseId: number,
    values: Omit<
      Parameters<typeof releaseRepository.insertTest>[1],
      'release_id' | 'contents_hash' | 'recorded_by_id' | 'recorded_by' | 'recorded_via' | 'recorded_at'
    >,
    expectedVersion: number | undefined,
  ): Promise<TestView> {
    return this.writer.write(
      actor,
      releaseId,
      { expectedVersion, states: TESTABLE_RELEASE_STATES, what: 'tests are recorded' },
      async ({ tx, row, now, events }) => {
        const inserted = await releaseRepository.insertTest(tx, {
          ...values,
          release_id: releaseId,
          contents_hash: row.contents_hash,
          recorded_by_id: actor.userId,
          recorded_by: actor.username,
          recorded_via: actor.via,
          recorded_at: now,
        });
        const view = toTest(inserted, row, new Set([inserted.id]));
        events.push({
          type: 'release.test_recorded',
          objectType: 'release',
          objectId: releaseId,
          data: { test: view },
        });
        return { result: view, audit: { action: 'release.test.record', after: view } };
      },
    );
  }

  async record(actor: Actor, releaseId: number, input: TestInput, expectedVersion?: number): Promise<TestView> {
    if ((input.summary ?? '').length > MAX_SUMMARY)
      throw new InputError(`summary is at most ${MAX_SUMMARY} characters`, { field: 'summary' });
    if ((input.evidence?.text ?? '').length > 50_000)
      throw new InputError('evidence.text is at most 50000 characters', { field: 'evidence.text' });
    if (input.evidence?.url !== undefined) checkUrl(input.evidence.url);
    await this.#check(releaseId, input.environment);
    return this.#insert(
      actor,
      releaseId,
      {
        environment: input.environment,
        protocol: input.protocol,
        outcome: input.outcome,
        summary: input.summary ?? '',
        evidence_kind: input.evidence?.url !== undefined ? 'link' : 'text',
        evidence_text: input.evidence?.text ?? null,
        evidence_url: input.evidence?.url ?? null,
        file_sha256: null,
        file_name: null,
        file_size: null,
        file_type: null,
        junit: null,
      },
      expectedVersion,
    );
  }

  /**
   * A JUnit XML report (a CI pipeline posts it with its API token): parsed into counts; a run
   * with failures or errors is `failed`, one where nothing ran is `blocked`. A document that is
   * not well-formed XML or not JUnit is refused with 400 and nothing is kept.
   */
  async recordJunit(
    actor: Actor,
    releaseId: number,
    input: { environment: string; protocol: TestProtocol; summary?: string | undefined },
    xml: string,
  ): Promise<TestView> {
    if (Buffer.byteLength(xml) > this.maxBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `The report is larger than ${this.maxBytes} bytes`);
    }
    let junit: JunitSummary;
    try {
      junit = parseJunit(xml);
    } catch (error) {
      if (error instanceof XmlError) {
        throw new InputError(`The body is not well-formed XML (at character ${error.offset}): ${error.message}`, {
          field: 'body',
          offset: error.offset,
        });
      }
      if (error instanceof NotJunitError) {
        throw new InputError(`The body is not a JUnit XML report: ${error.message}`, { field: 'body' });
      }
      throw error;
    }
    await this.#check(releaseId, input.environment);
    const staged = await this.store.stage(single(Buffer.from(xml, 'utf8')), { maxBytes: this.maxBytes });
    await staged.commit();
    return this.#insert(
      actor,
      releaseId,
      {
        environment: input.environment,
        protocol: input.protocol,
        outcome: junitOutcome(junit),
        summary:
          input.summary ??
          `${junit.tests} tests: ${junit.passed} passed, ${junit.failed} failed, ${junit.errors} errors, ${junit.skipped} skipped`,
        evidence_kind: 'junit',
        evidence_text: null,
        evidence_url: null,
        file_sha256: staged.sha256,
        file_name: 'junit.xml',
        file_size: staged.size,
        file_type: 'application/xml',
        junit: writeJson(junit),
      },
      undefined,
    );
  }

  /** An uploaded evidence file (report, screenshot, signed UAT form), streamed into the evidence store. */
  async recordFile(
    actor: Actor,
    releaseId: number,
    input: TestInput & { fileName: string; contentType: string },
    content: AsyncIterable<Uint8Array>,
  ): Promise<TestView> {
    if ((input.summary ?? '').length > MAX_SUMMARY)
      throw new InputError(`summary is at most ${MAX_SUMMARY} characters`, { field: 'summary' });
    await this.#check(releaseId, input.environment);
    let staged: Awaited<ReturnType<ArtifactStore['stage']>>;
    try {
      staged = await this.store.stage(content, { maxBytes: this.maxBytes });
    } catch (error) {
      if (error instanceof ContentTooLargeError) {
        throw new AppError('PAYLOAD_TOO_LARGE', `The evidence file is larger than ${this.maxBytes} bytes`, {
          limit: this.maxBytes,
        });
      }
      throw error;
    }
    if (staged.size === 0) {
      await staged.discard();
      throw new InputError('The evidence file is empty', { field: 'body' });
    }
    await staged.commit();
    return this.#insert(
      actor,
      releaseId,
      {
        environment: input.environment,
        protocol: input.protocol,
        outcome: input.outcome,
        summary: input.summary ?? '',
        evidence_kind: 'file',
        evidence_text: input.evidence?.text ?? null,
        evidence_url: null,
        file_sha256: staged.sha256,
        file_name: input.fileName.slice(0, 200),
        file_size: staged.size,
        file_type: input.contentType,
        junit: null,
      },
      undefined,
    );
  }

  /** The evidence file of a result, as a stream (content-addressed: what was uploaded, byte for byte). */
  async openEvidence(
    releaseId: number,
    testId: number,
  ): Promise<{ name: string; contentType: string; size: number; sha256: string; stream: NodeJS.ReadableStream }> {
    const row = await releaseRepository.findTest(this.writer.db, releaseId, testId);
    if (!row) throw new NotFoundError(`test result of release ${releaseId}`, testId);
    if (row.file_sha256 === null) throw new NotFoundError(`evidence file of test result`, testId);
    const stat = await this.store.stat(row.file_sha256);
    if (!stat) throw new NotFoundError('evidence file (missing from the evidence store)', testId);
    return {
      name: row.file_name ?? 'evidence',
      contentType: row.file_type ?? 'application/octet-stream',
      size: stat.size,
      sha256: row.file_sha256,
      stream: this.store.read(row.file_sha256),
    };
  }
}
