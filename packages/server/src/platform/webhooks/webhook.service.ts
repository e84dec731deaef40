import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { readJson, writeJson } from '../../cmdb/json-column.js';
import type { Actor } from '../actor.js';
import type { AuditTrail } from '../audit/audit.service.js';
import { type Clock, isoNow } from '../clock.js';
import type { Db } from '../database.js';
import type { Database } from '../database-schema.js';
import { ConflictError, DomainRuleError, InputError, NotFoundError, StaleVersionError } from '../errors.js';
import type { Job, JobRunner } from '../jobs/job-runner.js';
import { type ConnectGuard, OutboundClient, type Resolver } from '../outbound/outbound-client.js';
import { type AllowListEntry, allowListPatternProblem, OutboundRefusedError } from '../outbound/outbound-policy.js';
import type { DomainEvent, EventSink } from './domain-event.js';
import { SecretBox } from './secret-box.js';
import { type AttemptRow, type DeliveryRow, type SubscriptionRow, webhookRepository } from './webhook.repository.js';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';

export const WEBHOOK_JOB = 'webhook.deliver';
const PING_EVENT = 'webhook.ping';
const EVENT_PATTERN = /^(\*|[a-z][a-z_]*\.(\*|[a-z][a-z_]*))$/;
const MAX_SUBSCRIPTION_EVENTS = 100;

export interface WebhookSubscription {
  id: number;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface AllowListItem {
  id: number;
  pattern: string;
  allowPrivate: boolean;
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface WebhookDelivery {
  id: number;
  subscriptionId: number;
  eventId: string;
  eventType: string;
  state: 'pending' | 'succeeded' | 'dead';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface WebhookDeliveryDetail extends WebhookDelivery {
  payload: unknown;
  attemptLog: {
    attempt: number;
    at: string;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
    address: string | null;
  }[];
}

export interface WebhookOptions {
  resolver?: Resolver;
  connectGuard?: ConnectGuard;
  timeoutMs?: number;
  maxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
}

function toSubscription(row: SubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    events: readJson<string[]>(row.events),
    active: row.active === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    eventId: row.event_id,
    eventType: row.event_type,
    state: row.state as WebhookDelivery['state'],
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
  };
}

function toAttempt(row: AttemptRow): WebhookDeliveryDetail['attemptLog'][number] {
  return {
    attempt: row.attempt,
    at: row.at,
    statusCode: row.status_code,
    error: row.error,
    durationMs: row.duration_ms,
    address: row.address,
  };
}

export function eventMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

function newSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

/**
 * Webhooks: subscriptions (URL, event filter, a signing secret shown once), the outbound
 * allow-list, and delivery. Publishing an event writes one delivery row and one durable job per
 * matching subscription inside the caller's transaction; the job POSTs the signed payload
 * through the SSRF-guarded client and is retried with exponential backoff until it succeeds or
 * goes dead. Every attempt is logged with its status. Reusable by any domain (EventSink).
 */
export class WebhookService implements EventSink {
  readonly #secrets: SecretBox;
  readonly #knownEvents = new Set<string>([PING_EVENT]);
  #outbound: OutboundClient;
  #options: WebhookOptions;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    rootKey: Buffer,
    options: WebhookOptions = {},
  ) {
    this.#secrets = new SecretBox(rootKey, 'webhook secrets');
    this.#options = options;
    this.#outbound = this.#client();
    jobs.register<{ deliveryId: number }>(WEBHOOK_JOB, {
      handler: (job) => this.#deliver(job),
      maxAttempts: options.maxAttempts ?? 8,
      backoff: options.backoff ?? { baseMs: 10_000, maxMs: 3_600_000 },
      leaseMs: 60_000,
      concurrency: 8,
      onDead: (job, error) => this.#dead(job, error),
    });
  }

  #client(): OutboundClient {
    return new OutboundClient({
      allowList: () => this.allowListEntries(),
      ...(this.#options.resolver && { resolver: this.#options.resolver }),
      ...(this.#options.connectGuard && { connectGuard: this.#options.connectGuard }),
      timeoutMs: this.#options.timeoutMs ?? 10_000,
      maxResponseBytes: 64 * 1024,
      userAgent: 'Slipway-Webhooks/1',
    });
  }

  /** Replaces the resolver, connect guard or timeout (tests; embedding with a custom resolver). */
  configureOutbound(options: Pick<WebhookOptions, 'resolver' | 'connectGuard' | 'timeoutMs'>): void {
    this.#options = { ...this.#options, ...options };
    this.#outbound = this.#client();
  }

  /** Domains declare the events they emit, so subscriptions can be checked against them. */
  registerEventTypes(types: readonly string[]): void {
    for (const t of types) this.#knownEvents.add(t);
  }

  get eventTypes(): string[] {
    return [...this.#knownEvents].sort();
  }

  // Allow-list ------------------------------------------------------------------------------

  async allowListEntries(): Promise<AllowListEntry[]> {
    return (await webhookRepository.allowList(this.db)).map((r) => ({
      pattern: r.pattern,
      allowPrivate: r.allow_private === 1,
    }));
  }

  async listAllowList(): Promise<AllowListItem[]> {
    return (await webhookRepository.allowList(this.db)).map((r) => ({
      id: r.id,
      pattern: r.pattern,
      allowPrivate: r.allow_private === 1,
      note: r.note,
      createdBy: r.created_by,
      createdAt: r.created_at,
    }));
  }

  async addAllowListEntry(
    actor: Actor,
    input: { pattern: string; allowPrivate?: boolean; note?: string },
  ): Promise<AllowListItem> {
    const pattern = input.pattern.trim().toLowerCase();
    const allowPrivate = input.allowPrivate ?? false;
    const problem = allowListPatternProblem(pattern, allowPrivate);
    if (problem) throw new InputError(`pattern: ${problem}`, { field: 'pattern' });
    return this.db.transaction().execute(async (tx) => {
      const existing = await webhookRepository.findAllowListPattern(tx, pattern);
      if (existing)
        throw new ConflictError(`"${pattern}" is already on the allow-list (id ${existing.id})`, {
          existingId: existing.id,
        });
      const row = await webhookRepository.insertAllowListEntry(tx, {
        pattern,
        allow_private: allowPrivate ? 1 : 0,
        note: input.note ?? '',
        created_by: actor.username,
        created_at: isoNow(this.clock),
      });
      const item: AllowListItem = {
        id: row.id,
        pattern: row.pattern,
        allowPrivate: row.allow_private === 1,
        note: row.note,
        createdBy: row.created_by,
        createdAt: row.created_at,
      };
      await this.audit.record(tx, actor, {
        action: 'outbound_allow_list.add',
        objectType: 'outbound_allow_list',
        objectId: row.id,
        after: item,
      });
      return item;
    });
  }

  async removeAllowListEntry(actor: Actor, id: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await webhookRepository.findAllowListEntry(tx, id);
      if (!row) throw new NotFoundError('allow-list entry', id);
      await webhookRepository.deleteAllowListEntry(tx, id);
      await this.audit.record(tx, actor, {
        action: 'outbound_allow_list.remove',
        objectType: 'outbound_allow_list',
        objectId: id,
        before: { pattern: row.pattern, allowPrivate: row.allow_private === 1, note: row.note },
      });
    });
  }

  // Subscriptions ---------------------------------------------------------------------------

  #checkEvents(events: readonly string[]): string[] {
    if (events.length === 0)
      throw new InputError('events must name at least one event type or pattern', { field: 'events' });
    if (events.length > MAX_SUBSCRIPTION_EVENTS)
      throw new InputError(`events: at most ${MAX_SUBSCRIPTION_EVENTS}`, { field: 'events' });
    for (const e of events) {
      if (!EVENT_PATTERN.test(e)) {
        throw new InputError(`events: "${e}" is not an event type (change.approved), a family (change.*) or *`, {
          field: 'events',
        });
      }
      if (!e.endsWith('*') && !this.#knownEvents.has(e)) {
        throw new InputError(`events: unknown event type "${e}"; known: ${this.eventTypes.join(', ')}`, {
          field: 'events',
        });
      }
    }
    return [...new Set(events)];
  }

  async #checkUrl(url: string): Promise<void> {
    try {
      await this.#outbound.precheck(url);
    } catch (error) {
      if (error instanceof OutboundRefusedError) {
        if (error.reason === 'not_allow_listed' || error.reason === 'blocked_address') {
          throw new DomainRuleError(
            `url: ${error.message} (rule outbound_allow_list; an admin adds hosts under /api/v1/webhooks/allow-list)`,
            {
              field: 'url',
              rule: 'outbound_allow_list',
              reason: error.reason,
            },
          );
        }
        throw new InputError(`url: ${error.message}`, { field: 'url', reason: error.reason });
      }
      throw error;
    }
  }

  async get(id: number): Promise<WebhookSubscription> {
    const row = await webhookRepository.findSubscription(this.db, id);
    if (!row) throw new NotFoundError('webhook', id);
    return toSubscription(row);
  }

  async list(afterId: number | undefined, limit: number): Promise<WebhookSubscription[]> {
    return (await webhookRepository.listSubscriptions(this.db, afterId, limit)).map(toSubscription);
  }

  async create(
    actor: Actor,
    input: { name: string; url: string; events: string[]; active?: boolean },
  ): Promise<{ subscription: WebhookSubscription; secret: string }> {
    if (input.name.trim().length === 0 || input.name.length > 200)
      throw new InputError('name must be 1–200 characters', { field: 'name' });
    const events = this.#checkEvents(input.events);
    await this.#checkUrl(input.url);
    const secret = newSecret();
    const subscription = await this.db.transaction().execute(async (tx) => {
      const now = isoNow(this.clock);
      const row = await webhookRepository.insertSubscription(tx, {
        name: input.name.trim(),
        url: input.url,
        events: writeJson(events),
        secret_box: this.#secrets.seal(secret),
        active: input.active === false ? 0 : 1,
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      const created = toSubscription(row);
      await this.audit.record(tx, actor, {
        action: 'webhook.create',
        objectType: 'webhook',
        objectId: row.id,
        after: created,
      });
      return created;
    });
    return { subscription, secret };
  }

  async update(
    actor: Actor,
    id: number,
    patch: { name?: string; url?: string; events?: string[]; active?: boolean },
    expectedVersion?: number,
  ): Promise<WebhookSubscription> {
    if (patch.name !== undefined && (patch.name.trim().length === 0 || patch.name.length > 200)) {
      throw new InputError('name must be 1–200 characters', { field: 'name' });
    }
    const events = patch.events === undefined ? undefined : this.#checkEvents(patch.events);
    if (patch.url !== undefined) await this.#checkUrl(patch.url);
    return this.db.transaction().execute(async (tx) => {
      const row = await webhookRepository.findSubscription(tx, id);
      if (!row) throw new NotFoundError('webhook', id);
      if (expectedVersion !== undefined && expectedVersion !== row.version)
        throw new StaleVersionError('webhook', id, expectedVersion, row.version);
      const before = toSubscription(row);
      const updated = await webhookRepository.updateSubscription(tx, id, row.version, {
        ...(patch.name !== undefined && { name: patch.name.trim() }),
        ...(patch.url !== undefined && { url: patch.url }),
        ...(events !== undefined && { events: writeJson(events) }),
        ...(patch.active !== undefined && { active: patch.active ? 1 : 0 }),
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('webhook', id, row.version, row.version + 1);
      const after = toSubscription(updated);
      await this.audit.record(tx, actor, {
        action: 'webhook.update',
        objectType: 'webhook',
        objectId: id,
        before,
        after,
      });
      return after;
    });
  }

  async rotateSecret(actor: Actor, id: number): Promise<{ subscription: WebhookSubscription; secret: string }> {
    const secret = newSecret();
    const subscription = await this.db.transaction().execute(async (tx) => {
      const row = await webhookRepository.findSubscription(tx, id);
      if (!row) throw new NotFoundError('webhook', id);
      const updated = await webhookRepository.updateSubscription(tx, id, row.version, {
        secret_box: this.#secrets.seal(secret),
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('webhook', id, row.version, row.version + 1);
      await this.audit.record(tx, actor, {
        action: 'webhook.rotate_secret',
        objectType: 'webhook',
        objectId: id,
        after: { version: updated.version },
      });
      return toSubscription(updated);
    });
    return { subscription, secret };
  }

  async delete(actor: Actor, id: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await webhookRepository.findSubscription(tx, id);
      if (!row) throw new NotFoundError('webhook', id);
      await webhookRepository.deleteSubscription(tx, id);
      await this.audit.record(tx, actor, {
        action: 'webhook.delete',
        objectType: 'webhook',
        objectId: id,
        before: toSubscription(row),
      });
    });
  }

  async deliveries(subscriptionId: number, beforeId: number | undefined, limit: number): Promise<WebhookDelivery[]> {
    await this.get(subscriptionId);
    return (await webhookRepository.listDeliveries(this.db, subscriptionId, beforeId, limit)).map(toDelivery);
  }

  async delivery(id: number): Promise<WebhookDeliveryDetail> {
    const row = await webhookRepository.findDelivery(this.db, id);
    if (!row) throw new NotFoundError('webhook delivery', id);
    const attempts = await webhookRepository.attempts(this.db, id);
    return { ...toDelivery(row), payload: JSON.parse(row.payload) as unknown, attemptLog: attempts.map(toAttempt) };
  }

  // Publishing and delivery ---------------------------------------------------------------

  /** One delivery and one job per matching active subscription, inside the caller's transaction. */
  async publish(tx: Db, event: DomainEvent): Promise<void> {
    const subscriptions = (await webhookRepository.activeSubscriptions(tx)).filter((s) =>
      eventMatches(readJson<string[]>(s.events), event.type),
    );
    if (subscriptions.length === 0) return;
    const eventId = crypto.randomUUID();
    const occurredAt = isoNow(this.clock);
    const payload = JSON.stringify({
      id: eventId,
      type: event.type,
      occurredAt,
      objectType: event.objectType,
      objectId: event.objectId,
      data: event.data,
    });
    for (const s of subscriptions) await this.#enqueue(tx, s.id, eventId, event.type, payload, occurredAt);
    this.jobs.nudge();
  }

  async #enqueue(
    tx: Db,
    subscriptionId: number,
    eventId: string,
    type: string,
    payload: string,
    now: string,
  ): Promise<number> {
    const delivery = await webhookRepository.insertDelivery(tx, {
      subscription_id: subscriptionId,
      event_id: eventId,
      event_type: type,
      payload,
      state: 'pending',
      attempts: 0,
      last_status: null,
      last_error: null,
      job_id: null,
      created_at: now,
      updated_at: now,
      delivered_at: null,
    });
    const jobId = await this.jobs.enqueue(tx, WEBHOOK_JOB, { deliveryId: delivery.id });
    await webhookRepository.updateDelivery(tx, delivery.id, { job_id: jobId });
    return delivery.id;
  }

  /** Sends a `webhook.ping` to one subscription (to test a receiver). */
  async ping(actor: Actor, id: number): Promise<WebhookDelivery> {
    const deliveryId = await this.db.transaction().execute(async (tx) => {
      const row = await webhookRepository.findSubscription(tx, id);
      if (!row) throw new NotFoundError('webhook', id);
      const eventId = crypto.randomUUID();
      const now = isoNow(this.clock);
      const payload = JSON.stringify({
        id: eventId,
        type: PING_EVENT,
        occurredAt: now,
        objectType: 'webhook',
        objectId: id,
        data: { webhook: toSubscription(row), by: actor.username },
      });
      const created = await this.#enqueue(tx, id, eventId, PING_EVENT, payload, now);
      await this.audit.record(tx, actor, {
        action: 'webhook.ping',
        objectType: 'webhook',
        objectId: id,
        after: { deliveryId: created },
      });
      return created;
    });
    this.jobs.nudge();
    return toDelivery((await webhookRepository.findDelivery(this.db, deliveryId)) as DeliveryRow);
  }

  /** Sends a delivery again (a dead one after the receiver was fixed): same event id and body, a new job. */
  async redeliver(actor: Actor, deliveryId: number): Promise<WebhookDelivery> {
    await this.db.transaction().execute(async (tx) => {
      const row = await webhookRepository.findDelivery(tx, deliveryId);
      if (!row) throw new NotFoundError('webhook delivery', deliveryId);
      if (row.state === 'pending')
        throw new ConflictError(`Delivery ${deliveryId} is still being attempted`, { state: row.state });
      const jobId = await this.jobs.enqueue(tx, WEBHOOK_JOB, { deliveryId });
      await webhookRepository.updateDelivery(tx, deliveryId, {
        state: 'pending',
        job_id: jobId,
        updated_at: isoNow(this.clock),
      });
      await this.audit.record(tx, actor, {
        action: 'webhook.redeliver',
        objectType: 'webhook_delivery',
        objectId: deliveryId,
        after: { jobId },
      });
    });
    this.jobs.nudge();
    return toDelivery((await webhookRepository.findDelivery(this.db, deliveryId)) as DeliveryRow);
  }

  async #deliver(job: Job<{ deliveryId: number }>): Promise<void> {
    const delivery = await webhookRepository.findDelivery(this.db, job.payload.deliveryId);
    if (!delivery || delivery.state === 'succeeded') return;
    const subscription = await webhookRepository.findSubscription(this.db, delivery.subscription_id);
    if (subscription?.active !== 1) {
      await webhookRepository.updateDelivery(this.db, delivery.id, {
        state: 'dead',
        last_error: subscription ? 'subscription is inactive' : 'subscription was deleted',
        updated_at: isoNow(this.clock),
      });
      return;
    }
    const secret = this.#secrets.open(subscription.secret_box);
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    let address: string | null = null;
    try {
      const response = await this.#outbound.request({
        url: subscription.url,
        method: 'POST',
        body: delivery.payload,
        headers: {
          'content-type': 'application/json',
          'slipway-event': delivery.event_type,
          'slipway-event-id': delivery.event_id,
          'slipway-delivery': String(delivery.id),
          [SIGNATURE_HEADER]: signatureHeader(secret, delivery.payload, timestamp),
        },
      });
      status = response.status;
      address = response.address;
      if (status < 200 || status >= 300)
        error = `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`;
    } catch (e) {
      error = e instanceof OutboundRefusedError ? `refused: ${e.message}` : e instanceof Error ? e.message : String(e);
    }
    const now = isoNow(this.clock);
    await this.db.transaction().execute(async (tx) => {
      await webhookRepository.insertAttempt(tx, {
        delivery_id: delivery.id,
        attempt: job.attempt,
        at: now,
        status_code: status,
        error,
        duration_ms: Math.round(performance.now() - started),
        address,
      });
      await webhookRepository.updateDelivery(tx, delivery.id, {
        attempts: delivery.attempts + 1,
        last_status: status,
        last_error: error,
        updated_at: now,
        ...(error === null && { state: 'succeeded', delivered_at: now }),
      });
    });
    if (error !== null) throw new Error(error);
  }

  async #dead(job: Job<{ deliveryId: number }>, error: string): Promise<void> {
    await webhookRepository.updateDelivery(this.db, job.payload.deliveryId, {
      state: 'dead',
      last_error: error,
      updated_at: isoNow(this.clock),
    });
  }
}
