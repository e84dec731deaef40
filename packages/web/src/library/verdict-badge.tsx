/** A licence verdict (allowed, denied, needs review) as a badge; the rule that decided it in the tooltip. */
export function VerdictBadge({ verdict, rule, reason }: { verdict: string; rule?: string; reason?: string }) {
  const label = verdict.replaceAll('_', ' ');
  return (
    <span className={`status verdict verdict-${verdict}`} title={reason ? `${reason} (${rule})` : rule}>
      {label}
    </span>
  );
}

/** An artifact's lifecycle state. */
export function ArtifactStateBadge({ state }: { state: string }) {
  return <span className={`status artifact-state artifact-${state}`}>{state}</span>;
}

/** The signature verdict, or "unsigned". */
export function SignatureBadge({ signature }: { signature: { status: string; reason: string | null } | null }) {
  if (!signature) return <span className="muted">unsigned</span>;
  return (
    <span className={`status signature-${signature.status}`} title={signature.reason ?? undefined}>
      {signature.status === 'verified' ? 'signature verified' : `signature ${signature.status}`}
    </span>
  );
}

/** The first 12 hex digits of a digest, the whole one in the tooltip. */
export function ShortDigest({ sha256 }: { sha256: string }) {
  return (
    <code title={`sha256:${sha256}`} className="digest">
      {sha256.slice(0, 12)}…
    </code>
  );
}
