import type { Role } from '@slipway/model';

/** Who is doing something: carried from the request into every service call that writes. */
export interface Actor {
  /** Null for the system itself (migrations, demo loader, scheduled jobs). */
  userId: number | null;
  username: string;
  roles: Role[];
  /** Correlates the audit entry with the request's log lines. */
  requestId: string | null;
  /** How the caller authenticated. */
  via: 'token' | 'session' | 'system' | 'cli';
}

export function systemActor(name = 'system', requestId: string | null = null): Actor {
  return { userId: null, username: name, roles: ['admin'], requestId, via: 'system' };
}
