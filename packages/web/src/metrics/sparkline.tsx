interface SparklineProps {
  /** One value per trend bucket, oldest first; null where the bucket had nothing to measure. */
  values: readonly (number | null)[];
  /** What the line shows, read out by screen readers together with the first and last value. */
  label: string;
  /** How a value reads in the label (percentages for ratios). */
  format?: (value: number) => string;
}

const WIDTH = 120;
const HEIGHT = 28;
const PAD = 2;

/**
 * A small inline-SVG trend line, drawn by hand so the bundle needs no chart library. Buckets
 * without data break the line (a gap, not a fake zero), and a lone point still shows as a dot.
 */
export function Sparkline({ values, label, format = plain }: SparklineProps) {
  const known = values.filter((value): value is number => value !== null);
  if (values.length < 2 || known.length === 0) {
    return <span className="sparkline-empty small muted">no trend</span>;
  }
  const min = Math.min(...known);
  const max = Math.max(...known);
  const span = max - min || 1;
  const x = (index: number) => PAD + (index * (WIDTH - 2 * PAD)) / (values.length - 1);
  const y = (value: number) => HEIGHT - PAD - ((value - min) * (HEIGHT - 2 * PAD)) / span;
  const segments: string[][] = [];
  let current: string[] = [];
  values.forEach((value, index) => {
    if (value === null) {
      if (current.length > 0) segments.push(current);
      current = [];
    } else {
      current.push(`${x(index).toFixed(1)},${y(value).toFixed(1)}`);
    }
  });
  if (current.length > 0) segments.push(current);
  const first = known[0];
  const last = known[known.length - 1];
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={`${label}: ${values.length} periods, from ${format(first as number)} to ${format(last as number)}`}
    >
      {segments.map((points) =>
        points.length === 1 ? (
          <circle key={points[0]} cx={points[0]?.split(',')[0]} cy={points[0]?.split(',')[1]} r="1.8" />
        ) : (
          <polyline key={points.join(' ')} points={points.join(' ')} fill="none" strokeWidth="1.5" />
        ),
      )}
    </svg>
  );
}

function plain(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
