import type { ChangeImpact, ChangeRisk } from '../api/types.js';
import { RiskBadge, words } from './change-badges.js';

/** The explainable risk: level, score and each factor's share with the reason behind it. */
export function RiskPanel({ risk, impact }: { risk: ChangeRisk; impact: ChangeImpact | null }) {
  const factors = [...risk.factors].sort((a, b) => b.contribution - a.contribution);
  return (
    <div data-testid="risk-panel">
      <p>
        Risk <RiskBadge risk={risk} /> <span className="muted small">(policy version {risk.policyVersion})</span>
      </p>
      {impact && (
        <p className="small">
          Reaches <strong>{impact.count}</strong> CI{impact.count === 1 ? '' : 's'} and{' '}
          <strong>{impact.servicesTotal}</strong> service{impact.servicesTotal === 1 ? '' : 's'}
          {impact.services.length > 0 && <>: {impact.services.map((s) => s.name).join(', ')}</>}
          {impact.servicesTotal > impact.services.length && ' …'}.
        </p>
      )}
      <ul className="risk-factors" aria-label="Risk factors">
        {factors.map((factor) => (
          <li key={factor.factor} className="risk-factor">
            <span>{words(factor.factor)}</span>
            <meter
              className="risk-bar"
              min={0}
              max={factor.weight}
              value={factor.contribution}
              aria-label={`${words(factor.factor)}: ${factor.contribution.toFixed(1)} of ${factor.weight}`}
            />
            <span className="numeric small">{factor.contribution.toFixed(1)}</span>
            <span className="risk-reason">{factor.reason}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
