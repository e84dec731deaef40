import type { Generated } from 'kysely';
import type { JsonColumn } from '../cmdb/cmdb.table.js';

export interface MaturityAssessmentsTable {
  id: Generated<number>;
  title: string;
  answers: JsonColumn;
  evidence: JsonColumn;
  result: JsonColumn;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}
