import {
  HARDWARE_CI_CLASSES,
  type HardwareCiClass,
  type HardwareItemState,
  hardwareTransitionAllowed,
  type ReservationState,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import { auditRefusals } from '../library/refusal-audit.js';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import { type Db, isUniqueViolation } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import {
  ConflictError,
  DomainRuleError,
  IllegalTransitionError,
  InputError,
  NotFoundError,
  StaleVersionError,
} from '../platform/errors.js';
import {
  hardwareRepository,
  type ItemListFilter,
  type ItemRow,
  type ModelRow,
  type ReservationRow,
  type SiteRow,
} from './hardware.repository.js';

export interface Site {
  id: number;
  code: string;
  name: string;
  ciId: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface HardwareModel {
  id: number;
  name: string;
  manufacturer: string | null;
  ciClass: HardwareCiClass;
  ciId: number | null;
  lowStockThreshold: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface StockItem {
  id: number;
  modelId: number;
  serial: string;
  siteId: number;
  state: HardwareItemState;
  warrantyEnd: string | null;
  notes: string | null;
  reservationId: number | null;
  ciId: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface ReservationLine {
  modelId: number;
  siteId: number;
  quantity: number;
}

export interface Reservation {
  id: number;
  releaseId: number;
  state: ReservationState;
  note: string | null;
  lines: ReservationLine[];
  itemIds: number[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface StockLevel {
  modelId: number;
  model: string;
  siteId: number | null;
  site: string | null;
  inStock: number;
  reserved: number;
  deployed: number;
  retired: number;
  threshold: number;
  low: boolean;
}

export interface Shortage {
  modelId: number;
  model: string;
  siteId: number;
  site: string;
  requested: number;
  available: number;
  short: number;
}

const toSite = (r: SiteRow): Site => ({
  id: r.id,
  code: r.code,
  name: r.name,
  ciId: r.ci_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

const toModel = (r: ModelRow): HardwareModel => ({
  id: r.id,
  name: r.name,
  manufacturer: r.manufacturer,
  ciClass: r.ci_class as HardwareCiClass,
  ciId: r.ci_id,
  lowStockThreshold: r.low_stock_threshold,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

const toItem = (r: ItemRow): StockItem => ({
  id: r.id,
  modelId: r.model_id,
  serial: r.serial,
  siteId: r.site_id,
  state: r.state as HardwareItemState,
  warrantyEnd: r.warranty_end,
  notes: r.notes,
  reservationId: r.reservation_id,
  ciId: r.ci_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

/** `hardware_model` CIs carry a category; stock of that category becomes a CI of this class. */
const CLASS_OF_CATEGORY: Record<string, HardwareCiClass> = {
  server: 'server',
  desktop: 'desktop',
  laptop: 'desktop',
  network_device: 'network_device',
  storage: 'storage',
};

const SITE_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkName(field: string, value: string | undefined, max = 200): void {
  if (value === undefined) return;
  if (value.trim() === '' || value.length > max || CONTROL.test(value)) {
    throw new InputError(`${field} must be 1–${max} printable characters`, { field });
  }
}

function checkDate(field: string, value: string | null | undefined): void {
  if (value === undefined || value === null) return;
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InputError(`${field} must be a date YYYY-MM-DD`, { field });
  }
}

/**
 * The Definitive Hardware Store: sites, models, stock items (receive, move, retire), stock
 * levels with low-stock thresholds, reservations for releases, and deployment of an item into
 * the CMDB. Every write is audited; every refusal too.
 */
export class HardwareService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly cmdb: CmdbServices,
  ) {}

  #refusable<T>(actor: Actor, action: string, objectType: string, objectId: number | null, write: () => Promise<T>) {
    return auditRefusals(this.db, this.audit, actor, { action, objectType, objectId }, write);
  }

  async #requireSite(db: Db, id: number): Promise<SiteRow> {
    const row = await hardwareRepository.findSite(db, id);
    if (!row) throw new NotFoundError('site', id);
    return row;
  }

  async #requireModel(db: Db, id: number): Promise<ModelRow> {
    const row = await hardwareRepository.findModel(db, id);
    if (!row) throw new NotFoundError('hardware model', id);
    return row;
  }

  async #requireItem(db: Db, id: number): Promise<ItemRow> {
    const row = await hardwareRepository.findItem(db, id);
    if (!row) throw new NotFoundError('stock item', id);
    return row;
  }

  async #checkCi(ciId: number, ciClass: string, field: string): Promise<Record<string, unknown>> {
    let ci: Awaited<ReturnType<CmdbServices['cis']['get']>>;
    try {
      ci = await this.cmdb.cis.get(ciId);
    } catch (error) {
      if (error instanceof NotFoundError) throw new InputError(`${field}: there is no CI ${ciId}`, { field });
      throw error;
    }
    if (ci.class !== ciClass) {
      throw new InputError(`${field}: CI ${ciId} is a ${ci.class}, not a ${ciClass}`, { field });
    }
    return ci.attributes;
  }

  // Sites.

  async listSites(afterId: number | undefined, limit: number): Promise<Site[]> {
    return (await hardwareRepository.listSites(this.db, afterId, limit)).map(toSite);
  }

  async getSite(id: number): Promise<Site> {
    return toSite(await this.#requireSite(this.db, id));
  }

  /** Creates a site; without `ciId` it links the CMDB `site` CI whose `code` attribute matches. */
  async createSite(
    actor: Actor,
    input: { code: string; name: string; ciId?: number | null | undefined },
  ): Promise<Site> {
    return this.#refusable(actor, 'hardware.site.create', 'hardware_site', null, async () => {
      if (!SITE_CODE.test(input.code)) {
        throw new InputError('code must be 1–32 letters, digits, _ or -, e.g. AMS', { field: 'code' });
      }
      checkName('name', input.name);
      let ciId = input.ciId ?? null;
      if (ciId !== null) await this.#checkCi(ciId, 'site', 'ciId');
      else if (input.ciId === undefined) {
        const sites = await this.cmdb.cis.list({ class: 'site', limit: 1000 });
        ciId = sites.find((ci) => ci.attributes.code === input.code || ci.name === input.name)?.id ?? null;
      }
      try {
        return await this.db.transaction().execute(async (tx) => {
          const now = isoNow(this.clock);
          const site = toSite(
            await hardwareRepository.insertSite(tx, {
              code: input.code,
              name: input.name,
              ci_id: ciId,
              created_at: now,
              updated_at: now,
              version: 1,
            }),
          );
          await this.audit.record(tx, actor, {
            action: 'hardware.site.create',
            objectType: 'hardware_site',
            objectId: site.id,
            after: site,
          });
          return site;
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`A site with code ${input.code} already exists`, { field: 'code' });
        throw error;
      }
    });
  }

  async updateSite(
    actor: Actor,
    id: number,
    patch: { name?: string | undefined; ciId?: number | null | undefined },
    expected?: number,
  ): Promise<Site> {
    return this.#refusable(actor, 'hardware.site.update', 'hardware_site', id, async () => {
      checkName('name', patch.name);
      if (patch.ciId !== undefined && patch.ciId !== null) await this.#checkCi(patch.ciId, 'site', 'ciId');
      return this.db.transaction().execute(async (tx) => {
        const current = await this.#requireSite(tx, id);
        const version = expected ?? current.version;
        if (version !== current.version) throw new StaleVersionError('site', id, version, current.version);
        const row = await hardwareRepository.updateSite(tx, id, version, {
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.ciId !== undefined && { ci_id: patch.ciId }),
          updated_at: isoNow(this.clock),
        });
        if (!row) throw new StaleVersionError('site', id, version, current.version + 1);
        const site = toSite(row);
        await this.audit.record(tx, actor, {
          action: 'hardware.site.update',
          objectType: 'hardware_site',
          objectId: id,
          before: toSite(current),
          after: site,
        });
        return site;
      });
    });
  }

  // Models.

  async listModels(afterId: number | undefined, limit: number): Promise<HardwareModel[]> {
    return (await hardwareRepository.listModels(this.db, afterId, limit)).map(toModel);
  }

  async getModel(id: number): Promise<HardwareModel> {
    return toModel(await this.#requireModel(this.db, id));
  }

  async createModel(
    actor: Actor,
    input: {
      name: string;
      manufacturer?: string | null | undefined;
      ciClass?: HardwareCiClass | undefined;
      ciId?: number | null | undefined;
      lowStockThreshold?: number | undefined;
    },
  ): Promise<HardwareModel> {
    return this.#refusable(actor, 'hardware.model.create', 'hardware_model', null, async () => {
      checkName('name', input.name);
      checkName('manufacturer', input.manufacturer ?? undefined);
      let ciClass = input.ciClass;
      if (input.ciId !== undefined && input.ciId !== null) {
        const attributes = await this.#checkCi(input.ciId, 'hardware_model', 'ciId');
        ciClass ??= CLASS_OF_CATEGORY[String(attributes.category)];
      }
      if (!ciClass || !(HARDWARE_CI_CLASSES as readonly string[]).includes(ciClass)) {
        throw new InputError(
          `ciClass must be one of: ${HARDWARE_CI_CLASSES.join(', ')} (the CMDB class a deployed item becomes)`,
          {
            field: 'ciClass',
          },
        );
      }
      try {
        return await this.db.transaction().execute(async (tx) => {
          const now = isoNow(this.clock);
          const model = toModel(
            await hardwareRepository.insertModel(tx, {
              name: input.name,
              manufacturer: input.manufacturer ?? null,
              ci_class: ciClass,
              ci_id: input.ciId ?? null,
              low_stock_threshold: input.lowStockThreshold ?? 0,
              created_at: now,
              updated_at: now,
              version: 1,
            }),
          );
          await this.audit.record(tx, actor, {
            action: 'hardware.model.create',
            objectType: 'hardware_model',
            objectId: model.id,
            after: model,
          });
          return model;
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`A hardware model named "${input.name}" already exists`, { field: 'name' });
        throw error;
      }
    });
  }

  async updateModel(
    actor: Actor,
    id: number,
    patch: {
      manufacturer?: string | null | undefined;
      lowStockThreshold?: number | undefined;
      ciId?: number | null | undefined;
    },
    expected?: number,
  ): Promise<HardwareModel> {
    return this.#refusable(actor, 'hardware.model.update', 'hardware_model', id, async () => {
      checkName('manufacturer', patch.manufacturer ?? undefined);
      if (patch.ciId !== undefined && patch.ciId !== null) await this.#checkCi(patch.ciId, 'hardware_model', 'ciId');
      return this.db.transaction().execute(async (tx) => {
        const current = await this.#requireModel(tx, id);
        const version = expected ?? current.version;
        if (version !== current.version) throw new StaleVersionError('hardware model', id, version, current.version);
        const row = await hardwareRepository.updateModel(tx, id, version, {
          ...(patch.manufacturer !== undefined && { manufacturer: patch.manufacturer }),
          ...(patch.lowStockThreshold !== undefined && { low_stock_threshold: patch.lowStockThreshold }),
          ...(patch.ciId !== undefined && { ci_id: patch.ciId }),
          updated_at: isoNow(this.clock),
        });
        if (!row) throw new StaleVersionError('hardware model', id, version, current.version + 1);
        const model = toModel(row);
        await this.audit.record(tx, actor, {
          action: 'hardware.model.update',
          objectType: 'hardware_model',
          objectId: id,
          before: toModel(current),
          after: model,
        });
        return model;
      });
    });
  }

  // Stock items.

  async listItems(filter: ItemListFilter): Promise<StockItem[]> {
    return (await hardwareRepository.listItems(this.db, filter)).map(toItem);
  }

  async getItem(id: number): Promise<StockItem> {
    return toItem(await this.#requireItem(this.db, id));
  }

  /** Receives an item into stock at a site. */
  async receive(
    actor: Actor,
    input: {
      modelId: number;
      siteId: number;
      serial: string;
      warrantyEnd?: string | null | undefined;
      notes?: string | null | undefined;
    },
  ): Promise<StockItem> {
    return this.#refusable(actor, 'hardware.item.receive', 'hardware_item', null, async () => {
      checkName('serial', input.serial, 100);
      checkDate('warrantyEnd', input.warrantyEnd);
      checkName('notes', input.notes ?? undefined, 2000);
      try {
        return await this.db.transaction().execute(async (tx) => {
          await this.#requireModel(tx, input.modelId);
          await this.#requireSite(tx, input.siteId);
          const existing = await hardwareRepository.findItemBySerial(tx, input.serial);
          if (existing) {
            throw new ConflictError(`Serial ${input.serial} is already in the store (item ${existing.id})`, {
              field: 'serial',
              existingId: existing.id,
            });
          }
          const now = isoNow(this.clock);
          const item = toItem(
            await hardwareRepository.insertItem(tx, {
              model_id: input.modelId,
              serial: input.serial,
              site_id: input.siteId,
              state: 'in_stock',
              warranty_end: input.warrantyEnd ?? null,
              notes: input.notes ?? null,
              reservation_id: null,
              ci_id: null,
              created_at: now,
              updated_at: now,
              version: 1,
            }),
          );
          await this.audit.record(tx, actor, {
            action: 'hardware.item.receive',
            objectType: 'hardware_item',
            objectId: item.id,
            after: item,
          });
          return item;
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`Serial ${input.serial} is already in the store`, { field: 'serial' });
        throw error;
      }
    });
  }

  async #changeItem(
    actor: Actor,
    id: number,
    action: string,
    expected: number | undefined,
    change: (current: ItemRow, tx: Db) => Promise<Partial<Omit<ItemRow, 'id' | 'version'>>>,
  ): Promise<StockItem> {
    return this.#refusable(actor, action, 'hardware_item', id, () =>
      this.db.transaction().execute(async (tx) => {
        const current = await this.#requireItem(tx, id);
        const version = expected ?? current.version;
        if (version !== current.version) throw new StaleVersionError('stock item', id, version, current.version);
        const values = await change(current, tx);
        const row = await hardwareRepository.updateItem(tx, id, version, { ...values, updated_at: isoNow(this.clock) });
        if (!row) throw new StaleVersionError('stock item', id, version, current.version + 1);
        const item = toItem(row);
        await this.audit.record(tx, actor, {
          action,
          objectType: 'hardware_item',
          objectId: id,
          before: toItem(current),
          after: item,
        });
        return item;
      }),
    );
  }

  #transition(current: ItemRow, to: HardwareItemState): void {
    const from = current.state as HardwareItemState;
    if (!hardwareTransitionAllowed(from, to)) {
      const allowed = (['in_stock', 'reserved', 'deployed', 'retired'] as const).filter((s) =>
        hardwareTransitionAllowed(from, s),
      );
      throw new IllegalTransitionError('stock item', from, to, allowed);
    }
  }

  async updateItem(
    actor: Actor,
    id: number,
    patch: { warrantyEnd?: string | null | undefined; notes?: string | null | undefined },
    expected?: number,
  ): Promise<StockItem> {
    checkDate('warrantyEnd', patch.warrantyEnd);
    return this.#changeItem(actor, id, 'hardware.item.update', expected, async () => ({
      ...(patch.warrantyEnd !== undefined && { warranty_end: patch.warrantyEnd }),
      ...(patch.notes !== undefined && { notes: patch.notes }),
    }));
  }

  /** Moves an item in stock to another site (reserved items stay where their reservation wants them). */
  async move(actor: Actor, id: number, siteId: number, expected?: number): Promise<StockItem> {
    return this.#changeItem(actor, id, 'hardware.item.move', expected, async (current, tx) => {
      await this.#requireSite(tx, siteId);
      if (current.state !== 'in_stock') {
        throw new DomainRuleError(`Item ${id} is ${current.state}: only items in stock can move between sites`, {
          state: current.state,
        });
      }
      return { site_id: siteId };
    });
  }

  async retire(actor: Actor, id: number, reason: string | null, expected?: number): Promise<StockItem> {
    return this.#changeItem(actor, id, 'hardware.item.retire', expected, async (current) => {
      this.#transition(current, 'retired');
      return { state: 'retired', notes: reason ?? current.notes };
    });
  }

  // Stock levels.

  async stock(filter: {
    modelId?: number | undefined;
    siteId?: number | undefined;
    lowOnly?: boolean | undefined;
  }): Promise<{
    bySite: StockLevel[];
    byModel: StockLevel[];
  }> {
    const rows = await hardwareRepository.stock(this.db, filter);
    const models = new Map((await hardwareRepository.listModels(this.db, undefined, 100_000)).map((m) => [m.id, m]));
    const sites = new Map((await hardwareRepository.listSites(this.db, undefined, 100_000)).map((s) => [s.id, s]));
    const empty = (modelId: number, siteId: number | null): StockLevel => {
      const model = models.get(modelId);
      return {
        modelId,
        model: model?.name ?? String(modelId),
        siteId,
        site: siteId === null ? null : (sites.get(siteId)?.code ?? String(siteId)),
        inStock: 0,
        reserved: 0,
        deployed: 0,
        retired: 0,
        threshold: model?.low_stock_threshold ?? 0,
        low: false,
      };
    };
    const bySite = new Map<string, StockLevel>();
    const byModel = new Map<number, StockLevel>();
    // Every model shows in the per-model view, even with nothing in stock (that is low stock too).
    for (const model of models.values()) {
      if (filter.modelId === undefined || filter.modelId === model.id) byModel.set(model.id, empty(model.id, null));
    }
    const field = { in_stock: 'inStock', reserved: 'reserved', deployed: 'deployed', retired: 'retired' } as const;
    for (const row of rows) {
      const key = `${row.model_id}:${row.site_id}`;
      const level = bySite.get(key) ?? empty(row.model_id, row.site_id);
      const name = field[row.state as keyof typeof field];
      if (!name) continue;
      level[name] += row.count;
      bySite.set(key, level);
      const total = byModel.get(row.model_id) ?? empty(row.model_id, null);
      total[name] += row.count;
      byModel.set(row.model_id, total);
    }
    for (const level of [...bySite.values(), ...byModel.values()]) level.low = level.inStock < level.threshold;
    const keep = (level: StockLevel) => !filter.lowOnly || level.low;
    // The per-site view lists only sites that hold the model; a threshold applies per site and in total.
    return {
      bySite: [...bySite.values()]
        .filter(keep)
        .sort((a, b) => a.model.localeCompare(b.model) || (a.site ?? '').localeCompare(b.site ?? '')),
      byModel: [...byModel.values()].filter(keep).sort((a, b) => a.model.localeCompare(b.model)),
    };
  }

  // Reservations.

  async #toReservation(row: ReservationRow, db: Db = this.db): Promise<Reservation> {
    const lines = await hardwareRepository.lines(db, [row.id]);
    const items = await hardwareRepository.reservedItems(db, [row.id]);
    return {
      id: row.id,
      releaseId: row.release_id,
      state: row.state as ReservationState,
      note: row.note,
      lines: lines.map((l) => ({ modelId: l.model_id, siteId: l.site_id, quantity: l.quantity })),
      itemIds: items.map((i) => i.id),
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      version: row.version,
    };
  }

  async listReservations(filter: {
    releaseId?: number | undefined;
    state?: string | undefined;
    afterId?: number | undefined;
    limit: number;
  }): Promise<Reservation[]> {
    const rows = await hardwareRepository.listReservations(this.db, filter);
    return Promise.all(rows.map((r) => this.#toReservation(r)));
  }

  async getReservation(id: number): Promise<Reservation> {
    const row = await hardwareRepository.findReservation(this.db, id);
    if (!row) throw new NotFoundError('reservation', id);
    return this.#toReservation(row);
  }

  /**
   * Reserves stock for a release: all lines or nothing. Not enough stock → 409 with every line
   * that is short. Safe under concurrency: see hardwareRepository.takeInStock.
   */
  async reserve(
    actor: Actor,
    input: { releaseId: number; lines: ReservationLine[]; note?: string | null | undefined },
  ): Promise<Reservation> {
    return this.#refusable(actor, 'hardware.reservation.create', 'hardware_reservation', null, async () => {
      if (input.lines.length === 0)
        throw new InputError('lines must name at least one model, site and quantity', { field: 'lines' });
      const merged = new Map<string, ReservationLine>();
      for (const line of input.lines) {
        const key = `${line.modelId}:${line.siteId}`;
        const prior = merged.get(key);
        merged.set(key, { ...line, quantity: line.quantity + (prior?.quantity ?? 0) });
      }
      return this.db.transaction().execute(async (tx) => {
        const now = isoNow(this.clock);
        const reservation = await hardwareRepository.insertReservation(tx, {
          release_id: input.releaseId,
          state: 'active',
          note: input.note ?? null,
          created_by: actor.username,
          created_at: now,
          updated_at: now,
          version: 1,
        });
        const shortages: Shortage[] = [];
        for (const line of merged.values()) {
          const model = await this.#requireModel(tx, line.modelId);
          const site = await this.#requireSite(tx, line.siteId);
          const taken = await hardwareRepository.takeInStock(
            tx,
            line.modelId,
            line.siteId,
            line.quantity,
            reservation.id,
            now,
          );
          if (taken.length < line.quantity) {
            shortages.push({
              modelId: model.id,
              model: model.name,
              siteId: site.id,
              site: site.code,
              requested: line.quantity,
              available: taken.length,
              short: line.quantity - taken.length,
            });
          }
        }
        if (shortages.length > 0) {
          // Throwing rolls back the items taken for the lines that were satisfied.
          throw new ConflictError(
            `Not enough stock for release ${input.releaseId}: ${shortages
              .map(
                (s) => `${s.model} at ${s.site}: ${s.requested} requested, ${s.available} available (${s.short} short)`,
              )
              .join('; ')}`,
            { shortages },
          );
        }
        await hardwareRepository.insertLines(
          tx,
          [...merged.values()].map((l) => ({
            reservation_id: reservation.id,
            model_id: l.modelId,
            site_id: l.siteId,
            quantity: l.quantity,
          })),
        );
        const view = await this.#toReservation(reservation, tx);
        await this.audit.record(tx, actor, {
          action: 'hardware.reservation.create',
          objectType: 'hardware_reservation',
          objectId: view.id,
          after: view,
        });
        return view;
      });
    });
  }

  /** Releases a reservation: its items still reserved go back to stock. */
  async release(actor: Actor, id: number, expected?: number): Promise<Reservation> {
    return this.#refusable(actor, 'hardware.reservation.release', 'hardware_reservation', id, () =>
      this.db.transaction().execute(async (tx) => {
        const current = await hardwareRepository.findReservation(tx, id);
        if (!current) throw new NotFoundError('reservation', id);
        const version = expected ?? current.version;
        if (version !== current.version) throw new StaleVersionError('reservation', id, version, current.version);
        if (current.state !== 'active') {
          throw new IllegalTransitionError('reservation', current.state, 'released', []);
        }
        const before = await this.#toReservation(current, tx);
        const now = isoNow(this.clock);
        const returned = await hardwareRepository.returnReserved(tx, id, now);
        const row = await hardwareRepository.updateReservation(tx, id, version, { state: 'released', updated_at: now });
        if (!row) throw new StaleVersionError('reservation', id, version, current.version + 1);
        const after = await this.#toReservation(row, tx);
        await this.audit.record(tx, actor, {
          action: 'hardware.reservation.release',
          objectType: 'hardware_reservation',
          objectId: id,
          before,
          after: { ...after, returnedToStock: returned },
        });
        return after;
      }),
    );
  }

  /** A reservation whose items have all been deployed is fulfilled. */
  async #fulfilIfDone(actor: Actor, reservationId: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const reservation = await hardwareRepository.findReservation(tx, reservationId);
      if (reservation?.state !== 'active') return;
      const items = await hardwareRepository.reservedItems(tx, [reservationId]);
      if (items.some((item) => item.state === 'reserved')) return;
      const row = await hardwareRepository.updateReservation(tx, reservationId, reservation.version, {
        state: 'fulfilled',
        updated_at: isoNow(this.clock),
      });
      if (!row) return;
      await this.audit.record(tx, actor, {
        action: 'hardware.reservation.fulfil',
        objectType: 'hardware_reservation',
        objectId: reservationId,
        before: await this.#toReservation(reservation, tx),
        after: await this.#toReservation(row, tx),
      });
    });
  }

  /**
   * Deploys an item (for the rollout module, and the API): it becomes a CI of its model's class,
   * `located_in` its site's CI, and the item is marked deployed with that CI. The CMDB write
   * goes through the CMDB's import (atomic, upsert by class/name) first and the item's state
   * second, so a retry after a failure in between finds the CI it made and finishes the job.
   */
  async deploy(
    actor: Actor,
    id: number,
    input: { ciName: string; environment?: string | null | undefined },
  ): Promise<StockItem> {
    return this.#refusable(actor, 'hardware.item.deploy', 'hardware_item', id, async () => {
      checkName('ciName', input.ciName, 255);
      const item = await this.#requireItem(this.db, id);
      this.#transition(item, 'deployed');
      const model = await this.#requireModel(this.db, item.model_id);
      const site = await this.#requireSite(this.db, item.site_id);
      if (site.ci_id === null) {
        throw new DomainRuleError(
          `Site ${site.code} is not linked to a CMDB site CI; set its ciId before deploying from it`,
          {
            siteId: site.id,
          },
        );
      }
      const siteCi = await this.cmdb.cis.get(site.ci_id);
      const existing = await this.cmdb.cis.findByRef(model.ci_class, input.ciName);
      if (existing && existing.attributes.serial !== item.serial) {
        throw new ConflictError(
          `A ${model.ci_class} named "${input.ciName}" already exists (CI ${existing.id}) with another serial`,
          {
            existingId: existing.id,
          },
        );
      }
      const ciClass = await this.cmdb.classes.require(model.ci_class);
      const known = new Set(ciClass.attributes.map((a) => a.name));
      const attributes = Object.fromEntries(
        Object.entries({ serial: item.serial, model: model.name, site: site.code }).filter(([name]) => known.has(name)),
      );
      const lines = [
        JSON.stringify({
          kind: 'ci',
          class: model.ci_class,
          name: input.ciName,
          status: 'active',
          ...(input.environment && { environment: input.environment }),
          attributes,
        }),
        JSON.stringify({
          kind: 'relationship',
          source: `${model.ci_class}/${input.ciName}`,
          type: 'located_in',
          target: `${siteCi.class}/${siteCi.name}`,
        }),
      ];
      const body = `${lines.join('\n')}\n`;
      await this.cmdb.imports.run(
        actor,
        (async function* () {
          yield body;
        })(),
        {
          source: 'hardware-store',
          atomic: true,
        },
      );
      const ci = await this.cmdb.cis.findByRef(model.ci_class, input.ciName);
      if (!ci) throw new Error(`The CMDB import did not create ${model.ci_class}/${input.ciName}`);
      const deployed = await this.#changeItem(actor, id, 'hardware.item.deploy', undefined, async (current) => {
        this.#transition(current, 'deployed');
        return { state: 'deployed', ci_id: ci.id, site_id: current.site_id };
      });
      if (deployed.reservationId !== null) await this.#fulfilIfDone(actor, deployed.reservationId);
      return deployed;
    });
  }
}
