import type { SlipwayClient } from '@slipway/client';
import type { ChangeAction, ChangeState, ChangeType } from '@slipway/model';
import { type ApiCall, ifMatch, newIdempotencyKey, type PageParams, present } from './api-support.js';

export interface ChangeFilters extends PageParams {
  /** One state or several. */
  states?: readonly ChangeState[] | undefined;
  type?: ChangeType | '' | undefined;
  ciId?: number | undefined;
  requesterId?: number | undefined;
  implementerId?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** What the create/edit form sends; null clears a field. */
export interface ChangeDraft {
  title: string;
  description: string;
  justification: string;
  ciIds: number[];
  plannedStart: string | null;
  plannedEnd: string | null;
  implementerId: number | null;
  backoutPlan: string | null;
  templateId: number | null;
  /** The owning team (one the user belongs to); null = organisation-wide. */
  teamId: number | null;
}

/** Change management: changes, decisions, agenda, conflicts, freezes and the calendar. */
export function changesApi(client: SlipwayClient, call: ApiCall) {
  return {
    list: (filters: ChangeFilters = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/changes', {
          params: {
            query: {
              limit: filters.limit,
              cursor: filters.cursor,
              state: filters.states && filters.states.length > 0 ? filters.states.join(',') : undefined,
              type: present(filters.type),
              ciId: filters.ciId,
              requesterId: filters.requesterId,
              implementerId: filters.implementerId,
              from: present(filters.from),
              to: present(filters.to),
            },
          },
          signal,
        }),
      ),
    get: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/changes/{id}', { params: { path: { id } }, signal })),
    create: (type: ChangeType, draft: ChangeDraft) =>
      call(
        client.POST('/api/v1/changes', {
          params: { header: { 'idempotency-key': newIdempotencyKey() } },
          body: { type, ...draft },
        }),
      ),
    update: (change: { id: number; version: number }, draft: Omit<ChangeDraft, 'templateId'>) =>
      call(
        client.PATCH('/api/v1/changes/{id}', {
          params: { path: { id: change.id }, header: { 'if-match': ifMatch(change.version) } },
          body: draft,
        }),
      ),
    /** Impact and risk as they would be now, not stored (works for a draft in state `new`). */
    assessment: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/changes/{id}/assessment', { params: { path: { id } }, signal })),
    conflicts: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/changes/{id}/conflicts', { params: { path: { id } }, signal })),
    approvals: (id: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/changes/{id}/approvals', { params: { path: { id } }, signal })),
    history: (id: number, page: PageParams = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/changes/{id}/history', {
          params: { path: { id }, query: { limit: page.limit, cursor: page.cursor } },
          signal,
        }),
      ),
    /** A lifecycle step (submit, assess, schedule, start, complete, close, cancel) with an optional comment. */
    act: (
      change: { id: number; version: number },
      action: Exclude<ChangeAction, 'reject' | 'reauthorize'>,
      body: { comment?: string; freezeOverride?: { reason: string } } = {},
    ) =>
      call(
        client.POST(`/api/v1/changes/{id}/${action}`, {
          params: { path: { id: change.id }, header: { 'if-match': ifMatch(change.version) } },
          body,
        }),
      ),
    /** A CAB decision on the version the member reviewed (412 if the change moved meanwhile). */
    decide: (change: { id: number; version: number }, decision: 'approve' | 'reject', comment: string) =>
      call(
        client.POST(`/api/v1/changes/{id}/${decision}`, {
          params: { path: { id: change.id }, header: { 'if-match': ifMatch(change.version) } },
          body: { comment },
        }),
      ),
    review: (
      change: { id: number; version: number },
      body: { outcome: 'successful' | 'partially_successful' | 'failed' | 'backed_out'; lessons?: string },
    ) =>
      call(
        client.POST('/api/v1/changes/{id}/review', {
          params: { path: { id: change.id }, header: { 'if-match': ifMatch(change.version) } },
          body,
        }),
      ),
    agenda: (signal?: AbortSignal) => call(client.GET('/api/v1/changes/agenda', { signal })),
    overdueReviews: (page: PageParams = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/changes/reviews/overdue', {
          params: { query: { limit: page.limit, cursor: page.cursor } },
          signal,
        }),
      ),
    templates: (signal?: AbortSignal) =>
      call(client.GET('/api/v1/change-templates', { params: { query: { active: true, limit: 100 } }, signal })),
    calendar: (range: { from: string; to: string; conflicts?: boolean }, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/calendar', {
          params: { query: { from: range.from, to: range.to, conflicts: range.conflicts } },
          signal,
        }),
      ),
    feedTokens: {
      list: (signal?: AbortSignal) => call(client.GET('/api/v1/calendar/feed-tokens', { signal })),
      create: (name: string) => call(client.POST('/api/v1/calendar/feed-tokens', { body: { name } })),
      revoke: (id: number) => call(client.DELETE('/api/v1/calendar/feed-tokens/{id}', { params: { path: { id } } })),
    },
  };
}
