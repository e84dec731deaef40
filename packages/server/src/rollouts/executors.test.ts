import { STEP_TEMPLATE_PLACEHOLDERS } from '@slipway/model';
import { describe, expect, it } from 'vitest';
import { renderArgv, type StepRequest, templateContext } from './executors.js';

const request: StepRequest = {
  rolloutId: 12,
  releaseId: 7,
  environment: 'production',
  action: 'deploy',
  idempotencyKey: 'rollout-12-step-99',
  attempt: 1,
  target: { id: 501, class: 'server', name: 'ams-web01', attributes: { site: 'AMS', cores: 16, tags: ['x'] } },
  release: { id: 7, unit: 'webshop', version: '2.4.0', artifacts: [] },
  procedures: [],
};

describe('step templates', () => {
  it('fills every placeholder the API documents, each element separately', () => {
    // `{ci.<attribute>}` stands for any scalar attribute of the target: here its site.
    const documented = STEP_TEMPLATE_PLACEHOLDERS.map((p) => p.replace('<attribute>', 'site'));
    const argv = renderArgv(['/usr/bin/deploy', ...documented], request.target, templateContext(request));
    expect(argv).toEqual([
      '/usr/bin/deploy',
      '501',
      'ams-web01',
      'server',
      'AMS',
      '7',
      'webshop',
      '2.4.0',
      '12',
      'production',
      'deploy',
      'rollout-12-step-99',
    ]);
  });

  it('refuses a placeholder it cannot fill instead of leaving it empty', () => {
    expect(() => renderArgv(['/usr/bin/deploy', '{ci.tags}'], request.target, templateContext(request))).toThrow(
      /unknown placeholder \{ci\.tags\}/,
    );
  });
});
