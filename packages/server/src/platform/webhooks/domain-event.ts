import type { Db } from '../database.js';

/** Something that happened to a domain object, told to subscribers (webhooks now, notifications later). */
export interface DomainEvent {
  /** `change.approved`, `release.deployed` … */
  type: string;
  objectType: string;
  objectId: string | number;
  /** The object as the API shows it, after the event. */
  data: Record<string, unknown>;
}

/**
 * Where domains publish events. `publish` runs inside the transaction of the write that caused
 * the event, so an event exists exactly when its write committed (no lost or phantom events).
 */
export interface EventSink {
  publish(tx: Db, event: DomainEvent): Promise<void>;
}

/** An EventSink that drops everything (tests of a domain without webhooks). */
export const NO_EVENTS: EventSink = { publish: async () => undefined };
