import fs from 'node:fs';
import { unwrap } from '@slipway/client';
import { KPI_BUCKETS, type KpiBucket, RELEASE_ELEMENTS } from '@slipway/model';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import { oneOf } from '../option-parsers.js';
import { formatTable } from '../table-format.js';

const pct = (r: { value: number | null; numerator: number; denominator: number }) =>
  r.value === null ? `– (0 counted)` : `${Math.round(r.value * 1000) / 10} % (${r.numerator} of ${r.denominator})`;

interface KpiOptions extends ApiOptions {
  from?: string;
  to?: string;
  service?: string;
  element?: string;
  bucket?: KpiBucket;
  csv?: string;
  json?: boolean;
}

/** `slipway kpi`: release and change KPIs plus the DORA four keys for a period. */
export function registerKpi(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('kpi')
      .description('KPIs (downtime, on-time rollouts, back-outs, change success…) and DORA keys for a period')
      .option('--from <date>', 'start (default: 90 days ago)')
      .option('--to <date>', 'end (default: now)')
      .option('--service <name>', 'only what touches this service')
      .option('--element <element>', `release element: ${RELEASE_ELEMENTS.join(', ')}`)
      .option('--bucket <bucket>', `trend bucket: ${KPI_BUCKETS.join(', ')}`, oneOf(KPI_BUCKETS))
      .option('--csv <file>', 'write the KPI trend as CSV to this file ("-" for standard output)')
      .option('--json', 'print JSON (KPIs and DORA)'),
  ).action(async (options: KpiOptions) => {
    const { api } = apiClient(options, io);
    const query = {
      ...(options.from !== undefined && { from: options.from }),
      ...(options.to !== undefined && { to: options.to }),
      ...(options.service !== undefined && { service: options.service }),
      ...(options.element !== undefined && { element: options.element as (typeof RELEASE_ELEMENTS)[number] }),
      ...(options.bucket !== undefined && { bucket: options.bucket }),
    };
    if (options.csv !== undefined) {
      const csv = String(await unwrap(api.GET('/api/v1/metrics/kpis/csv', { params: { query }, parseAs: 'text' })));
      if (options.csv === '-') io.stdout.write(csv);
      else {
        fs.writeFileSync(options.csv, csv);
        printLines(io, `Wrote the KPIs to ${options.csv}`);
      }
      return;
    }
    const { bucket: _bucket, ...doraQuery } = query;
    const kpis = await unwrap(api.GET('/api/v1/metrics/kpis', { params: { query } }));
    const dora = await unwrap(api.GET('/api/v1/metrics/dora', { params: { query: doraQuery } }));
    if (options.json) {
      printJson(io, { kpis, dora });
      return;
    }
    const s = kpis.summary;
    const scope = [
      kpis.filter.service && `service ${kpis.filter.service}`,
      kpis.filter.element && `element ${kpis.filter.element}`,
    ]
      .filter(Boolean)
      .join(', ');
    printLines(
      io,
      `KPIs ${s.from.slice(0, 10)} … ${s.to.slice(0, 10)}${scope ? ` (${scope})` : ''}`,
      `  Downtime caused by releases  ${s.downtime.totalMinutes} min (rollouts ${s.downtime.rolloutMinutes}, incidents ${s.downtime.incidentMinutes})`,
      `  Rollouts on time             ${pct(s.rolloutsOnTime)}; ${s.rolloutsOnTime.running} running, ${s.rolloutsOnTime.unplanned} without planned end`,
      `  Back-out rate                ${pct(s.backoutRate)}`,
      `  Change success rate          ${pct(s.changeSuccessRate)}; ${s.changeSuccessRate.unreviewed} not reviewed`,
      `  Emergency changes            ${pct(s.emergencyChangeRatio)}`,
      `  Unauthorized / unlicensed    ${s.unauthorizedCis ?? '–'} / ${s.unlicensedCis ?? '–'} CIs (now)`,
      `  Releases to production       ${s.releases.total} (${
        Object.entries(s.releases.byType)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'none'
      })`,
      `  Lead time plan → production  ${s.leadTimeHours.median === null ? '–' : `${s.leadTimeHours.median} h median`} over ${s.leadTimeHours.count}`,
      '',
      'DORA four keys',
      `  Deployment frequency   ${dora.deploymentFrequency.perWeek} per week (${dora.deployments})   ${dora.deploymentFrequency.band}`,
      `  Lead time for changes  ${dora.leadTimeForChanges.medianHours ?? '–'} h median   ${dora.leadTimeForChanges.band ?? 'no data'}`,
      `  Change failure rate    ${pct(dora.changeFailureRate)}; ${dora.changeFailureRate.unattributedIncidents} incidents without cause   ${dora.changeFailureRate.band ?? 'no data'}`,
      `  Time to restore        ${dora.timeToRestore.medianHours ?? '–'} h median; ${dora.timeToRestore.unresolved} unresolved   ${dora.timeToRestore.band ?? 'no data'}`,
      '',
      `Downtime by service`,
      s.downtime.byService.length === 0
        ? '  none'
        : formatTable(s.downtime.byService, [
            { header: 'SERVICE', value: (r) => r.service },
            { header: 'MINUTES', value: (r) => String(r.minutes) },
            { header: 'ROLLOUTS', value: (r) => String(r.rolloutMinutes) },
            { header: 'INCIDENTS', value: (r) => String(r.incidentMinutes) },
          ]),
      '',
      `Trend by ${kpis.bucket}`,
      formatTable(kpis.trend, [
        { header: 'FROM', value: (b) => b.from.slice(0, 10) },
        { header: 'DOWNTIME', value: (b) => String(b.downtime.totalMinutes) },
        { header: 'ON TIME', value: (b) => `${b.rolloutsOnTime.numerator}/${b.rolloutsOnTime.denominator}` },
        { header: 'BACK-OUTS', value: (b) => `${b.backoutRate.numerator}/${b.backoutRate.denominator}` },
        { header: 'CHANGES OK', value: (b) => `${b.changeSuccessRate.numerator}/${b.changeSuccessRate.denominator}` },
        { header: 'RELEASES', value: (b) => String(b.releases.total) },
      ]),
    );
  });
}
