import http from 'node:http';

/**
 * An open-loop load generator: request i is due at start + i / rate whether or not earlier ones
 * were answered, and its latency counts from that due time. A closed-loop generator (each
 * connection waits for its answer before sending again) sends less when the server stalls and so
 * hides the stall from its percentiles (coordinated omission). autocannon 9, a devDependency,
 * corrects for that with an expected interval of ceil(1 / rate) = 1 ms, which back-fills
 * synthetic samples for every answer slower than 1 ms: on the reference machine it reported
 * p99 214 ms for a run whose real p99 was 36 ms. Hence this small generator.
 */

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
}

/** What one load phase measured, as the suite prints and asserts it. */
export interface LoadPhase {
  label: string;
  seconds: number;
  /** Requests sent (all of them got an answer, an error or a timeout). */
  requests: number;
  /** Answers per second actually achieved. */
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** Response counts by status code. */
  statuses: Record<string, number>;
  /** p99 of the answers that were not shed (2xx/4xx other than 429). */
  admittedP99: number;
  /** Answers 429 or 503: load the server refused. */
  shed: number;
  /** Connection errors (no HTTP answer at all). */
  errors: number;
  timeouts: number;
  /** The first few answers that were neither 2xx nor shed: request and body, for diagnosis. */
  unexpected: string[];
}

export interface LoadOptions {
  url: string;
  token: string;
  /**
   * Requests per second offered (open loop). `closed: N` instead keeps N requests outstanding at
   * all times, each sent the moment the previous one is answered: load that exceeds whatever the
   * server's capacity is, on any machine.
   */
  rate: number | { closed: number };
  seconds: number;
  label: string;
  next(): LoadRequest;
  /** Concurrent sockets; requests beyond it wait in the client and that wait counts. */
  maxSockets?: number;
  timeoutMs?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Offers `rate` requests per second for `seconds`, then waits for the last answers. */
export async function runOpenLoop(options: LoadOptions): Promise<LoadPhase> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const latencies: number[] = [];
  const admitted: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const unexpected: string[] = [];
  const pending = new Set<Promise<void>>();

  const send = (request: LoadRequest, due: number): Promise<void> => {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.path,
          headers: {
            authorization: `Bearer ${options.token}`,
            ...(body !== undefined && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            }),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const keep = status >= 300 && status !== 429 && status !== 503 && unexpected.length < 5;
          let text = '';
          if (keep) res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          else res.resume();
          res.on('end', () => {
            if (keep) unexpected.push(`${request.method} ${request.path} → ${status} ${text.slice(0, 300)}`);
            const latency = performance.now() - due;
            statuses[status] = (statuses[status] ?? 0) + 1;
            latencies.push(latency);
            if (status !== 429 && status !== 503) admitted.push(latency);
            resolve();
          });
          res.on('error', () => {
            errors++;
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', (error) => {
        if (error.message !== 'timeout') errors++;
        resolve();
      });
      req.end(body);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
    return done;
  };

  const start = performance.now();
  let sent = 0;
  const rate = options.rate;
  if (typeof rate === 'number') {
    const total = Math.round(rate * options.seconds);
    // A tick every ms or so sends whatever fell due since the last one, each with its own due time.
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - start;
        const due = Math.min(total, Math.floor((elapsed / 1000) * rate) + 1);
        while (sent < due) {
          send(options.next(), start + (sent / rate) * 1000);
          sent++;
        }
        if (sent >= total) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
  } else {
    const end = start + options.seconds * 1000;
    const worker = async () => {
      while (performance.now() < end) {
        sent++;
        await send(options.next(), performance.now());
      }
    };
    await Promise.all(Array.from({ length: rate.closed }, () => worker()));
  }
  while (pending.size > 0) await Promise.all([...pending]);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();

  latencies.sort((a, b) => a - b);
  admitted.sort((a, b) => a - b);
  const shed = (statuses['429'] ?? 0) + (statuses['503'] ?? 0);
  return {
    label: options.label,
    seconds: Math.round(seconds * 10) / 10,
    requests: sent,
    perSecond: Math.round(latencies.length / seconds),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? 0),
    statuses,
    admittedP99: round(percentile(admitted, 99)),
    shed,
    errors,
    timeouts,
    unexpected,
  };
}

/**
 * The mixed workload of the load suite: out of every 10 requests 8 read (6 CIs by id, 2 lists of
 * 20) and 2 write (a new CI; an update of a CI), each write a row plus its audit entry in one
 * transaction. Reads pick uniformly among `ciIds`; updates go round them.
 */
export function mixedWorkload(ciIds: number[], label: string): () => LoadRequest {
  let i = 0;
  let created = 0;
  let updated = 0;
  const pick = () => ciIds[Math.floor(Math.random() * ciIds.length)];
  return () => {
    const slot = i++ % 10;
    if (slot === 4)
      return { method: 'POST', path: '/api/v1/cis', body: { class: 'server', name: `${label}-${created++}` } };
    if (slot === 9) {
      // Round the CIs, not at random: two updates of one CI in flight at once would be a genuine
      // write conflict (409), which is the concurrency suite's business, not load's.
      updated++;
      const id = ciIds[updated % ciIds.length];
      return { method: 'PATCH', path: `/api/v1/cis/${id}`, body: { attributes: { cpu_cores: updated % 512 } } };
    }
    if (slot === 2 || slot === 7) return { method: 'GET', path: '/api/v1/cis?class=server&limit=20' };
    return { method: 'GET', path: `/api/v1/cis/${pick()}` };
  };
}

/** `label: 4500 req in 15 s (300/s), p50 2 ms, p99 9 ms, max 40 ms, 200×3600 201×450 …` */
export function formatPhase(phase: LoadPhase): string {
  const statuses = Object.entries(phase.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  return (
    `${phase.label}: ${phase.requests} req in ${phase.seconds} s (${phase.perSecond}/s), ` +
    `p50 ${phase.p50} ms, p99 ${phase.p99} ms (admitted ${phase.admittedP99} ms), max ${phase.max} ms, ` +
    `${statuses}, shed ${phase.shed}, errors ${phase.errors}, timeouts ${phase.timeouts}`
  );
}
