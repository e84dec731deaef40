export interface IdempotencyKeysTable {
  /** Who sent it: `user:<id>`. Keys are scoped per principal so nobody replays another's answer. */
  principal: string;
  key: string;
  method: string;
  path: string;
  /** SHA-256 of method, path and body. */
  request_hash: string;
  /**
   * `in_progress` while the first request runs; `committed` once a write of it committed (set in
   * that write's transaction); `done` once its answer is stored.
   */
  state: string;
  status_code: number | null;
  response_body: string | null;
  /** `done`: the replayed headers. `committed`: `{ object: { type, id } }`, the object written last. */
  response_headers: string | null;
  created_at: string;
  /** An in_progress record whose lease passed belongs to a request that died with its process. */
  lease_until: string;
  expires_at: string;
  /**
   * The instance running the first request (instances.id), or null. While that instance's
   * heartbeat is fresh its record is in progress; once it died, a retry may take the key over.
   */
  owner: string | null;
}
