/** One running Slipway instance (server process) of the installation; see instance-registry.ts. */
export interface InstancesTable {
  /** The instance's id: the same as its durable-job lease owner (`host:pid:random`). */
  id: string;
  hostname: string;
  pid: number;
  version: string;
  started_at: string;
  /** Last heartbeat, milliseconds since the epoch by the database's clock. */
  heartbeat_ms: number;
}
