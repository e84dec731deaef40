import { unwrap } from '@slipway/client';
import { COMPLIANCE_FINDING_KINDS, type ComplianceFindingKind } from '@slipway/model';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import type { ComplianceReport } from '../library-api.js';
import { formatTable } from '../table-format.js';

function kind(value: string): ComplianceFindingKind {
  if (!(COMPLIANCE_FINDING_KINDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${COMPLIANCE_FINDING_KINDS.join(', ')}`);
  }
  return value as ComplianceFindingKind;
}

interface ComplianceOptions extends ApiOptions {
  kind?: ComplianceFindingKind;
  limit: number;
  all?: boolean;
  json?: boolean;
}

/**
 * One reason of a finding with the policy rule it rests on: `… is not in the software library
 * (library.approved)`. Licence reasons from the server already end with their rule, e.g.
 * `… on the policy's deny list (licences.deny)`, so the rule is added only when the message lacks it.
 */
export function reasonText(reason: { rule: string; message: string }): string {
  return reason.message.includes(reason.rule) ? reason.message : `${reason.message} (${reason.rule})`;
}

/**
 * `slipway compliance`: unauthorized, unlicensed and tampered software on live CIs, as the
 * CMDB reports it installed, compared with the software library and the licence policy.
 */
export function registerCompliance(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('compliance')
      .description('Unauthorized, unlicensed and tampered software on live CIs (CMDB vs the software library)')
      .option('--kind <kind>', `only ${COMPLIANCE_FINDING_KINDS.join(', ')}`, kind)
      .option('--limit <n>', 'findings to list', (v) => Number(v), 50)
      .option('--all', 'list every finding')
      .option('--json', 'print JSON'),
  ).action(async (options: ComplianceOptions) => {
    const { api } = apiClient(options, io);
    const items: ComplianceReport['items'] = [];
    let counts: ComplianceReport['counts'] | undefined;
    let policyVersion = 0;
    let cursor: string | undefined;
    const wanted = options.all ? Number.POSITIVE_INFINITY : options.limit;
    do {
      const page = await unwrap(
        api.GET('/api/v1/library/compliance', {
          params: {
            query: {
              limit: Math.min(1000, Math.max(1, wanted - items.length)),
              ...(cursor && { cursor }),
              ...(options.kind && { kind: options.kind }),
            },
          },
        }),
      );
      counts = page.counts;
      policyVersion = page.policyVersion;
      items.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor && items.length < wanted);
    if (options.json) {
      printJson(io, { policyVersion, counts, items });
      return;
    }
    const c = counts as ComplianceReport['counts'];
    printLines(
      io,
      `${c.software} installed software versions checked against policy version ${policyVersion}: ${c.compliant} compliant, ${c.findings} with findings`,
      `  unauthorized ${c.unauthorized}, unlicensed ${c.unlicensed}, needs review ${c.needs_review}, tampered ${c.tampered}`,
      '',
      items.length === 0
        ? 'No findings'
        : formatTable(items, [
            { header: 'CI', value: (f) => String(f.ci.id) },
            { header: 'SOFTWARE', value: (f) => `${f.product}${f.softwareVersion ? ` ${f.softwareVersion}` : ''}` },
            { header: 'HOSTS', value: (f) => String(f.hosts) },
            { header: 'FINDINGS', value: (f) => f.kinds.join(', ') },
            { header: 'WHY', value: (f) => f.reasons.map(reasonText).join('; ') },
          ]),
      ...(cursor ? ['', `… more findings: use --all or --limit`] : []),
    );
  });
}
