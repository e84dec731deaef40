import type { SlipwayClient } from '@slipway/client';
import { SlipwayApiError, SlipwayConnectionError } from '@slipway/client';
import { type ApiCall, ifMatch, type PageParams } from './api-support.js';

/** One problem of a policy document: where (JSON pointer, YAML line and column) and what. */
export interface PolicyProblem {
  path: string;
  line: number | null;
  column: number | null;
  message: string;
}

export interface PolicyApiOptions {
  csrfToken: () => string | null;
  onUnauthenticated: () => void;
}

/**
 * The release policy. Reading goes through the typed client; checking and applying send the
 * YAML text itself (Content-Type application/yaml), which the generated client does not model,
 * so those two use fetch with the same CSRF header and error handling.
 */
export function policyApi(client: SlipwayClient, call: ApiCall, options: PolicyApiOptions) {
  async function sendYaml<T>(method: 'POST' | 'PUT', path: string, yaml: string, headers: Record<string, string> = {}) {
    const csrf = options.csrfToken();
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        credentials: 'include',
        headers: {
          accept: 'application/json',
          'content-type': 'application/yaml',
          ...(csrf && { 'x-csrf-token': csrf }),
          ...headers,
        },
        body: yaml,
      });
    } catch (error) {
      throw new SlipwayConnectionError(window.location.origin, error);
    }
    if (!response.ok) {
      const error = await SlipwayApiError.fromResponse(response);
      if (error.code === 'UNAUTHENTICATED') options.onUnauthenticated();
      throw error;
    }
    return (await response.json()) as T;
  }

  return {
    current: (signal?: AbortSignal) => call(client.GET('/api/v1/policy', { signal })),
    versions: (page: PageParams = {}, signal?: AbortSignal) =>
      call(
        client.GET('/api/v1/policy/versions', {
          params: { query: { limit: page.limit, cursor: page.cursor } },
          signal,
        }),
      ),
    version: (version: number, signal?: AbortSignal) =>
      call(client.GET('/api/v1/policy/versions/{version}', { params: { path: { version } }, signal })),
    /** Validates without applying: every problem with its line. */
    check: (yaml: string) =>
      sendYaml<{ valid: boolean; problems: PolicyProblem[] }>('POST', '/api/v1/policy/check', yaml),
    /** Applies a new version on top of `basedOn` (412 when someone applied another meanwhile). */
    apply: (yaml: string, comment: string, basedOn: number) =>
      sendYaml<{ version: number }>('PUT', `/api/v1/policy?${new URLSearchParams({ comment }).toString()}`, yaml, {
        'if-match': ifMatch(basedOn),
      }),
  };
}
