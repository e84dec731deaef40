import type { Role } from '@slipway/model';
import type { Actor } from '../actor.js';
import { systemActor } from '../actor.js';
import type { AppContext } from '../context.js';
import { toUser, userRepository } from './user.repository.js';

/** One person of the demo organisation: the account the demo seeders act as. */
export interface DemoPerson {
  username: string;
  displayName: string;
  roles: Role[];
}

/**
 * The people of the demo organisation. Every record the demo seeders write as a person names one
 * of these, and each is a real account (Users lists it) without password or token: an admin gives
 * it one to sign in as that person. Machines stay system actors (`demo-ci-pipeline` records the
 * pipeline's test runs; `demo` is the loader itself, `demo-history` the imported year of history).
 */
export const DEMO_PEOPLE = {
  /** Raises, plans and builds the demo's releases, raises their changes and starts their rollouts. */
  releaseManager: { username: 'demo-release-manager', displayName: 'Demo release manager', roles: ['release_manager'] },
  /** Sets the freezes, windows and templates, assesses changes; requester of the history's changes. */
  changeManager: { username: 'demo-change-manager', displayName: 'Demo change manager', roles: ['change_manager'] },
  /** Keeps the software library: pushes the artifacts that someone else then approves. */
  librarian: { username: 'demo-librarian', displayName: 'Demo software librarian', roles: ['engineer'] },
  /** The CAB member who approved the changes of the year of history. */
  historyCab: { username: 'demo-history-cab', displayName: 'Demo CAB member (history)', roles: ['cab_member'] },
  ecabAnna: { username: 'demo-ecab-anna', displayName: 'Anna (demo ECAB member)', roles: ['cab_member'] },
  ecabOmar: { username: 'demo-ecab-omar', displayName: 'Omar (demo ECAB member)', roles: ['cab_member'] },
  sofia: { username: 'demo-rm-sofia', displayName: 'Sofia (demo release manager)', roles: ['release_manager'] },
  lars: { username: 'demo-cm-lars', displayName: 'Lars (demo change manager)', roles: ['change_manager'] },
} as const satisfies Record<string, DemoPerson>;

/**
 * The demo person as an actor, creating the account the first time (get-or-create by username):
 * the demo seeders run one after another and each may run alone, so whichever needs a person
 * first creates it. The actor carries the account's stored roles, so a service checks what that
 * account may really do; an account already there is used as it is, never changed.
 */
export async function demoPerson(ctx: Pick<AppContext, 'users' | 'database'>, person: DemoPerson): Promise<Actor> {
  const db = ctx.database.db;
  let row = await userRepository.findByUsername(db, person.username);
  if (!row) {
    try {
      await ctx.users.create(systemActor('demo'), {
        username: person.username,
        displayName: person.displayName,
        roles: person.roles,
        password: null,
      });
    } catch (error) {
      // Created meanwhile by a seeder running alongside: a ConflictError, or on PostgreSQL the
      // unique index's own error when both passed the service's check. The account is there now.
      if (!(await userRepository.findByUsername(db, person.username))) throw error;
    }
    row = await userRepository.findByUsername(db, person.username);
    if (!row) throw new Error(`demo person ${person.username} could not be created`);
  }
  const user = toUser(row);
  return { userId: user.id, username: user.username, roles: user.roles, requestId: null, via: 'system' };
}
