import type { Kysely } from 'kysely';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import { readJson } from '../cmdb/json-column.js';
import type { HardwareService } from '../hardware/hardware.service.js';
import { type Actor, systemActor } from '../platform/actor.js';
import type { Database } from '../platform/database-schema.js';
import type { PolicyService } from '../policy/policy.service.js';
import { releaseCmdbRepository } from '../releases/release-cmdb.repository.js';
import type { ReleaseServices } from '../releases/releases.module.js';
import { toCandidate } from '../releases/target-resolver.js';
import type { RolloutRow } from './rollout.repository.js';

const ACTOR: Actor = systemActor('rollout-engine');
const PAGE = 1000;

export interface VerificationReport {
  rolloutId: number;
  checkedAt: string;
  expected: { product: string; version: string }[];
  checked: number;
  ok: number;
  /** Deployed targets where the CMDB or the executor's report differs from the manifest. */
  drift: {
    ci: { id: number; class: string; name: string };
    product: string;
    expected: string;
    inCmdb: string[];
    reported: string | null;
  }[];
  /** Software on deployed targets that neither the pre-rollout baseline nor the manifest explains. */
  unauthorized: {
    ci: { id: number; class: string; name: string };
    software: { id: number; name: string; version: string | null };
  }[];
}

function productOf(attributes: Record<string, unknown>, name: string): { product: string; version: string | null } {
  const product = typeof attributes.product === 'string' ? attributes.product : name.replace(/\s+\S+$/, '');
  const version = typeof attributes.version === 'string' ? attributes.version : null;
  return { product, version };
}

/**
 * What a rollout does to the CMDB, through the CMDB's services: after success it records the
 * release's software as installed on every deployed target (relationships with origin
 * `rollout:<id>`, replacing other versions of the same product) and applies the release's planned
 * attribute changes (history context `release:<id>`); a back-out restores the changed targets to
 * the pre-rollout baseline; a verification compares the manifest with the CMDB and the facts the
 * executors reported.
 */
export class RolloutCmdb {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cmdb: CmdbServices,
    private readonly releases: ReleaseServices,
    private readonly hardware: HardwareService,
    private readonly policy: PolicyService,
    private readonly now: () => string,
  ) {}

  /**
   * DHS items the release reserved become CIs when the release reaches the last environment
   * (production): each reserved item is deployed through the hardware store (CI of its model's
   * class, located at its site). Problems (a site without a CMDB CI…) are reported, not fatal:
   * the software is deployed either way.
   */
  async #deployHardware(rollout: RolloutRow): Promise<{ deployed: number; problems: string[] }> {
    const environments = (await this.policy.current()).policy.environments;
    if (environments.at(-1) !== rollout.environment) return { deployed: 0, problems: [] };
    const contents = await this.releases.content.contents(rollout.release_id);
    let deployed = 0;
    const problems: string[] = [];
    for (const reservation of contents.reservations) {
      if (reservation.state === 'released') continue;
      for (const itemId of reservation.itemIds) {
        const item = await this.hardware.getItem(itemId);
        if (item.state !== 'reserved') continue;
        try {
          await this.hardware.deploy(ACTOR, itemId, { ciName: `hw-${item.serial}`, environment: rollout.environment });
          deployed++;
        } catch (error) {
          problems.push(`item ${itemId} (${item.serial}): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    return { deployed, problems };
  }

  async #artifacts(releaseId: number): Promise<{ name: string; version: string }[]> {
    const contents = await this.releases.content.contents(releaseId);
    return contents.artifacts.map((a) => ({ name: a.name, version: a.artifactVersion }));
  }

  async refresh(
    rollout: RolloutRow,
    deployedCiIds: readonly number[],
  ): Promise<{ hardware: { deployed: number; problems: string[] } }> {
    const context = `release:${rollout.release_id}`;
    const artifacts = await this.#artifacts(rollout.release_id);
    if (deployedCiIds.length > 0 && artifacts.length > 0) {
      const hosts = await releaseCmdbRepository.cisByIds(this.db, deployedCiIds);
      const lines: string[] = [];
      for (const a of artifacts) {
        const swName = `${a.name} ${a.version}`;
        lines.push(
          JSON.stringify({
            kind: 'ci',
            class: 'software',
            name: swName,
            attributes: { product: a.name, version: a.version },
          }),
        );
        for (const h of hosts) {
          lines.push(
            JSON.stringify({
              kind: 'relationship',
              source: `software/${swName}`,
              type: 'installed_on',
              target: `${h.class}/${h.name}`,
            }),
          );
        }
      }
      async function* body() {
        for (let i = 0; i < lines.length; i += PAGE) yield `${lines.slice(i, i + PAGE).join('\n')}\n`;
      }
      const result = await this.cmdb.imports.run(ACTOR, body(), { source: `rollout:${rollout.id}` });
      if (result.errorCount > 0)
        throw new Error(`CMDB refresh of rollout ${rollout.id}: ${result.errors[0]?.message ?? 'import failed'}`);
      // The release replaces other versions of the same products on its targets.
      const products = new Map(artifacts.map((a) => [a.name.toLowerCase(), a.version]));
      for (const sw of await releaseCmdbRepository.softwareOn(this.db, deployedCiIds)) {
        const { product, version } = productOf(toCandidate(sw).attributes, sw.name);
        const wanted = products.get(product.toLowerCase());
        if (wanted === undefined || version === wanted) continue;
        const edges = await this.cmdb.relationships.list({
          sourceId: sw.id,
          targetId: sw.host_id,
          type: 'installed_on',
          limit: 10,
        });
        for (const e of edges) await this.cmdb.relationships.delete(ACTOR, e.id, context);
      }
    }
    const contents = await this.releases.content.contents(rollout.release_id);
    const byCi = new Map<number, Record<string, unknown>>();
    for (const change of contents.ciChanges) {
      const patch = byCi.get(change.ci.id) ?? {};
      patch[change.attribute] = change.value;
      byCi.set(change.ci.id, patch);
    }
    for (const [ciId, attributes] of byCi) await this.cmdb.cis.update(ACTOR, ciId, { attributes }, undefined, context);
    return { hardware: await this.#deployHardware(rollout) };
  }

  /** Back to the pre-rollout baseline for the changed targets (and the CIs the release's attribute changes touched). */
  async restore(rollout: RolloutRow, changedCiIds: readonly number[]): Promise<void> {
    const context = `release:${rollout.release_id}`;
    const changed = new Set(changedCiIds);
    // 1. Relationships the rollout created.
    let afterId: number | undefined;
    for (;;) {
      const page = await this.cmdb.relationships.list({ origin: `rollout:${rollout.id}`, afterId, limit: PAGE });
      for (const rel of page)
        if (changed.has(rel.targetId)) await this.cmdb.relationships.delete(ACTOR, rel.id, context);
      if (page.length < PAGE) break;
      afterId = page.at(-1)?.id;
    }
    if (rollout.baseline_id === null) return;
    // 2. installed_on edges into changed targets that the baseline had and the CMDB lost.
    let after: [number, string, number] | undefined;
    for (;;) {
      const page = await this.cmdb.baselines.listRelationships(rollout.baseline_id, { after, limit: PAGE });
      for (const rel of page) {
        if (rel.type !== 'installed_on' || !changed.has(rel.targetId)) continue;
        const live = await this.cmdb.relationships.list({
          sourceId: rel.sourceId,
          targetId: rel.targetId,
          type: 'installed_on',
          limit: 1,
        });
        if (live.length === 0) {
          await this.cmdb.relationships
            .create(ACTOR, { sourceId: rel.sourceId, type: 'installed_on', targetId: rel.targetId }, context)
            .catch(() => undefined);
        }
      }
      if (page.length < PAGE) break;
      const last = page.at(-1);
      after = last ? [last.sourceId, last.type, last.targetId] : undefined;
    }
    // 3. Attributes of the changed targets and of CIs with planned changes, as the baseline had them.
    const contents = await this.releases.content.contents(rollout.release_id);
    const touched = new Set([...changed, ...contents.ciChanges.map((c) => c.ci.id)]);
    let afterCiId: number | undefined;
    for (;;) {
      const page = await this.cmdb.baselines.listCis(rollout.baseline_id, { afterCiId, limit: PAGE });
      const relevant = page.filter((c) => touched.has(c.id));
      const live = new Map(
        (
          await releaseCmdbRepository.cisByIds(
            this.db,
            relevant.map((c) => c.id),
          )
        ).map((c) => [c.id, toCandidate(c)]),
      );
      for (const snapshot of relevant) {
        const now = live.get(snapshot.id);
        if (!now) continue;
        const patch: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(snapshot.attributes))
          if (JSON.stringify(now.attributes[k]) !== JSON.stringify(v)) patch[k] = v;
        for (const k of Object.keys(now.attributes)) if (!(k in snapshot.attributes)) patch[k] = null;
        if (Object.keys(patch).length > 0)
          await this.cmdb.cis.update(ACTOR, snapshot.id, { attributes: patch }, undefined, context);
      }
      if (page.length < PAGE) break;
      afterCiId = page.at(-1)?.id;
    }
  }

  async verify(rollout: RolloutRow): Promise<VerificationReport> {
    const artifacts = await this.#artifacts(rollout.release_id);
    const targets = await this.db
      .selectFrom('rollout_targets')
      .select(['ci_id', 'ci_class', 'ci_name', 'facts'])
      .where('rollout_id', '=', rollout.id)
      .where('state', '=', 'deployed')
      .orderBy('ci_id')
      .execute();
    const ids = targets.map((t) => t.ci_id);
    const software = await releaseCmdbRepository.softwareOn(this.db, ids);
    const onHost = new Map<number, { id: number; name: string; product: string; version: string | null }[]>();
    for (const sw of software) {
      const list = onHost.get(sw.host_id) ?? [];
      list.push({ id: sw.id, name: sw.name, ...productOf(toCandidate(sw).attributes, sw.name) });
      onHost.set(sw.host_id, list);
    }
    const baselineSoftware = new Map<number, Set<number>>();
    if (rollout.baseline_id !== null) {
      let after: [number, string, number] | undefined;
      for (;;) {
        const page = await this.cmdb.baselines.listRelationships(rollout.baseline_id, { after, limit: PAGE });
        for (const rel of page) {
          if (rel.type !== 'installed_on') continue;
          const set = baselineSoftware.get(rel.targetId) ?? new Set<number>();
          set.add(rel.sourceId);
          baselineSoftware.set(rel.targetId, set);
        }
        if (page.length < PAGE) break;
        const last = page.at(-1);
        after = last ? [last.sourceId, last.type, last.targetId] : undefined;
      }
    }
    const report: VerificationReport = {
      rolloutId: rollout.id,
      checkedAt: this.now(),
      expected: artifacts.map((a) => ({ product: a.name, version: a.version })),
      checked: targets.length,
      ok: 0,
      drift: [],
      unauthorized: [],
    };
    const manifest = new Map(artifacts.map((a) => [a.name.toLowerCase(), a.version]));
    for (const t of targets) {
      const ci = { id: t.ci_id, class: t.ci_class, name: t.ci_name };
      const installed = onHost.get(t.ci_id) ?? [];
      const facts = t.facts ? readJson<{ installed?: { product?: string; version?: string }[] }>(t.facts) : null;
      let clean = true;
      for (const a of artifacts) {
        const inCmdb = installed
          .filter((s) => s.product.toLowerCase() === a.name.toLowerCase())
          .map((s) => s.version ?? '?');
        const reportedEntry = facts?.installed?.find((f) => f.product?.toLowerCase() === a.name.toLowerCase());
        const reported = facts ? (reportedEntry?.version ?? 'absent') : null;
        if (!inCmdb.includes(a.version) || inCmdb.length > 1 || (reported !== null && reported !== a.version)) {
          clean = false;
          report.drift.push({ ci, product: a.name, expected: a.version, inCmdb, reported });
        }
      }
      const before = baselineSoftware.get(t.ci_id) ?? new Set<number>();
      for (const s of installed) {
        const explained = before.has(s.id) || manifest.get(s.product.toLowerCase()) === s.version;
        if (!explained) {
          clean = false;
          report.unauthorized.push({ ci, software: { id: s.id, name: s.name, version: s.version } });
        }
      }
      if (clean) report.ok++;
    }
    return report;
  }
}
