import type { Db } from '../database.js';
import { teamRepository } from './team.repository.js';
import { canSee, SCOPED_OBJECTS, type ScopedObject, type Visibility } from './team-scope.js';

/** A reference from some item (a calendar event, a conflict) to a scoped object. */
export interface ScopedRef {
  object: ScopedObject;
  id: number;
}

export function isScopedObject(value: string): value is ScopedObject {
  return (SCOPED_OBJECTS as readonly string[]).includes(value);
}

/**
 * Keeps the items whose every scoped reference is visible, for results assembled from several
 * objects (calendar events, conflict reports) that a single SQL filter cannot cover. One query
 * per kind of object referenced. A reference to an object that no longer exists counts as visible
 * (it has no team to hide).
 */
export async function onlyVisible<T>(
  db: Db,
  items: readonly T[],
  refsOf: (item: T) => readonly ScopedRef[],
  visibility: Visibility,
): Promise<T[]> {
  if (visibility.all) return [...items];
  const wanted = new Map<ScopedObject, number[]>();
  for (const item of items) {
    for (const ref of refsOf(item)) {
      const list = wanted.get(ref.object) ?? [];
      list.push(ref.id);
      wanted.set(ref.object, list);
    }
  }
  const teams = new Map<ScopedObject, Map<number, number | null>>();
  for (const [object, ids] of wanted) teams.set(object, await teamRepository.teamsOf(db, object, ids));
  return items.filter((item) =>
    refsOf(item).every((ref) => canSee(visibility, teams.get(ref.object)?.get(ref.id) ?? null)),
  );
}

/**
 * The references (as `object:id`) the caller may not see, for results that keep an
 * organisation-wide item but must redact what it says about another team's object (an
 * incident's cause). One query per kind of object referenced.
 */
export async function hiddenRefs(db: Db, refs: readonly ScopedRef[], visibility: Visibility): Promise<Set<string>> {
  const hidden = new Set<string>();
  if (visibility.all || refs.length === 0) return hidden;
  for (const object of SCOPED_OBJECTS) {
    const ids = refs.filter((r) => r.object === object).map((r) => r.id);
    if (ids.length === 0) continue;
    for (const [id, teamId] of await teamRepository.teamsOf(db, object, ids)) {
      if (!canSee(visibility, teamId)) hidden.add(`${object}:${id}`);
    }
  }
  return hidden;
}
