import type { paths, SlipwayClient } from '@slipway/client';
import { type ApiCall, ifMatch, newIdempotencyKey } from '../api/api-support.js';

type Json<Operation> = Operation extends { responses: { 200: { content: { 'application/json': infer Body } } } }
  ? Body
  : never;
type Body<Operation> = Operation extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type Freeze = Json<paths['/api/v1/freezes/{id}']['get']>;
export type MaintenanceWindow = Json<paths['/api/v1/maintenance-windows/{id}']['get']>;
export type FreezeInput = Body<paths['/api/v1/freezes']['post']>;
export type MaintenanceWindowInput = Body<paths['/api/v1/maintenance-windows']['post']>;

/** Freezes and maintenance windows (the calendar's windows page); `api.windows` in the session. */
export function windowsApi(client: SlipwayClient, call: ApiCall) {
  return {
    freezes: (signal?: AbortSignal) =>
      call(client.GET('/api/v1/freezes', { params: { query: { limit: 200 } }, signal })),
    createFreeze: (body: FreezeInput) =>
      call(client.POST('/api/v1/freezes', { params: { header: { 'idempotency-key': newIdempotencyKey() } }, body })),
    updateFreeze: (freeze: { id: number; version: number }, body: Partial<FreezeInput>) =>
      call(
        client.PATCH('/api/v1/freezes/{id}', {
          params: { path: { id: freeze.id }, header: { 'if-match': ifMatch(freeze.version) } },
          body,
        }),
      ),
    deleteFreeze: (freeze: { id: number; version: number }) =>
      call(
        client.DELETE('/api/v1/freezes/{id}', {
          params: { path: { id: freeze.id }, header: { 'if-match': ifMatch(freeze.version) } },
        }),
      ),
    maintenanceWindows: (signal?: AbortSignal) =>
      call(client.GET('/api/v1/maintenance-windows', { params: { query: { limit: 200 } }, signal })),
    createMaintenanceWindow: (body: MaintenanceWindowInput) =>
      call(
        client.POST('/api/v1/maintenance-windows', {
          params: { header: { 'idempotency-key': newIdempotencyKey() } },
          body,
        }),
      ),
    updateMaintenanceWindow: (window: { id: number; version: number }, body: Partial<MaintenanceWindowInput>) =>
      call(
        client.PATCH('/api/v1/maintenance-windows/{id}', {
          params: { path: { id: window.id }, header: { 'if-match': ifMatch(window.version) } },
          body,
        }),
      ),
    deleteMaintenanceWindow: (window: { id: number; version: number }) =>
      call(
        client.DELETE('/api/v1/maintenance-windows/{id}', {
          params: { path: { id: window.id }, header: { 'if-match': ifMatch(window.version) } },
        }),
      ),
  };
}

export type WindowsApi = ReturnType<typeof windowsApi>;
