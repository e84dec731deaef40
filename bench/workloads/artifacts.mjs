/**
 * W-ARTIFACTS (issue 4 "Performance"): push and download of a large artifact over loopback
 * through the product's own path — `POST /api/v1/artifacts` (application/octet-stream, streamed,
 * sha256 computed while storing, fsync + link into the content-addressed store) and
 * `GET /api/v1/artifacts/{id}/content` (streamed, hashed on the way out) — against a whole
 * Slipway server process on SQLite. The server's RSS is sampled before and its peak after:
 * streaming must keep it flat whatever the size.
 * Baseline in the same run, on the same file: `sha256sum` (the hashing cost alone, one pass of
 * the file through the same CPU), so the ratio says what the HTTP and storage layers add.
 * Goals (tier M/L, 1 GiB): push and download each ≥ 200 MB/s, server RSS growth ≤ 100 MB.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const MIB = 1024 * 1024;
const TIERS = { S: { mib: 128 }, M: { mib: 1024 }, L: { mib: 1024 } };
const GOAL_MB_S = 200;
const GOAL_RSS_MB = 100;

/** Writes `mib` MiB of random bytes (random so no layer can compress or dedupe it). */
function writeFile(file, mib) {
  const fd = fs.openSync(file, 'w');
  try {
    const block = crypto.randomBytes(8 * MIB);
    for (let written = 0; written < mib; written += 8) {
      // A different block each time, cheaply: flip the first bytes with the block number.
      block.writeUInt32LE(written, 0);
      fs.writeSync(fd, block, 0, Math.min(8, mib - written) * MIB);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function sha256sum(file) {
  const started = performance.now();
  const run = spawnSync('sha256sum', [file], { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0) return { ms: null, digest: null, error: run.stderr || run.error?.message };
  return { ms, digest: run.stdout.split(/\s+/)[0] };
}

function push(url, token, file, size, name) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const query = new URLSearchParams({ name, artifactVersion: '1.0.0', license: 'Apache-2.0' });
    const req = http.request(
      `${url}/api/v1/artifacts?${query}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(size),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode, body, text, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const stream = fs.createReadStream(file, { highWaterMark: MIB });
    stream.on('error', reject);
    stream.pipe(req);
  });
}

function download(url, token, id) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get(`${url}/api/v1/artifacts/${id}/content`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        res.on('data', (c) => {
          bytes += c.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            bytes,
            digest: res.headers['slipway-sha256'],
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export default {
  name: 'artifacts',
  title: 'Software library: streamed artifact push and download vs sha256sum',

  async run(ctx) {
    const mib = ctx.ci ? 16 : TIERS[ctx.tier].mib;
    const size = mib * MIB;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-artifacts-'));
    ctx.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'artifact.bin');
    ctx.log(`writing a ${mib} MiB file of random bytes…`);
    writeFile(file, mib);

    // Baseline first: it also warms the page cache for the push, as it would be for a real client.
    const baseline = sha256sum(file);
    ctx.log(`sha256sum: ${baseline.ms ? `${(baseline.ms / 1000).toFixed(2)} s` : `unavailable (${baseline.error})`}`);

    const server = await ctx.startServer(
      'slipway-cmdb',
      { db: 'sqlite', sqlitePath: path.join(dir, 'slipway.db'), dataDir: path.join(dir, 'data') },
      'artifacts',
    );
    let pushed;
    let fetched;
    let rssBefore;
    let stopped;
    try {
      rssBefore = (await server.stats()).memory.rss / MIB;
      ctx.log('push…');
      pushed = await push(server.url, server.info.token, file, size, `bench-${mib}mib`);
      ctx.log(`   ${(pushed.ms / 1000).toFixed(2)} s, status ${pushed.status}`);
      ctx.log('download…');
      fetched = pushed.status === 201 ? await download(server.url, server.info.token, pushed.body.id) : null;
      if (fetched) ctx.log(`   ${(fetched.ms / 1000).toFixed(2)} s, status ${fetched.status}`);
    } finally {
      stopped = await server.stop();
    }
    const peakRss = stopped?.maxRssMb ?? null;
    const rssGrowth = peakRss !== null ? peakRss - rssBefore : null;
    const rate = (ms) => (ms ? size / 1e6 / (ms / 1000) : null);
    ctx.log(
      `server RSS: ${rssBefore.toFixed(0)} MB before, peak ${peakRss?.toFixed(0) ?? '–'} MB (growth ${rssGrowth?.toFixed(0) ?? '–'} MB)`,
    );

    const rows = [
      {
        label: 'Slipway POST /api/v1/artifacts (streamed, sha256 + fsync + store)',
        role: 'product',
        ms: pushed.ms,
        mbPerSec: rate(pushed.ms),
      },
      {
        label: 'Slipway GET /api/v1/artifacts/{id}/content (streamed, re-hashed)',
        role: 'product',
        ms: fetched ? fetched.ms : null,
        mbPerSec: fetched ? rate(fetched.ms) : null,
      },
      { label: 'sha256sum on the same file', role: 'baseline', ms: baseline.ms, mbPerSec: rate(baseline.ms) },
    ];
    const checks = [
      {
        text: 'push answers 201 with the sha256 sha256sum computes',
        ok: pushed.status === 201 && (!baseline.digest || pushed.body?.sha256 === baseline.digest),
        detail: `status ${pushed.status}, ${pushed.body?.sha256 ?? pushed.text?.slice(0, 300)}`,
      },
      {
        text: 'download answers 200 with every byte and the same digest header',
        ok: fetched?.status === 200 && fetched.bytes === size && fetched.digest === pushed.body?.sha256,
        detail: fetched ? `status ${fetched.status}, ${fetched.bytes} bytes` : 'not run',
      },
    ];
    const full = !ctx.ci && mib >= 1024;
    const goals = full
      ? [
          {
            text: `push ≥ ${GOAL_MB_S} MB/s (issue 4): ${rate(pushed.ms)?.toFixed(0)} MB/s`,
            value: rate(pushed.ms),
            met: rate(pushed.ms) >= GOAL_MB_S,
          },
          {
            text: `download ≥ ${GOAL_MB_S} MB/s (issue 4): ${fetched ? rate(fetched.ms)?.toFixed(0) : '–'} MB/s`,
            value: fetched ? rate(fetched.ms) : null,
            met: fetched ? rate(fetched.ms) >= GOAL_MB_S : false,
          },
          {
            text: `server RSS growth ≤ ${GOAL_RSS_MB} MB (issue 4): ${rssGrowth?.toFixed(0)} MB`,
            value: rssGrowth,
            met: rssGrowth !== null && rssGrowth <= GOAL_RSS_MB,
          },
        ]
      : [];
    return {
      params: {
        mib,
        bytes: size,
        serverRssBeforeMb: rssBefore,
        serverPeakRssMb: peakRss,
        serverRssGrowthMb: rssGrowth,
      },
      columns: [
        { key: 'label', label: 'variant' },
        { key: 'role', label: 'role' },
        { key: 'ms', label: 'ms', format: 'ms' },
        { key: 'mbPerSec', label: 'MB/s', format: 'int' },
      ],
      rows,
      ratios: [
        ...(baseline.ms
          ? [
              {
                label: 'push time ÷ sha256sum time (what HTTP + storage add to hashing)',
                value: pushed.ms / baseline.ms,
              },
            ]
          : []),
        ...(baseline.ms && fetched
          ? [{ label: 'download time ÷ sha256sum time', value: fetched.ms / baseline.ms }]
          : []),
      ],
      goals,
      checks,
    };
  },
};
