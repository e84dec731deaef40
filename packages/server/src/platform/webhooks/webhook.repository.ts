import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../database.js';
import type {
  OutboundAllowListTable,
  WebhookDeliveriesTable,
  WebhookDeliveryAttemptsTable,
  WebhookSubscriptionsTable,
} from './webhooks.table.js';

export type AllowListRow = Selectable<OutboundAllowListTable>;
export type SubscriptionRow = Selectable<WebhookSubscriptionsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookDeliveryAttemptsTable>;

export const webhookRepository = {
  // Allow-list ------------------------------------------------------------------------------
  async allowList(db: Db): Promise<AllowListRow[]> {
    return db.selectFrom('outbound_allow_list').selectAll().orderBy('id').execute();
  },
  async findAllowListEntry(db: Db, id: number): Promise<AllowListRow | undefined> {
    return db.selectFrom('outbound_allow_list').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async findAllowListPattern(db: Db, pattern: string): Promise<AllowListRow | undefined> {
    return db.selectFrom('outbound_allow_list').selectAll().where('pattern', '=', pattern).executeTakeFirst();
  },
  async insertAllowListEntry(db: Db, values: Insertable<OutboundAllowListTable>): Promise<AllowListRow> {
    return db.insertInto('outbound_allow_list').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async deleteAllowListEntry(db: Db, id: number): Promise<void> {
    await db.deleteFrom('outbound_allow_list').where('id', '=', id).execute();
  },

  // Subscriptions ---------------------------------------------------------------------------
  async findSubscription(db: Db, id: number): Promise<SubscriptionRow | undefined> {
    return db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async listSubscriptions(db: Db, afterId: number | undefined, limit: number): Promise<SubscriptionRow[]> {
    let query = db.selectFrom('webhook_subscriptions').selectAll();
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  },
  async activeSubscriptions(db: Db): Promise<SubscriptionRow[]> {
    return db.selectFrom('webhook_subscriptions').selectAll().where('active', '=', 1).orderBy('id').execute();
  },
  async insertSubscription(db: Db, values: Insertable<WebhookSubscriptionsTable>): Promise<SubscriptionRow> {
    return db.insertInto('webhook_subscriptions').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async updateSubscription(
    db: Db,
    id: number,
    version: number,
    values: Updateable<WebhookSubscriptionsTable>,
  ): Promise<SubscriptionRow | undefined> {
    return db
      .updateTable('webhook_subscriptions')
      .set({ ...values, version: version + 1 })
      .where('id', '=', id)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst();
  },
  /** Deliveries and their attempts go with the subscription (the audit trail keeps the record of it). */
  async deleteSubscription(db: Db, id: number): Promise<void> {
    await db
      .deleteFrom('webhook_delivery_attempts')
      .where('delivery_id', 'in', (eb) =>
        eb.selectFrom('webhook_deliveries').select('id').where('subscription_id', '=', id),
      )
      .execute();
    await db.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
    await db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
  },

  // Deliveries ------------------------------------------------------------------------------
  async insertDelivery(db: Db, values: Insertable<WebhookDeliveriesTable>): Promise<DeliveryRow> {
    return db.insertInto('webhook_deliveries').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async findDelivery(db: Db, id: number): Promise<DeliveryRow | undefined> {
    return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async updateDelivery(db: Db, id: number, values: Updateable<WebhookDeliveriesTable>): Promise<void> {
    await db.updateTable('webhook_deliveries').set(values).where('id', '=', id).execute();
  },
  async listDeliveries(
    db: Db,
    subscriptionId: number,
    beforeId: number | undefined,
    limit: number,
  ): Promise<DeliveryRow[]> {
    let query = db.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', subscriptionId);
    if (beforeId !== undefined) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  async insertAttempt(db: Db, values: Insertable<WebhookDeliveryAttemptsTable>): Promise<void> {
    await db.insertInto('webhook_delivery_attempts').values(values).execute();
  },
  async attempts(db: Db, deliveryId: number): Promise<AttemptRow[]> {
    return db
      .selectFrom('webhook_delivery_attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt')
      .orderBy('id')
      .execute();
  },
};
