import {
  type DoraReport,
  type KpiFigures,
  MATURITY_AREA_NAMES,
  MATURITY_AREAS,
  MATURITY_LEVEL_NAMES,
  type MaturityLevel,
  type MaturityProcess,
} from '@slipway/model';
import type { Assessment } from './maturity.service.js';

const PROCESS_NAMES: Record<MaturityProcess, string> = {
  release: 'Release management',
  change: 'Change management',
  configuration: 'Configuration management',
};

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const pct = (value: number | null) => (value === null ? '–' : `${Math.round(value * 1000) / 10} %`);

/**
 * Horizontal bars of level 1–5 per row; an optional earlier level is drawn as an outline so a
 * printed page shows the movement without colour.
 */
function levelBars(rows: { label: string; level: MaturityLevel; before?: MaturityLevel | undefined }[]): string {
  const labelWidth = 190;
  const unit = 80;
  const rowHeight = 26;
  const width = labelWidth + unit * 5 + 20;
  const height = rows.length * rowHeight + 26;
  const grid = [1, 2, 3, 4, 5]
    .map((l) => {
      const x = labelWidth + unit * l;
      return `<line x1="${x}" y1="0" x2="${x}" y2="${height - 22}" stroke="#ccc"/><text x="${x - unit / 2}" y="${height - 6}" font-size="10" text-anchor="middle">${l} ${MATURITY_LEVEL_NAMES[l as MaturityLevel]}</text>`;
    })
    .join('');
  const bars = rows
    .map((row, i) => {
      const y = i * rowHeight + 4;
      const before =
        row.before === undefined
          ? ''
          : `<rect x="${labelWidth}" y="${y}" width="${unit * row.before}" height="18" fill="none" stroke="#333" stroke-dasharray="4 2"/>`;
      return `<text x="0" y="${y + 13}" font-size="12">${escapeHtml(row.label)}</text><rect x="${labelWidth}" y="${y}" width="${unit * row.level}" height="18" fill="#2f6f9f"/>${before}<text x="${labelWidth + unit * row.level + 4}" y="${y + 13}" font-size="11">${row.level}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${grid}${bars}</svg>`;
}

/** A small bar chart of a trend (e.g. downtime per month). */
function trendBars(points: { label: string; value: number }[], unitLabel: string): string {
  const width = 640;
  const height = 150;
  const max = Math.max(1, ...points.map((p) => p.value));
  const slot = points.length === 0 ? width : (width - 40) / points.length;
  const bars = points
    .map((p, i) => {
      const h = Math.round((p.value / max) * (height - 40));
      const x = 40 + i * slot;
      return `<rect x="${x + 2}" y="${height - 20 - h}" width="${Math.max(2, slot - 4)}" height="${h}" fill="#9f4f2f"/><text x="${x + slot / 2}" y="${height - 6}" font-size="9" text-anchor="middle">${escapeHtml(p.label)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"><text x="0" y="12" font-size="10">${escapeHtml(unitLabel)} (max ${Math.round(max)})</text><line x1="40" y1="${height - 20}" x2="${width}" y2="${height - 20}" stroke="#999"/>${bars}</svg>`;
}

export interface ReportContext {
  previous?: Assessment | undefined;
  kpis?: { summary: KpiFigures; trend: KpiFigures[] } | undefined;
  dora?: DoraReport | undefined;
}

/** The leadership report of one assessment: self-contained HTML that prints well to PDF (A4). */
export function renderMaturityReport(assessment: Assessment, context: ReportContext = {}): string {
  const { previous, kpis, dora } = context;
  const processes = assessment.result.processes;
  const overview = levelBars(
    processes.map((p) => ({
      label: PROCESS_NAMES[p.process],
      level: p.level,
      before: previous?.levels[p.process],
    })),
  );
  const sections = processes
    .map((p) => {
      const areas = levelBars(MATURITY_AREAS.map((a) => ({ label: MATURITY_AREA_NAMES[a], level: p.areas[a] })));
      const gaps =
        p.gaps.length === 0
          ? '<p>No gaps: every criterion of the next level holds, or the top level is reached.</p>'
          : `<table><thead><tr><th>Area</th><th>Criterion (level ${p.level + 1})</th><th>Answer</th><th>Recommendation</th></tr></thead><tbody>${p.gaps
              .map(
                (g) =>
                  `<tr><td>${escapeHtml(MATURITY_AREA_NAMES[g.area])}</td><td>${escapeHtml(g.text)}</td><td>${g.answer ?? 'unanswered'}</td><td>${escapeHtml(g.recommendation)}</td></tr>`,
              )
              .join('')}</tbody></table>`;
      const questions = assessment.result.questions
        .filter((q) => q.process === p.process)
        .map((q) => {
          const evidence = q.measured
            ? `${pct(q.measured.value)} (${q.measured.numerator} of ${q.measured.denominator})`
            : '';
          return `<tr><td>${q.level}</td><td>${escapeHtml(q.text)}</td><td class="a-${q.answer ?? 'none'}">${q.answer ?? '–'}</td><td>${q.source ?? ''}</td><td>${escapeHtml(evidence)}${q.note ? `<br><em>${escapeHtml(q.note)}</em>` : ''}</td></tr>`;
        })
        .join('');
      return `<section><h2>${escapeHtml(PROCESS_NAMES[p.process])}: level ${p.level} ${escapeHtml(p.levelName)}</h2>${areas}<h3>Gaps to level ${Math.min(5, p.level + 1)}</h3>${gaps}<h3>Answers and evidence</h3><table><thead><tr><th>Level</th><th>Question</th><th>Answer</th><th>Source</th><th>Evidence</th></tr></thead><tbody>${questions}</tbody></table></section>`;
    })
    .join('');
  const kpiSection = kpis
    ? `<section><h2>KPIs, last 12 months</h2><table><tbody>
<tr><th>Downtime caused by releases</th><td>${kpis.summary.downtime.totalMinutes} min (rollouts ${kpis.summary.downtime.rolloutMinutes}, incidents ${kpis.summary.downtime.incidentMinutes})</td></tr>
<tr><th>Rollouts on time</th><td>${pct(kpis.summary.rolloutsOnTime.value)} (${kpis.summary.rolloutsOnTime.numerator} of ${kpis.summary.rolloutsOnTime.denominator})</td></tr>
<tr><th>Back-out rate</th><td>${pct(kpis.summary.backoutRate.value)} (${kpis.summary.backoutRate.numerator} of ${kpis.summary.backoutRate.denominator})</td></tr>
<tr><th>Change success rate</th><td>${pct(kpis.summary.changeSuccessRate.value)} (${kpis.summary.changeSuccessRate.numerator} of ${kpis.summary.changeSuccessRate.denominator})</td></tr>
<tr><th>Emergency changes</th><td>${pct(kpis.summary.emergencyChangeRatio.value)} (${kpis.summary.emergencyChangeRatio.numerator} of ${kpis.summary.emergencyChangeRatio.denominator})</td></tr>
<tr><th>Unauthorized / unlicensed CIs (now)</th><td>${kpis.summary.unauthorizedCis ?? '–'} / ${kpis.summary.unlicensedCis ?? '–'}</td></tr>
</tbody></table>${trendBars(
        kpis.trend.map((b) => ({ label: b.from.slice(0, 7), value: b.downtime.totalMinutes })),
        'Downtime caused by releases, minutes per month',
      )}</section>`
    : '';
  const doraSection = dora
    ? `<section><h2>DORA four keys, last 12 months</h2><table><tbody>
<tr><th>Deployment frequency</th><td>${dora.deploymentFrequency.perWeek} per week (${dora.deployments} deployments)</td><td>${dora.deploymentFrequency.band}</td></tr>
<tr><th>Lead time for changes</th><td>${dora.leadTimeForChanges.medianHours ?? '–'} h (median)</td><td>${dora.leadTimeForChanges.band ?? 'no data'}</td></tr>
<tr><th>Change failure rate</th><td>${pct(dora.changeFailureRate.value)} (${dora.changeFailureRate.numerator} of ${dora.changeFailureRate.denominator} deployments; ${dora.changeFailureRate.unattributedIncidents} incidents without a recorded cause)</td><td>${dora.changeFailureRate.band ?? 'no data'}</td></tr>
<tr><th>Time to restore</th><td>${dora.timeToRestore.medianHours ?? '–'} h (median of ${dora.timeToRestore.restored})</td><td>${dora.timeToRestore.band ?? 'no data'}</td></tr>
</tbody></table></section>`
    : '';
  const comparison = previous
    ? `<p>Compared with “${escapeHtml(previous.title)}” of ${escapeHtml(previous.createdAt.slice(0, 10))} (dashed outline).</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(assessment.title)} — Slipway maturity assessment</title>
<style>
@page { size: A4; margin: 16mm; }
body { font: 12px/1.4 system-ui, sans-serif; color: #111; max-width: 900px; margin: 0 auto; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; } h3 { font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
section { break-inside: avoid-page; }
tr { break-inside: avoid; }
.a-yes { font-weight: bold; } .a-no { text-decoration: underline; }
@media print { section { page-break-before: auto; } a { color: inherit; } }
</style></head><body>
<h1>${escapeHtml(assessment.title)}</h1>
<p>ITIL process maturity framework self-assessment, ${escapeHtml(assessment.createdAt.slice(0, 10))}, by ${escapeHtml(assessment.createdBy)}. A level is reached when every criterion of it and of the levels below holds; evidence-backed answers come from Slipway's own records.</p>
${comparison}
<section><h2>Levels reached</h2>${overview}</section>
${kpiSection}${doraSection}${sections}
</body></html>`;
}
