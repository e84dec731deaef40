import type { FastifyBaseLogger } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { changeRepository } from '../changes/change.repository.js';
import { graphChangeRepository } from '../cmdb/graph/graph.repository.js';
import type { AppContext } from '../platform/context.js';
import { instanceRepository } from '../platform/instances/instance.repository.js';
import { DEAD_AFTER_MS } from '../platform/instances/instance-registry.js';
import { jobRepository } from '../platform/jobs/job.repository.js';
import { SLIPWAY_VERSION } from '../version.js';

/**
 * What an operator of several instances watches besides requests: which instance is which (its
 * job lease owner id), how far each instance's in-memory indexes trail the database (entries of
 * the change logs committed by any instance but not yet applied here; 0 in a healthy cluster,
 * back to 0 within a second of a write), and the durable job queue. Values are read when
 * Prometheus scrapes. A failed read leaves the last value rather than failing the scrape: the
 * request metrics must still get through while the database is unreachable.
 */
export function registerInstanceMetrics(registry: Registry, ctx: AppContext, logger: FastifyBaseLogger): void {
  const db = ctx.database.db;
  const log = (error: unknown) => logger.warn({ err: error }, 'reading a metric from the database failed');

  new Gauge({
    name: 'slipway_instance_info',
    help: "This instance: its id as lease owner of durable jobs, and Slipway's version (always 1)",
    labelNames: ['worker_id', 'version'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.set({ worker_id: ctx.jobs.workerId, version: SLIPWAY_VERSION }, 1);
    },
  });

  new Gauge({
    name: 'slipway_instances_live',
    help: 'Instances of this installation with a heartbeat in the last 15 s (the same on every instance)',
    registers: [registry],
    async collect() {
      try {
        this.set((await instanceRepository.live(db, DEAD_AFTER_MS)).length);
      } catch (error) {
        log(error);
      }
    },
  });

  new Gauge({
    name: 'slipway_graph_index_lag_entries',
    help: "Graph change log entries committed (by any instance) but not yet applied to this instance's impact index",
    registers: [registry],
    async collect() {
      try {
        const head = await graphChangeRepository.latestSeq(db);
        this.set(Math.max(0, head - ctx.cmdb.impact.appliedSeq));
      } catch (error) {
        log(error);
      }
    },
  });

  new Gauge({
    name: 'slipway_change_index_lag_entries',
    help: "Change calendar log entries committed (by any instance) but not yet applied to this instance's conflict index",
    registers: [registry],
    async collect() {
      try {
        const head = await changeRepository.indexLogHead(db);
        this.set(Math.max(0, head - ctx.changes.index.appliedSeq));
      } catch (error) {
        log(error);
      }
    },
  });

  new Gauge({
    name: 'slipway_jobs',
    help: 'Durable jobs in the database by kind and state (pending, running, succeeded, dead); the same on every instance',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await jobRepository.countByKindAndState(db);
        this.reset();
        for (const c of counts) this.set({ kind: c.kind, state: c.state }, c.n);
      } catch (error) {
        log(error);
      }
    },
  });

  new Gauge({
    name: 'slipway_jobs_running_here',
    help: 'Durable jobs this instance is running now, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of ctx.jobs.runningByKind()) this.set({ kind }, n);
    },
  });
}
