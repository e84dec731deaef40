import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { pipeline, Transform } from 'node:stream';
import {
  type ArtifactState,
  artifactTransitionAllowed,
  LIBRARY_RULES,
  RELEASE_ELEMENTS,
  type ReleaseElement,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import { writeJson } from '../cmdb/json-column.js';
import { type Actor, sodWaived } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import { type Db, isUniqueViolation } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import {
  AppError,
  ConflictError,
  DomainRuleError,
  IllegalTransitionError,
  InputError,
  NotFoundError,
  SodViolation,
  StaleVersionError,
} from '../platform/errors.js';
import type { PolicyService } from '../policy/policy.service.js';
import { type ArtifactStore, ContentTooLargeError, type StagedContent } from './artifact-store.js';
import { type Artifact, artifactAuditView, type SoftwareRange, toArtifact } from './artifact-view.js';
import { type ArtifactListFilter, type ArtifactRow, libraryRepository } from './library.repository.js';
import { LicencePolicyEvaluator } from './licence-policy.js';
import { parseMinisignSignature } from './minisign.js';
import { auditRefusals } from './refusal-audit.js';
import { isUploader, type SbomService } from './sbom.service.js';
import { parseSignatureInput, type SignatureService } from './signature.service.js';
import { parseSpdxExpression, SpdxParseError } from './spdx-expression.js';

const semver = createRequire(import.meta.url)('semver') as { validRange(range: string): string | null };

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// Product names are what vendors call them ("Veeam Backup & Replication", ".NET Runtime"): any
// printable text; they are never used as file names (downloads sanitise them).
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
export const ARTIFACT_NAME_PATTERN = /^[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]{0,199}$/;
export const ARTIFACT_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+~:-]{0,99}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_RANGES = 100;

/** The metadata of a push. */
export interface ArtifactInput {
  name: string;
  artifactVersion: string;
  license: string;
  element?: string | null | undefined;
  supplier?: string | null | undefined;
  description?: string | undefined;
  requires?: SoftwareRange[] | undefined;
  conflicts?: SoftwareRange[] | undefined;
}

export interface ArtifactPatch {
  license?: string | undefined;
  element?: string | null | undefined;
  supplier?: string | null | undefined;
  description?: string | undefined;
  requires?: SoftwareRange[] | undefined;
  conflicts?: SoftwareRange[] | undefined;
}

/** A rule-named reason an artifact may not be released or rolled out (the release module asks). */
export interface GateProblem {
  artifactId: number;
  rule: string;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  /** `ok`, `changed` (the bytes no longer hash to the recorded digest) or `missing`. */
  content: 'ok' | 'changed' | 'missing';
  expectedSha256: string;
  actualSha256: string | null;
  signature: { status: 'verified' | 'failed'; reason: string | null } | null;
  artifact: Artifact;
}

export interface ContentRead {
  artifact: Artifact;
  status: 200 | 206;
  start: number;
  end: number;
  stream: NodeJS.ReadableStream;
}

function checkRanges(field: 'requires' | 'conflicts', ranges: SoftwareRange[] | undefined): void {
  if (ranges === undefined) return;
  if (ranges.length > MAX_RANGES) throw new InputError(`${field} may list at most ${MAX_RANGES} entries`, { field });
  ranges.forEach((entry, i) => {
    if (entry.name.trim() === '' || entry.name.length > 200 || CONTROL.test(entry.name)) {
      throw new InputError(`${field}/${i}/name must be 1–200 printable characters`, { field: `${field}/${i}/name` });
    }
    if (entry.range.length > 200 || semver.validRange(entry.range) === null) {
      throw new InputError(`${field}/${i}/range "${entry.range}" is not a semver range (e.g. ">=3.0.0 <4")`, {
        field: `${field}/${i}/range`,
      });
    }
  });
}

/** Validates an SPDX licence expression; a bad one is a 400 that names the token. */
export function checkLicense(expression: string): void {
  try {
    parseSpdxExpression(expression);
  } catch (error) {
    if (error instanceof SpdxParseError) {
      throw new InputError(`license: ${error.message}`, { field: 'license', token: error.token, offset: error.offset });
    }
    throw error;
  }
}

function checkText(field: string, value: string | null | undefined, max: number): void {
  if (value === undefined || value === null) return;
  if (value.length > max || (field !== 'description' && CONTROL.test(value))) {
    throw new InputError(`${field} must be at most ${max} printable characters`, { field });
  }
}

function checkElement(element: string | null | undefined): void {
  if (element === undefined || element === null) return;
  if (!(RELEASE_ELEMENTS as readonly string[]).includes(element)) {
    throw new InputError(`element must be one of: ${RELEASE_ELEMENTS.join(', ')}`, { field: 'element' });
  }
}

/** Checks a push's metadata before a byte of content is read. */
export function checkArtifactInput(input: ArtifactInput): void {
  if (!ARTIFACT_NAME_PATTERN.test(input.name) || input.name.trim() !== input.name) {
    throw new InputError('name must be 1–200 printable characters, without leading or trailing spaces', {
      field: 'name',
    });
  }
  if (!ARTIFACT_VERSION_PATTERN.test(input.artifactVersion)) {
    throw new InputError('artifactVersion must be 1–100 characters: letters, digits and . _ + ~ : -', {
      field: 'artifactVersion',
    });
  }
  checkLicense(input.license);
  checkElement(input.element);
  checkText('supplier', input.supplier, 200);
  checkText('description', input.description, 10_000);
  checkRanges('requires', input.requires);
  checkRanges('conflicts', input.conflicts);
}

/** Parses `bytes=a-b`, `bytes=a-`, `bytes=-n`. Several ranges are answered with the whole content. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
  return { start, end };
}

/**
 * The software library's artifacts: push (streamed, content-addressed), lifecycle with
 * segregation of duties and policy gates, integrity verification, ranged download, and the
 * gate checks the release and rollout modules call.
 */
export class ArtifactService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly store: ArtifactStore,
    private readonly policy: PolicyService,
    private readonly signatures: SignatureService,
    private readonly sboms: SbomService,
    private readonly maxBytes: number,
  ) {}

  async #evaluator(): Promise<LicencePolicyEvaluator> {
    return new LicencePolicyEvaluator((await this.policy.current()).policy.licences);
  }

  async #view(row: ArtifactRow): Promise<Artifact> {
    const sboms = await libraryRepository.sbomSummaries(this.db, [row.id]);
    return toArtifact(row, await this.#evaluator(), sboms.get(row.id) ?? null);
  }

  async #require(db: Db, id: number): Promise<ArtifactRow> {
    const row = await libraryRepository.findArtifact(db, id);
    if (!row) throw new NotFoundError('artifact', id);
    return row;
  }

  async get(id: number): Promise<Artifact> {
    return this.#view(await this.#require(this.db, id));
  }

  /** The artifacts of the given ids that exist, in three queries whatever their number. */
  async getMany(ids: readonly number[]): Promise<Map<number, Artifact>> {
    const rows = await libraryRepository.findArtifactsByIds(this.db, [...new Set(ids)]);
    const evaluator = await this.#evaluator();
    const sboms = await libraryRepository.sbomSummaries(
      this.db,
      rows.map((row) => row.id),
    );
    return new Map(rows.map((row) => [row.id, toArtifact(row, evaluator, sboms.get(row.id) ?? null)]));
  }

  async list(filter: ArtifactListFilter): Promise<Artifact[]> {
    const evaluator = await this.#evaluator();
    const rows = await libraryRepository.listArtifacts(this.db, filter);
    const sboms = await libraryRepository.sbomSummaries(
      this.db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => toArtifact(row, evaluator, sboms.get(row.id) ?? null));
  }

  /**
   * Pushes an artifact: the content is streamed into the store's staging area while it is
   * hashed, then row and content are committed together. `created` is false when the same
   * name, version and content were already in the library (a retried or concurrent push).
   *
   * What must stay true: nothing is kept unless the row commits — a cut-off stream, a size
   * over the limit, a digest that differs from the one the client expected, or a name+version
   * clash all discard the staged file; the content is linked into the store inside the row's
   * transaction, so a row never points at content that was not stored.
   */
  async push(
    actor: Actor,
    input: ArtifactInput,
    content: AsyncIterable<Uint8Array>,
    options: { expectedSha256?: string | undefined; declaredLength?: number | undefined } = {},
  ): Promise<{ artifact: Artifact; created: boolean }> {
    return auditRefusals(this.db, this.audit, actor, { action: 'artifact.push', objectType: 'artifact' }, async () => {
      checkArtifactInput(input);
      const expected = options.expectedSha256?.toLowerCase();
      if (expected !== undefined && !SHA256_HEX.test(expected)) {
        throw new InputError('The expected SHA-256 must be 64 hex digits', { field: 'sha256' });
      }
      if (options.declaredLength !== undefined && options.declaredLength > this.maxBytes) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `The artifact is larger than this server accepts (${this.maxBytes} bytes)`,
          {
            limit: this.maxBytes,
          },
        );
      }
      const existing = await libraryRepository.findByNameVersion(this.db, input.name, input.artifactVersion);
      if (existing && expected !== undefined && existing.sha256 !== expected) throw this.#clash(existing);

      let staged: StagedContent;
      try {
        staged = await this.store.stage(content, { maxBytes: this.maxBytes });
      } catch (error) {
        if (error instanceof ContentTooLargeError) {
          throw new AppError('PAYLOAD_TOO_LARGE', error.message, { limit: error.limit });
        }
        throw error;
      }
      try {
        if (expected !== undefined && staged.sha256 !== expected) {
          throw new DomainRuleError(
            `The content's SHA-256 is ${staged.sha256}, not the ${expected} the client expected: the upload was corrupted or is not the file meant; nothing was kept`,
            { rule: LIBRARY_RULES.integrity, expectedSha256: expected, actualSha256: staged.sha256 },
          );
        }
        const pushed = await this.#insertPushed(actor, input, staged);
        // A repeated push answers the stored artifact, which may carry an SBOM by now.
        if (pushed.created) return pushed;
        return { artifact: await this.#view(await this.#require(this.db, pushed.artifact.id)), created: false };
      } finally {
        await staged.discard();
      }
    });
  }

  #clash(existing: ArtifactRow): ConflictError {
    return new ConflictError(
      `${existing.name} ${existing.artifact_version} is already in the library (artifact ${existing.id}) with other content (sha256 ${existing.sha256}); push a new version`,
      { existingId: existing.id, sha256: existing.sha256 },
    );
  }

  async #insertPushed(
    actor: Actor,
    input: ArtifactInput,
    staged: StagedContent,
  ): Promise<{ artifact: Artifact; created: boolean }> {
    // Read before the transaction: on SQLite a query outside the transaction's connection
    // would wait for the transaction, which waits for it.
    const evaluator = await this.#evaluator();
    const sameOrClash = (row: ArtifactRow) => {
      if (row.sha256 !== staged.sha256) throw this.#clash(row);
      return { artifact: toArtifact(row, evaluator, null), created: false };
    };
    try {
      return await this.db.transaction().execute(async (tx) => {
        const existing = await libraryRepository.findByNameVersion(tx, input.name, input.artifactVersion);
        if (existing) return sameOrClash(existing);
        const now = isoNow(this.clock);
        const row = await libraryRepository.insertArtifact(tx, {
          name: input.name,
          artifact_version: input.artifactVersion,
          sha256: staged.sha256,
          size: staged.size,
          element: input.element ?? null,
          supplier: input.supplier ?? null,
          license: input.license,
          description: input.description ?? '',
          requires: writeJson(input.requires ?? []),
          conflicts: writeJson(input.conflicts ?? []),
          state: 'quarantined',
          uploaded_by_id: actor.userId,
          uploaded_by: actor.username,
          approved_by: null,
          approved_at: null,
          state_reason: null,
          last_verified_at: now,
          signature: null,
          signature_key_id: null,
          signature_status: null,
          signature_reason: null,
          signature_trusted_comment: null,
          created_at: now,
          updated_at: now,
          version: 1,
        });
        await this.audit.record(tx, actor, {
          action: 'artifact.push',
          objectType: 'artifact',
          objectId: row.id,
          after: artifactAuditView(row),
        });
        // Last, so that any failure above leaves the store untouched; a commit that fails after
        // this leaves at most content without a row, never a row without content.
        await staged.commit();
        return { artifact: toArtifact(row, evaluator, null), created: true };
      });
    } catch (error) {
      // A concurrent push of the same name+version committed first (PostgreSQL reports the
      // unique index; SQLite's immediate transactions serialise and find the row above).
      if (!isUniqueViolation(error)) throw error;
      const winner = await libraryRepository.findByNameVersion(this.db, input.name, input.artifactVersion);
      if (!winner) throw error;
      return sameOrClash(winner);
    }
  }

  async update(actor: Actor, id: number, patch: ArtifactPatch, expectedVersion?: number): Promise<Artifact> {
    return auditRefusals(
      this.db,
      this.audit,
      actor,
      { action: 'artifact.update', objectType: 'artifact', objectId: id },
      async () => {
        if (patch.license !== undefined) checkLicense(patch.license);
        checkElement(patch.element);
        checkText('supplier', patch.supplier, 200);
        checkText('description', patch.description, 10_000);
        checkRanges('requires', patch.requires);
        checkRanges('conflicts', patch.conflicts);
        const row = await this.db.transaction().execute(async (tx) => {
          const current = await this.#require(tx, id);
          const version = expectedVersion ?? current.version;
          if (version !== current.version) throw new StaleVersionError('artifact', id, version, current.version);
          const gated = (['license', 'element', 'requires', 'conflicts'] as const).filter(
            (f) => patch[f] !== undefined,
          );
          if (current.state !== 'quarantined' && gated.length > 0) {
            throw new DomainRuleError(
              `Artifact ${id} is ${current.state}: ${gated.join(', ')} can change only while it is quarantined (${LIBRARY_RULES.approved})`,
              { rule: LIBRARY_RULES.approved, fields: gated },
            );
          }
          const updated = await libraryRepository.updateArtifact(tx, id, version, {
            ...(patch.license !== undefined && { license: patch.license }),
            ...(patch.element !== undefined && { element: patch.element }),
            ...(patch.supplier !== undefined && { supplier: patch.supplier }),
            ...(patch.description !== undefined && { description: patch.description }),
            ...(patch.requires !== undefined && { requires: writeJson(patch.requires) }),
            ...(patch.conflicts !== undefined && { conflicts: writeJson(patch.conflicts) }),
            updated_at: isoNow(this.clock),
          });
          if (!updated) throw new StaleVersionError('artifact', id, version, current.version + 1);
          await this.audit.record(tx, actor, {
            action: 'artifact.update',
            objectType: 'artifact',
            objectId: id,
            before: artifactAuditView(current),
            after: artifactAuditView(updated),
          });
          return updated;
        });
        return this.#view(row);
      },
    );
  }

  /**
   * Approves a quarantined artifact into the library. Refused (and audited) when the approver
   * uploaded it, when its content no longer matches its digest, when the policy denies or does
   * not know its licence or one of its SBOM components' (unless reviewed), or when its element
   * requires a signature that does not verify. Every refusal names its rule.
   */
  async approve(actor: Actor, id: number, expectedVersion?: number): Promise<Artifact> {
    return auditRefusals(
      this.db,
      this.audit,
      actor,
      { action: 'artifact.approve', objectType: 'artifact', objectId: id },
      async () => {
        const current = await this.#require(this.db, id);
        this.#checkTransition(current, 'approved');
        // Break-glass waives the rule, flagged: the approval's audit entry carries the elevation.
        if (isUploader(actor, current) && !sodWaived(actor)) {
          throw new SodViolation(
            `${actor.username} uploaded artifact ${id} (${current.name} ${current.artifact_version}); someone else must approve it (${LIBRARY_RULES.segregationOfDuties})`,
            { rule: LIBRARY_RULES.segregationOfDuties, uploadedBy: current.uploaded_by },
          );
        }
        // Approve exactly the bytes that were uploaded: re-hash now, and re-check the signature
        // against the keys trusted now.
        const check = await this.#checkContent(actor, current);
        if (!check.ok) {
          throw new DomainRuleError(
            `Artifact ${id} failed its integrity check (${check.content}) and is now compromised (${LIBRARY_RULES.integrity})`,
            { rule: LIBRARY_RULES.integrity },
          );
        }
        const problems = await this.#approvalProblems(check.row, await this.#evaluator());
        const first = problems[0];
        if (first) {
          throw new DomainRuleError(`Artifact ${id} cannot be approved: ${first.message} (${first.rule})`, {
            rule: first.rule,
            problems,
          });
        }
        const row = await this.db.transaction().execute(async (tx) => {
          const latest = await this.#require(tx, id);
          const version = expectedVersion ?? latest.version;
          if (version !== latest.version) throw new StaleVersionError('artifact', id, version, latest.version);
          this.#checkTransition(latest, 'approved');
          const now = isoNow(this.clock);
          const updated = await libraryRepository.updateArtifact(tx, id, version, {
            state: 'approved',
            approved_by: actor.username,
            approved_at: now,
            state_reason: null,
            updated_at: now,
          });
          if (!updated) throw new StaleVersionError('artifact', id, version, latest.version + 1);
          await this.audit.record(tx, actor, {
            action: 'artifact.approve',
            objectType: 'artifact',
            objectId: id,
            before: artifactAuditView(latest),
            after: artifactAuditView(updated),
          });
          return updated;
        });
        return this.#view(row);
      },
    );
  }

  async #approvalProblems(row: ArtifactRow, evaluator: LicencePolicyEvaluator): Promise<GateProblem[]> {
    const problems: GateProblem[] = [];
    const licence = evaluator.evaluate(row.license);
    if (licence.verdict !== 'allowed') {
      problems.push({ artifactId: row.id, rule: licence.rule, message: `licence ${row.license}: ${licence.reason}` });
    }
    for (const p of await this.sboms.problems(row.id, evaluator)) {
      problems.push({ artifactId: row.id, rule: p.rule, message: p.message });
    }
    if (row.element !== null) problems.push(...(await this.#signatureProblems(row, row.element as ReleaseElement)));
    return problems;
  }

  async #signatureProblems(row: ArtifactRow, element: ReleaseElement): Promise<GateProblem[]> {
    const required = (await this.policy.current()).policy.signatures.requiredFor.includes(element);
    if (!required) return [];
    if (row.signature === null) {
      return [
        {
          artifactId: row.id,
          rule: LIBRARY_RULES.signatureRequired,
          message: `the policy requires a signature from a trusted key for ${element} releases, and ${row.name} ${row.artifact_version} has none`,
        },
      ];
    }
    if (row.signature_status !== 'verified') {
      return [
        {
          artifactId: row.id,
          rule: LIBRARY_RULES.signatureRequired,
          message: `the policy requires a verified signature for ${element} releases: ${row.signature_reason ?? 'the signature does not verify'}`,
        },
      ];
    }
    return [];
  }

  async retire(actor: Actor, id: number, reason: string | null, expectedVersion?: number): Promise<Artifact> {
    return auditRefusals(
      this.db,
      this.audit,
      actor,
      { action: 'artifact.retire', objectType: 'artifact', objectId: id },
      async () => {
        checkText('reason', reason, 1000);
        const row = await this.db.transaction().execute(async (tx) => {
          const current = await this.#require(tx, id);
          const version = expectedVersion ?? current.version;
          if (version !== current.version) throw new StaleVersionError('artifact', id, version, current.version);
          this.#checkTransition(current, 'retired');
          const updated = await libraryRepository.updateArtifact(tx, id, version, {
            state: 'retired',
            state_reason: reason,
            updated_at: isoNow(this.clock),
          });
          if (!updated) throw new StaleVersionError('artifact', id, version, current.version + 1);
          await this.audit.record(tx, actor, {
            action: 'artifact.retire',
            objectType: 'artifact',
            objectId: id,
            before: artifactAuditView(current),
            after: artifactAuditView(updated),
          });
          return updated;
        });
        return this.#view(row);
      },
    );
  }

  #checkTransition(row: ArtifactRow, to: ArtifactState): void {
    const from = row.state as ArtifactState;
    if (!artifactTransitionAllowed(from, to)) {
      throw new IllegalTransitionError(
        'artifact',
        from,
        to,
        ['approved', 'retired'].filter((s) => artifactTransitionAllowed(from, s as ArtifactState)),
      );
    }
  }

  /** Attaches a minisign signature; it must verify against a trusted key (a refusal says why). */
  async attachSignature(actor: Actor, id: number, minisig: string): Promise<Artifact> {
    return auditRefusals(
      this.db,
      this.audit,
      actor,
      { action: 'artifact.signature.attach', objectType: 'artifact', objectId: id },
      async () => {
        const signature = parseSignatureInput(minisig);
        const current = await this.#require(this.db, id);
        if (current.state !== 'quarantined') {
          throw new DomainRuleError(
            `Artifact ${id} is ${current.state}: its signature can change only while it is quarantined (${LIBRARY_RULES.approved})`,
            { rule: LIBRARY_RULES.approved },
          );
        }
        const check = await this.signatures.verifyStored(signature, {
          sha256: current.sha256,
          size: Number(current.size),
        });
        if (!check.ok) {
          throw new DomainRuleError(
            `The signature does not verify: ${check.message} (${LIBRARY_RULES.signatureValid})`,
            {
              rule: LIBRARY_RULES.signatureValid,
              reason: check.reason,
              keyId: signature.keyId,
            },
          );
        }
        const row = await this.db.transaction().execute(async (tx) => {
          const latest = await this.#require(tx, id);
          const now = isoNow(this.clock);
          const updated = await libraryRepository.updateArtifact(tx, id, latest.version, {
            signature: minisig,
            signature_key_id: check.keyId,
            signature_status: 'verified',
            signature_reason: null,
            signature_trusted_comment: check.trustedComment,
            updated_at: now,
          });
          if (!updated) throw new StaleVersionError('artifact', id, latest.version, latest.version + 1);
          await this.audit.record(tx, actor, {
            action: 'artifact.signature.attach',
            objectType: 'artifact',
            objectId: id,
            before: artifactAuditView(latest),
            after: { ...artifactAuditView(updated), trustedComment: check.trustedComment },
          });
          return updated;
        });
        return this.#view(row);
      },
    );
  }

  /**
   * Re-hashes the stored content (and re-checks the signature, in the same pass). A changed or
   * missing file marks the artifact compromised, with an audit entry; a signature that no longer
   * verifies (its key was revoked) is recorded as failed.
   */
  async #checkContent(
    actor: Actor,
    row: ArtifactRow,
  ): Promise<{ ok: boolean; content: VerifyResult['content']; actualSha256: string | null; row: ArtifactRow }> {
    const signature = row.signature === null ? null : parseMinisignSignature(row.signature);
    const digests = await this.store.digest(row.sha256, { blake2b512: signature?.algorithm === 'ED' });
    const content: VerifyResult['content'] = !digests ? 'missing' : digests.sha256 !== row.sha256 ? 'changed' : 'ok';
    const now = isoNow(this.clock);
    let signatureUpdate: { signature_status: string; signature_reason: string | null } | undefined;
    if (signature && content === 'ok' && digests) {
      const check = await this.signatures.verifyStored(signature, {
        sha256: row.sha256,
        size: digests.size,
        blake2b512: digests.blake2b512,
      });
      signatureUpdate = check.ok
        ? { signature_status: 'verified', signature_reason: null }
        : { signature_status: 'failed', signature_reason: check.message };
    }
    const updated = await this.db.transaction().execute(async (tx) => {
      const latest = await this.#require(tx, row.id);
      if (content === 'ok') {
        const changedSignature =
          signatureUpdate !== undefined &&
          (signatureUpdate.signature_status !== latest.signature_status ||
            signatureUpdate.signature_reason !== latest.signature_reason);
        // The verification time is bookkeeping, not a change of the artifact: no version bump,
        // unless the signature's standing changed.
        if (!changedSignature) {
          await tx.updateTable('artifacts').set({ last_verified_at: now }).where('id', '=', row.id).execute();
          return { ...latest, last_verified_at: now };
        }
        const next = await libraryRepository.updateArtifact(tx, row.id, latest.version, {
          ...signatureUpdate,
          last_verified_at: now,
          updated_at: now,
        });
        await this.audit.record(tx, actor, {
          action: 'artifact.signature.recheck',
          objectType: 'artifact',
          objectId: row.id,
          before: artifactAuditView(latest),
          after: { ...artifactAuditView(next ?? latest), signatureReason: signatureUpdate?.signature_reason ?? null },
        });
        return next ?? latest;
      }
      if (latest.state === 'compromised') return latest;
      const reason =
        content === 'missing'
          ? `The stored content (sha256 ${row.sha256}) is missing`
          : `The stored content no longer matches its digest: expected sha256 ${row.sha256}, found ${digests?.sha256}`;
      const next = await libraryRepository.updateArtifact(tx, row.id, latest.version, {
        state: 'compromised',
        state_reason: reason,
        last_verified_at: now,
        updated_at: now,
      });
      await this.audit.record(tx, actor, {
        action: 'artifact.compromised',
        objectType: 'artifact',
        objectId: row.id,
        before: artifactAuditView(latest),
        after: { ...artifactAuditView(next ?? latest), reason },
      });
      return next ?? latest;
    });
    return { ok: content === 'ok', content, actualSha256: digests?.sha256 ?? null, row: updated };
  }

  async verify(actor: Actor, id: number): Promise<VerifyResult> {
    const row = await this.#require(this.db, id);
    if (row.state === 'compromised') {
      const artifact = await this.#view(row);
      const digests = await this.store.digest(row.sha256);
      return {
        ok: false,
        content: !digests ? 'missing' : digests.sha256 === row.sha256 ? 'ok' : 'changed',
        expectedSha256: row.sha256,
        actualSha256: digests?.sha256 ?? null,
        signature: artifact.signature && { status: artifact.signature.status, reason: artifact.signature.reason },
        artifact,
      };
    }
    const check = await this.#checkContent(actor, row);
    const artifact = await this.#view(check.row);
    return {
      ok: check.ok && (artifact.signature === null || artifact.signature.status === 'verified'),
      content: check.content,
      expectedSha256: row.sha256,
      actualSha256: check.actualSha256,
      signature: artifact.signature && { status: artifact.signature.status, reason: artifact.signature.reason },
      artifact,
    };
  }

  /** Verifies every artifact that is not already compromised, a page at a time. */
  async verifyAll(
    actor: Actor,
  ): Promise<{ checked: number; ok: number; compromised: number[]; signatureFailures: number[]; durationMs: number }> {
    const started = Date.now();
    const result = { checked: 0, ok: 0, compromised: [] as number[], signatureFailures: [] as number[] };
    let afterId = 0;
    for (;;) {
      const page = await libraryRepository.verifiableArtifacts(this.db, afterId, 100);
      if (page.length === 0) break;
      for (const row of page) {
        afterId = row.id;
        const check = await this.#checkContent(actor, row);
        result.checked++;
        if (!check.ok) result.compromised.push(row.id);
        else if (check.row.signature !== null && check.row.signature_status !== 'verified') {
          result.signatureFailures.push(row.id);
        } else result.ok++;
      }
    }
    return { ...result, durationMs: Date.now() - started };
  }

  /**
   * Opens the content for download. A compromised artifact is never served. A whole-file read
   * is hashed on the way out: if the bytes turn out not to match, the artifact is marked
   * compromised and the response is cut off, so an executor never receives a complete wrong file.
   */
  async openContent(actor: Actor, id: number, rangeHeader: string | undefined): Promise<ContentRead> {
    const row = await this.#require(this.db, id);
    if (row.state === 'compromised') {
      throw new DomainRuleError(
        `Artifact ${id} is compromised and is not served: ${row.state_reason ?? 'it failed an integrity check'} (${LIBRARY_RULES.integrity})`,
        { rule: LIBRARY_RULES.integrity },
      );
    }
    const size = Number(row.size);
    const stat = await this.store.stat(row.sha256);
    if (!stat || stat.size !== size) {
      await this.#checkContent(actor, row);
      throw new ConflictError(
        `The content of artifact ${id} is missing or changed; it is now marked compromised (${LIBRARY_RULES.integrity})`,
        { rule: LIBRARY_RULES.integrity },
      );
    }
    const artifact = await this.#view(row);
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      throw new AppError(
        'RANGE_NOT_SATISFIABLE',
        `The range "${rangeHeader}" lies outside the ${size} bytes of the content`,
        { size },
        {
          'content-range': `bytes */${size}`,
        },
      );
    }
    if (range) {
      return { artifact, status: 206, start: range.start, end: range.end, stream: this.store.read(row.sha256, range) };
    }
    const hash = crypto.createHash('sha256');
    const onMismatch = (actual: string) => {
      this.#checkContent(actor, row).catch(() => undefined);
      return new Error(`artifact ${id}: served bytes hash to ${actual}, not ${row.sha256}`);
    };
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        const actual = hash.digest('hex');
        callback(actual === row.sha256 ? null : onMismatch(actual));
      },
    });
    const source = size === 0 ? this.store.read(row.sha256) : this.store.read(row.sha256, { start: 0, end: size - 1 });
    // pipeline, not pipe: a client that goes away destroys the response stream, and that must
    // close the file too.
    pipeline(source, hashing, () => undefined);
    return { artifact, status: 200, start: 0, end: size - 1, stream: hashing };
  }

  /**
   * For the release and rollout modules: why these artifacts may not be released as part of a
   * release of `element` (empty when they all may). Every problem names its rule.
   */
  async gateProblems(artifactIds: readonly number[], element: ReleaseElement | null): Promise<GateProblem[]> {
    const rows = new Map((await libraryRepository.findArtifactsByIds(this.db, artifactIds)).map((r) => [r.id, r]));
    const evaluator = await this.#evaluator();
    const problems: GateProblem[] = [];
    for (const id of artifactIds) {
      const row = rows.get(id);
      if (!row) {
        problems.push({
          artifactId: id,
          rule: LIBRARY_RULES.approved,
          message: `Artifact ${id} is not in the library`,
        });
        continue;
      }
      const label = `${row.name} ${row.artifact_version} (artifact ${id})`;
      if (row.state === 'compromised') {
        problems.push({
          artifactId: id,
          rule: LIBRARY_RULES.integrity,
          message: `${label} is compromised: ${row.state_reason ?? 'it failed an integrity check'}`,
        });
        continue;
      }
      if (row.state !== 'approved') {
        problems.push({
          artifactId: id,
          rule: LIBRARY_RULES.approved,
          message: `${label} is ${row.state}, not approved`,
        });
      }
      const licence = evaluator.evaluate(row.license);
      if (licence.verdict !== 'allowed') {
        problems.push({
          artifactId: id,
          rule: licence.rule,
          message: `${label}: licence ${row.license}: ${licence.reason}`,
        });
      }
      for (const p of await this.sboms.problems(id, evaluator)) {
        problems.push({ artifactId: id, rule: p.rule, message: `${label}: ${p.message}` });
      }
      const signatureElement = element ?? (row.element as ReleaseElement | null);
      if (signatureElement) {
        for (const p of await this.#signatureProblems(row, signatureElement)) {
          problems.push({ ...p, message: `${label}: ${p.message}` });
        }
      }
    }
    return problems;
  }

  /** True when the artifact may be part of a release of its own element (or `element`). */
  async isReleasable(artifactId: number, element: ReleaseElement | null = null): Promise<boolean> {
    return (await this.gateProblems([artifactId], element)).length === 0;
  }

  /**
   * Before a rollout: re-hashes every artifact's content (marking changed ones compromised) and
   * then applies the gates. The rollout module calls this; it must not start when problems remain.
   */
  async verifyForRollout(
    actor: Actor,
    artifactIds: readonly number[],
    element: ReleaseElement | null,
  ): Promise<GateProblem[]> {
    for (const row of await libraryRepository.findArtifactsByIds(this.db, artifactIds)) {
      if (row.state !== 'compromised') await this.#checkContent(actor, row);
    }
    return this.gateProblems(artifactIds, element);
  }
}
