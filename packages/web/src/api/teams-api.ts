import type { SlipwayClient } from '@slipway/client';
import type { ApiCall } from './api-support.js';

/** Teams: every signed-in user may list them (with whether they belong to each). */
export function teamsApi(client: SlipwayClient, call: ApiCall) {
  return {
    list: (signal?: AbortSignal) => call(client.GET('/api/v1/teams', { signal })),
  };
}
