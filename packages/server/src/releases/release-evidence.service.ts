import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { PLAN_SECTIONS } from '@slipway/model';
import type { Change, ApprovalView as ChangeApprovalView, ChangeService } from '../changes/change.service.js';
import type { ArtifactStore } from '../library/artifact-store.js';
import type { Actor } from '../platform/actor.js';
import type { AuditEntry, AuditTrail, AuditVerification } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type {
  ApprovalView,
  HistoryItem,
  PromotionView,
  RehearsalView,
  Release,
  ReleasePlan,
  ReleaseService,
  ReviewView,
} from './release.service.js';
import type { ReleaseContentService, ReleaseContents, TargetSummary } from './release-content.service.js';
import type { ReleaseTestService, TestView } from './release-test.service.js';
import { type ArchiveEntry, safeFileName, tarGzStream } from './tar-archive.js';

/**
 * Where the rollout module plugs its records into the evidence pack: the rollouts of a release
 * (per environment: strategy, waves, per-target results with artifact digests, timings, back-outs)
 * as plain JSON. Until a source is registered the pack says so (`source: null`).
 */
export interface RolloutRecordSource {
  name: string;
  recordsFor(releaseId: number): Promise<Record<string, unknown>[]>;
}

export class RolloutRecordRegistry {
  #source: RolloutRecordSource | undefined;

  register(source: RolloutRecordSource): void {
    if (this.#source) throw new Error(`Rollout records already come from ${this.#source.name}`);
    this.#source = source;
  }

  async recordsFor(releaseId: number): Promise<{ source: string | null; records: Record<string, unknown>[] }> {
    if (!this.#source) return { source: null, records: [] };
    return { source: this.#source.name, records: await this.#source.recordsFor(releaseId) };
  }
}

export interface EvidenceChange {
  change: Change;
  approvals: ChangeApprovalView[];
}

/** Everything an auditor samples about one release, in one document. */
export interface EvidencePack {
  format: 'slipway.release-evidence/1';
  generatedAt: string;
  generatedBy: string;
  release: Release;
  policy: { current: number; judgedBy: number[] };
  plan: ReleasePlan;
  contents: ReleaseContents;
  targets: TargetSummary;
  changes: EvidenceChange[];
  approvals: ApprovalView[];
  tests: TestView[];
  promotions: PromotionView[];
  rehearsals: RehearsalView[];
  review: ReviewView | null;
  history: HistoryItem[];
  rollouts: { source: string | null; records: Record<string, unknown>[] };
  audit: {
    /** Entries about the release, its changes, its artifacts and its hardware reservations, oldest first. */
    entries: AuditEntry[];
    truncated: boolean;
    verification: Pick<AuditVerification, 'ok' | 'entries' | 'headSeq' | 'checkpoints' | 'firstBad'>;
  };
}

const MAX_AUDIT_ENTRIES = 10_000;
const AUDIT_PAGE = 1000;

function line(value: string | null | undefined): string {
  return (value ?? '').replace(/\r?\n/g, ' ').trim();
}

/** Markdown-safe table cell. */
function cell(value: string | number | null | undefined): string {
  return line(String(value ?? '')).replace(/\|/g, '\\|') || '–';
}

/**
 * Release notes and the auditor's evidence pack: assembled from the release's own services (and
 * the change, library and audit services) at the moment they are asked for, so they always say
 * what is true now; the pack carries the audit excerpt and a fresh chain verification so an
 * auditor can tell the records were not edited after the fact.
 */
export class ReleaseEvidenceService {
  constructor(
    private readonly releases: ReleaseService,
    private readonly content: ReleaseContentService,
    private readonly tests: ReleaseTestService,
    private readonly changes: ChangeService,
    private readonly audit: AuditTrail,
    private readonly db: Parameters<AuditTrail['list']>[0],
    private readonly store: ArtifactStore,
    private readonly rollouts: RolloutRecordRegistry,
    private readonly clock: Clock,
  ) {}

  async #auditOf(
    objects: { type: string; id: string | number }[],
  ): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
    const bySeq = new Map<number, AuditEntry>();
    let truncated = false;
    for (const object of objects) {
      let beforeSeq: number | undefined;
      for (;;) {
        const page = await this.audit.list(this.db, {
          objectType: object.type,
          objectId: String(object.id),
          beforeSeq,
          limit: AUDIT_PAGE,
        });
        for (const entry of page) bySeq.set(entry.seq, entry);
        if (bySeq.size >= MAX_AUDIT_ENTRIES) {
          truncated = true;
          break;
        }
        if (page.length < AUDIT_PAGE) break;
        beforeSeq = page.at(-1)?.seq;
      }
      if (truncated) break;
    }
    return { entries: [...bySeq.values()].sort((a, b) => a.seq - b.seq), truncated };
  }

  async evidence(actor: Actor, releaseId: number): Promise<EvidencePack> {
    const release = await this.releases.get(releaseId);
    const [plan, contents, targets, approvals, tests, promotions, rehearsals, review, history, linked, rollouts] =
      await Promise.all([
        this.releases.plan(releaseId),
        this.content.contents(releaseId),
        this.content.targetSummary(releaseId),
        this.releases.approvals(releaseId),
        this.tests.list(releaseId),
        this.releases.promotions(releaseId),
        this.releases.rehearsals(releaseId),
        this.releases.review(releaseId),
        this.releases.history(releaseId, undefined, 10_000),
        this.releases.linkedChanges(releaseId),
        this.rollouts.recordsFor(releaseId),
      ]);
    const changes: EvidenceChange[] = [];
    for (const change of linked) changes.push({ change, approvals: await this.changes.approvals(change.id) });
    const { entries, truncated } = await this.#auditOf([
      { type: 'release', id: releaseId },
      ...linked.map((c) => ({ type: 'change', id: c.id })),
      ...contents.artifacts.map((a) => ({ type: 'artifact', id: a.id })),
      ...contents.reservations.map((r) => ({ type: 'hardware_reservation', id: r.id })),
    ]);
    const verification = await this.audit.verify(this.db);
    const judgedBy = [...new Set(history.map((h) => h.policyVersion))].sort((a, b) => a - b);
    return {
      format: 'slipway.release-evidence/1',
      generatedAt: isoNow(this.clock),
      generatedBy: actor.username,
      release,
      policy: { current: release.policyVersion ?? 0, judgedBy },
      plan,
      contents,
      targets,
      changes,
      approvals,
      tests,
      promotions,
      rehearsals,
      review,
      history,
      rollouts,
      audit: {
        entries,
        truncated,
        verification: {
          ok: verification.ok,
          entries: verification.entries,
          headSeq: verification.headSeq,
          checkpoints: verification.checkpoints,
          firstBad: verification.firstBad,
        },
      },
    };
  }

  /** Release notes in Markdown, from the release, its contents, changes, tests and known issues. */
  async notes(releaseId: number): Promise<string> {
    const release = await this.releases.get(releaseId);
    const [plan, contents, targets, tests, linked] = await Promise.all([
      this.releases.plan(releaseId),
      this.content.contents(releaseId),
      this.content.targetSummary(releaseId),
      this.tests.list(releaseId),
      this.releases.linkedChanges(releaseId),
    ]);
    return renderNotes({ release, plan, contents, targets, tests, changes: linked });
  }

  /**
   * The evidence pack as one tar.gz: evidence.json, release-notes.md, every evidence file of a
   * test result (as uploaded, content-addressed) and SHA256SUMS over all of them.
   */
  async archive(actor: Actor, releaseId: number): Promise<{ fileName: string; stream: Readable }> {
    const pack = await this.evidence(actor, releaseId);
    const notes = await this.notes(releaseId);
    const root = `release-${releaseId}`;
    const mtime = new Date(pack.generatedAt);
    const json = Buffer.from(`${JSON.stringify(pack, null, 2)}\n`);
    const markdown = Buffer.from(notes);
    const sums: string[] = [];
    const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
    const entries: ArchiveEntry[] = [
      { name: `${root}/evidence.json`, size: json.length, mtime, content: json },
      { name: `${root}/release-notes.md`, size: markdown.length, mtime, content: markdown },
    ];
    sums.push(`${sha(json)}  evidence.json`, `${sha(markdown)}  release-notes.md`);
    for (const test of pack.tests) {
      const file = test.evidence.file;
      if (!file) continue;
      const stat = await this.store.stat(file.sha256);
      if (!stat) continue;
      const name = `evidence/test-${test.id}-${safeFileName(file.name, 'evidence')}`;
      entries.push({
        name: `${root}/${name}`,
        size: stat.size,
        mtime: new Date(test.recordedAt),
        content: () => this.store.read(file.sha256) as AsyncIterable<Uint8Array>,
      });
      sums.push(`${file.sha256}  ${name}`);
    }
    const sumsFile = Buffer.from(`${sums.join('\n')}\n`);
    entries.push({ name: `${root}/SHA256SUMS`, size: sumsFile.length, mtime, content: sumsFile });
    return { fileName: `${root}-evidence.tar.gz`, stream: tarGzStream(entries) };
  }
}

export function renderNotes(input: {
  release: Release;
  plan: ReleasePlan;
  contents: ReleaseContents;
  targets: TargetSummary;
  tests: TestView[];
  changes: Change[];
}): string {
  const { release, plan, contents, targets, tests, changes } = input;
  const out: string[] = [];
  out.push(`# ${release.unit.name} ${release.releaseVersion} — ${line(release.title)}`, '');
  out.push(
    `- **Release** #${release.id}, ${release.type} ${release.element.replace('_', ' ')} release, state **${release.state}**`,
    `- **Window** ${release.plannedStart ? `${release.plannedStart} – ${release.plannedEnd}` : 'not planned yet'}`,
    `- **Rollout strategy** ${release.rolloutStrategy.replace('_', ' ')}`,
    `- **Requested by** ${release.requester.username}${release.implementer ? `; implemented by ${release.implementer.username}` : ''}`,
    '',
  );
  if (release.description.trim()) out.push(release.description.trim(), '');
  const scope = plan.sections.find((s) => s.key === 'scope');
  if (scope?.content.trim()) out.push('## Scope', '', scope.content.trim(), '');

  out.push('## Contents', '');
  if (contents.artifacts.length === 0 && contents.reservations.length === 0 && contents.ciChanges.length === 0) {
    out.push('Nothing yet.', '');
  }
  if (contents.artifacts.length > 0) {
    out.push('| Artifact | Version | Licence | SHA-256 | Signature |', '| --- | --- | --- | --- | --- |');
    for (const a of contents.artifacts) {
      out.push(
        `| ${cell(a.name)} | ${cell(a.artifactVersion)} | ${cell(a.license)} | \`${a.sha256.slice(0, 16)}…\` | ${cell(a.signature?.status ?? 'unsigned')} |`,
      );
    }
    out.push('');
  }
  for (const r of contents.reservations) {
    out.push(
      `- Hardware reservation #${r.id} (${r.state}): ${r.lines.map((l) => `${l.quantity} × model ${l.modelId} at site ${l.siteId}`).join(', ')}`,
    );
  }
  for (const c of contents.ciChanges) {
    out.push(
      `- ${c.ci.class}/${c.ci.name}: ${c.attribute} ${JSON.stringify(c.current)} → ${JSON.stringify(c.value)}${c.note ? ` (${line(c.note)})` : ''}`,
    );
  }
  if (contents.reservations.length + contents.ciChanges.length > 0) out.push('');

  out.push('## Targets', '');
  for (const env of targets.environments.filter((e) => e.count > 0)) {
    out.push(
      `- **${env.environment}**: ${env.count} CI${env.count === 1 ? '' : 's'}${env.queries.length ? ` (${env.queries.map((q) => `${q.name}: ${q.count}`).join(', ')})` : ''}`,
    );
  }
  if (!targets.environments.some((e) => e.count > 0)) out.push('None yet.');
  out.push('');

  out.push('## Changes', '');
  if (changes.length === 0) out.push('No request for change is linked yet.');
  for (const c of changes) {
    out.push(
      `- Change #${c.id} (${c.type}, ${c.state}): ${line(c.title)} — ${c.approval.met ? `approved by ${c.approval.approvals.map((a) => a.approverName).join(', ') || 'its template'}` : `awaiting approval (${c.approval.missing.join('; ')})`}`,
    );
  }
  out.push('');

  out.push('## Tests', '');
  const current = tests.filter((t) => t.current);
  if (current.length === 0) out.push('No results for the current build yet.');
  else {
    out.push('| Environment | Protocol | Outcome | Summary | Recorded by |', '| --- | --- | --- | --- | --- |');
    for (const t of current) {
      out.push(
        `| ${cell(t.environment)} | ${cell(t.protocol)} | ${cell(t.outcome)} | ${cell(t.summary)} | ${cell(t.recordedBy.name)} |`,
      );
    }
  }
  const missing = Object.entries(release.requiredTests).flatMap(([env, protocols]) =>
    protocols
      .filter((p) => !current.some((t) => t.environment === env && t.protocol === p && t.outcome === 'passed'))
      .map((p) => `${p} in ${env}`),
  );
  if (missing.length > 0) out.push('', `Still required: ${missing.join(', ')}.`);
  out.push('');

  out.push('## Known issues', '', release.knownIssues.trim() || 'None known.', '');
  const backout = plan.sections.find((s) => s.key === 'backout_plan');
  out.push('## Back-out', '', backout?.content.trim() || 'No back-out plan written yet.', '');
  const support = plan.sections.find((s) => s.key === 'early_life_support');
  if (support?.content.trim()) out.push('## Early-life support', '', support.content.trim(), '');
  const titles = new Map<string, string>(PLAN_SECTIONS.map((s) => [s.key, s.title]));
  const open = plan.sections.filter((s) => s.required && (!s.owner || !s.content.trim()));
  if (open.length > 0)
    out.push(`_Plan sections still open: ${open.map((s) => titles.get(s.key) ?? s.key).join(', ')}._`, '');
  return `${out.join('\n').trimEnd()}\n`;
}
