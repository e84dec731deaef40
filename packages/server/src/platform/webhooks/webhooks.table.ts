import type { Generated } from 'kysely';
import type { JsonColumn } from '../../cmdb/cmdb.table.js';

export interface OutboundAllowListTable {
  id: Generated<number>;
  pattern: string;
  allow_private: number;
  note: string;
  created_by: string;
  created_at: string;
}

export interface WebhookSubscriptionsTable {
  id: Generated<number>;
  name: string;
  url: string;
  /** JSON array of event types (`change.approved`) or patterns (`change.*`, `*`). */
  events: JsonColumn;
  secret_box: string;
  active: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  subscription_id: number;
  event_id: string;
  event_type: string;
  payload: string;
  /** 'pending' | 'succeeded' | 'dead' */
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  job_id: number | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface WebhookDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  address: string | null;
}
