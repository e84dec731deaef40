/** The server package's runtime exports. */
export type ServerModule = typeof import('@slipway/server');

let loading: Promise<ServerModule> | undefined;

/**
 * Loads `@slipway/server` on first use. It brings Fastify, the database drivers and argon2, which
 * take most of a second to load: `--help` and the commands that only talk to a running server
 * (login, whoami, token) never pay for it.
 */
export function loadServer(): Promise<ServerModule> {
  loading ??= import('@slipway/server');
  return loading;
}
