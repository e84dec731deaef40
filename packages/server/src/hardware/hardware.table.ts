import type { Generated } from 'kysely';

export interface HwSitesTable {
  id: Generated<number>;
  code: string;
  name: string;
  ci_id: number | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface HwModelsTable {
  id: Generated<number>;
  name: string;
  manufacturer: string | null;
  ci_class: string;
  ci_id: number | null;
  low_stock_threshold: number;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface HwReservationsTable {
  id: Generated<number>;
  release_id: number;
  state: string;
  note: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface HwReservationLinesTable {
  reservation_id: number;
  model_id: number;
  site_id: number;
  quantity: number;
}

export interface HwItemsTable {
  id: Generated<number>;
  model_id: number;
  serial: string;
  site_id: number;
  state: string;
  warranty_end: string | null;
  notes: string | null;
  reservation_id: number | null;
  ci_id: number | null;
  created_at: string;
  updated_at: string;
  version: number;
}
