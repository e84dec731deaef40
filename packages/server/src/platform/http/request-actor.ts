import type { FastifyRequest } from 'fastify';
import type { Actor } from '../actor.js';
import { actorOf } from '../auth/principal.js';
import { principalOf } from './access-control.js';

/** The actor a request's writes are audited under. */
export function actorOfRequest(request: FastifyRequest): Actor {
  return actorOf(principalOf(request), request.id);
}
