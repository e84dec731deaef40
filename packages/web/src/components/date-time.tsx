const formatter = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const precise = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A timestamp in the reader's locale; the exact ISO time is in the tooltip and the markup. */
export function DateTime({
  value,
  seconds = false,
  empty = '—',
}: {
  value: string | null;
  seconds?: boolean;
  empty?: string;
}) {
  if (!value) return <span className="muted">{empty}</span>;
  const date = new Date(value);
  return (
    <time dateTime={value} title={value}>
      {(seconds ? precise : formatter).format(date)}
    </time>
  );
}
