import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/test-databases.js';
import { openDatabase, type SlipwayDatabase, selectRowById } from './database.js';
import { migrateToLatest } from './migrator.js';

const NOW = '2026-01-01T00:00:00.000Z';

describe('selectRowById on a SQLite file (the snapshot reader)', () => {
  let database: SlipwayDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  async function openWithUser(): Promise<{ database: SlipwayDatabase; id: number }> {
    const opened = openDatabase(`sqlite:${path.join(tempDir('slipway-reader-'), 'slipway.db')}`);
    database = opened;
    await migrateToLatest(opened.db);
    const { id } = await opened.db
      .insertInto('users')
      .values({
        username: 'reader-test',
        display_name: 'Before',
        roles: '["engineer"]',
        created_at: NOW,
        updated_at: NOW,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { database: opened, id };
  }

  it('reads through its own connection, which refuses writes', async () => {
    const { database } = await openWithUser();
    expect(database.sqliteReader).toBeDefined();
    expect(() => database.sqliteReader?.prepare('delete from users').run()).toThrow(/readonly/i);
  });

  it('never sees a write that is not committed, and sees it as soon as it is', async () => {
    const { database, id } = await openWithUser();
    const { db } = database;
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let updated!: () => void;
    const updateDone = new Promise<void>((resolve) => {
      updated = resolve;
    });
    const transaction = db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ display_name: 'After', version: 2 }).where('id', '=', id).execute();
      // Inside the transaction its own write is visible.
      expect((await selectRowById(tx, 'users', id))?.display_name).toBe('After');
      updated();
      await held;
    });
    await updateDone;
    // Outside it, while it is still open: the committed row, without waiting for the transaction.
    const during = await selectRowById(db, 'users', id);
    expect(during?.display_name).toBe('Before');
    expect(during?.version).toBe(1);
    release();
    await transaction;
    const after = await selectRowById(db, 'users', id);
    expect(after?.display_name).toBe('After');
    expect(after?.version).toBe(2);
    expect(await selectRowById(db, 'users', id + 1000)).toBeUndefined();
  });

  it('sees nothing of a transaction that rolls back', async () => {
    const { database, id } = await openWithUser();
    const { db } = database;
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.updateTable('users').set({ display_name: 'Rolled back' }).where('id', '=', id).execute();
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await selectRowById(db, 'users', id))?.display_name).toBe('Before');
  });

  it('is not used for an in-memory database (one connection only)', async () => {
    const opened = openDatabase('sqlite::memory:');
    database = opened;
    await migrateToLatest(opened.db);
    expect(opened.sqliteReader).toBeUndefined();
    expect(await selectRowById(opened.db, 'users', 1)).toBeUndefined();
  });
});
