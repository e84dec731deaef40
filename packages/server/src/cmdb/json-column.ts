import type { Db } from '../platform/database.js';
import { dialectOf } from '../platform/database.js';
import type { JsonColumn } from './cmdb.table.js';

/** Reads a JSON column: PostgreSQL's jsonb arrives parsed, SQLite's text arrives as a string. */
export function readJson<T>(value: JsonColumn): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * Prepares a value for a JSON column. Both dialects accept the JSON text: SQLite stores it as
 * text, PostgreSQL casts the text parameter to jsonb.
 */
export function writeJson(value: unknown): string {
  return JSON.stringify(value);
}

/** SQL LIKE pattern for "contains", with LIKE's wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Case-insensitive LIKE: ILIKE on PostgreSQL; SQLite's LIKE is already case-insensitive for ASCII. */
export function likeOperator(db: Db): 'ilike' | 'like' {
  return dialectOf(db) === 'postgres' ? 'ilike' : 'like';
}
