/** Plain-text tables and number formats for the benchmark report. */

const FORMATS = {
  int: (v) => Math.round(v).toLocaleString('en-US'),
  ms: (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 || v === 0 ? v.toFixed(2) : v.toPrecision(2)),
  /** Whole milliseconds, as autocannon records them: 0 means under a millisecond. */
  wholeMs: (v) => (v < 1 ? '<1' : Math.round(v).toString()),
  mb: (v) => v.toFixed(0),
  ratio: (v) => `${v.toFixed(2)}×`,
  text: (v) => String(v),
};

export function formatValue(value, format = 'text') {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '–';
  return (FORMATS[format] ?? FORMATS.text)(value);
}

/**
 * Renders rows as an aligned table. `columns`: [{ key, label, format, align }]; a key may be a
 * function of the row.
 */
export function table(columns, rows) {
  const cells = rows.map((row) =>
    columns.map((c) => formatValue(typeof c.key === 'function' ? c.key(row) : row[c.key], c.format)),
  );
  const widths = columns.map((c, i) => Math.max(c.label.length, ...cells.map((r) => r[i].length)));
  const align = (text, i) => {
    const right =
      (columns[i].align ?? (columns[i].format && columns[i].format !== 'text' ? 'right' : 'left')) === 'right';
    return right ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  };
  const lines = [
    columns.map((c, i) => align(c.label, i)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => r.map((text, i) => align(text, i)).join('  ')),
  ];
  return lines.map((line) => line.trimEnd()).join('\n');
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
