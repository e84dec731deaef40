import type { GateCheck, ReleaseReadiness } from '../api/types.js';
import { stateLabel } from './release-badges.js';

function Checks({ checks }: { checks: GateCheck[] }) {
  return (
    <ul className="check-list">
      {checks.map((check) => (
        <li key={check.guard} className={check.met ? 'check-met' : 'check-unmet'} data-guard={check.guard}>
          {check.description}
          {check.violations.length > 0 && (
            <ul className="violation-list">
              {check.violations.map((violation, index) => (
                // A gate may name one rule several times (one per test or target): position tells them apart.
                // biome-ignore lint/suspicious/noArrayIndexKey: violations carry no id of their own.
                <li key={`${violation.id}-${index}`} data-rule={violation.id}>
                  <code>{violation.id}</code>: {violation.message}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * The readiness checklist: for each next step of the release, every gate with whether it holds
 * and, when it does not, every unmet rule by name, judged by the current policy version.
 */
export function ReadinessChecklist({ readiness }: { readiness: ReleaseReadiness }) {
  const steps = readiness.transitions.filter((transition) => transition.to !== 'cancelled');
  return (
    <div data-testid="readiness">
      <p className="small muted">Judged by policy version {readiness.policyVersion}.</p>
      {steps.length === 0 && <p className="muted">No further step from {stateLabel(readiness.state)}.</p>}
      {steps.map((step) => (
        <div key={`${step.action}-${step.to}`} className="transition-block">
          <p>
            <strong>
              {step.action.replaceAll('_', ' ')} → {stateLabel(step.to)}
            </strong>{' '}
            {step.ready ? (
              <span className="status status-on">ready</span>
            ) : (
              <span className="status status-off">
                {step.checks.filter((check) => !check.met).length} gate(s) unmet
              </span>
            )}
          </p>
          <Checks checks={step.checks} />
        </div>
      ))}
      {readiness.approval && (
        <div className="transition-block">
          <p>
            <strong>Approval</strong>{' '}
            {readiness.approval.open ? (
              <span className="status status-on">open for approvers</span>
            ) : (
              <span className="status status-off">not open yet</span>
            )}
          </p>
          <Checks checks={readiness.approval.checks} />
        </div>
      )}
    </div>
  );
}
