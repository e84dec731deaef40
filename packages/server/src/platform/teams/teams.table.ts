import type { Generated } from 'kysely';

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  /** Lower-cased name; unique. */
  name_key: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TeamMembersTable {
  user_id: number;
  team_id: number;
  added_at: string;
}
