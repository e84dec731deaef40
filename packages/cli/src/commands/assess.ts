import fs from 'node:fs';
import { unwrap } from '@slipway/client';
import { MATURITY_ANSWERS, type MaturityAnswer } from '@slipway/model';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { positiveInt } from '../option-parsers.js';
import { formatTable, shortTime } from '../table-format.js';

/** `--answer rel-2-owner=yes` (repeatable). */
function answer(value: string, previous: Record<string, { answer: MaturityAnswer }> = {}) {
  const [id, given] = value.split('=');
  if (!id || !given || !(MATURITY_ANSWERS as readonly string[]).includes(given)) {
    throw new InvalidArgumentError(`expected <question id>=${MATURITY_ANSWERS.join('|')}`);
  }
  return { ...previous, [id]: { answer: given as MaturityAnswer } };
}

interface AssessOptions extends ApiOptions {
  title?: string;
  answer?: Record<string, { answer: MaturityAnswer }>;
  answers?: string;
  list?: boolean;
  compare?: string[];
  report?: number;
  with?: number;
  output?: string;
  json?: boolean;
}

/**
 * `slipway assess`: run a maturity assessment (evidence from Slipway plus the given answers),
 * list the stored ones, compare two, or write the printable HTML report.
 */
export function registerAssess(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('assess')
      .description('ITIL maturity assessment of release, change and configuration management (levels 1–5)')
      .option('--title <text>', 'title of the new assessment')
      .option('--answer <id=yes|partial|no>', 'answer a question (repeatable); overrides the evidence', answer)
      .option('--answers <file>', 'answers as JSON: { "<question id>": { "answer": "yes", "note": "…" } }')
      .option('--list', 'list stored assessments instead')
      .option('--compare <ids...>', 'compare two stored assessments (older newer)')
      .option('--report <id>', 'write the HTML report of a stored assessment', positiveInt)
      .option('--with <id>', 'with --report: outline this earlier assessment', positiveInt)
      .option('-o, --output <file>', 'with --report: the file (default maturity-<id>.html)')
      .option('--json', 'print JSON'),
  ).action(async (options: AssessOptions) => {
    const { api } = apiClient(options, io);
    if (options.list) {
      const page = await unwrap(api.GET('/api/v1/maturity/assessments', { params: { query: { limit: 100 } } }));
      if (options.json) printJson(io, page.items);
      else
        printLines(
          io,
          page.items.length === 0
            ? 'No assessments yet: run `slipway assess`'
            : formatTable(page.items, [
                { header: 'ID', value: (a) => String(a.id) },
                { header: 'WHEN', value: (a) => shortTime(a.createdAt) },
                { header: 'RELEASE', value: (a) => String(a.levels.release) },
                { header: 'CHANGE', value: (a) => String(a.levels.change) },
                { header: 'CONFIGURATION', value: (a) => String(a.levels.configuration) },
                { header: 'TITLE', value: (a) => a.title },
              ]),
        );
      return;
    }
    if (options.compare) {
      const [from, to] = options.compare.map(positiveInt);
      if (from === undefined || to === undefined || options.compare.length !== 2) {
        throw new CliError('--compare takes two assessment ids: the older and the newer');
      }
      const diff = await unwrap(api.GET('/api/v1/maturity/compare', { params: { query: { from, to } } }));
      if (options.json) printJson(io, diff);
      else
        printLines(
          io,
          `“${diff.from.title}” → “${diff.to.title}”`,
          ...diff.processes.map(
            (p) =>
              `  ${p.process.padEnd(14)} level ${p.fromLevel} → ${p.toLevel}${p.delta === 0 ? '' : ` (${p.delta > 0 ? '+' : ''}${p.delta})`}`,
          ),
          '',
          `${diff.changedAnswers.length} answers changed`,
          ...diff.changedAnswers.map((c) => `  ${c.questionId}: ${c.from ?? '–'} → ${c.to ?? '–'}  ${c.text}`),
        );
      return;
    }
    if (options.report !== undefined) {
      const html = String(
        await unwrap(
          api.GET('/api/v1/maturity/assessments/{id}/report', {
            params: {
              path: { id: options.report },
              query: options.with === undefined ? {} : { compare: options.with },
            },
            parseAs: 'text',
          }),
        ),
      );
      const file = options.output ?? `maturity-${options.report}.html`;
      fs.writeFileSync(file, html);
      printLines(io, `Wrote the report to ${file} (open it in a browser and print to PDF)`);
      return;
    }
    let answers = options.answer ?? {};
    if (options.answers !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(options.answers, 'utf8'));
      } catch (error) {
        throw new CliError(`Cannot read answers from ${options.answers}: ${(error as Error).message}`);
      }
      answers = { ...(parsed as typeof answers), ...answers };
    }
    const assessment = await unwrap(
      api.POST('/api/v1/maturity/assessments', {
        body: { ...(options.title !== undefined && { title: options.title }), answers },
      }),
    );
    if (options.json) {
      printJson(io, assessment);
      return;
    }
    const lines = [`Assessment #${assessment.id} “${assessment.title}”`];
    for (const p of assessment.result.processes) {
      lines.push('', `${p.process} management: level ${p.level} ${p.levelName}`);
      if (p.gaps.length > 0) lines.push(`  To reach level ${p.level + 1}:`);
      for (const g of p.gaps) lines.push(`  - [${g.answer ?? 'unanswered'}] ${g.text}`, `      → ${g.recommendation}`);
    }
    const open = assessment.result.questions.filter((q) => q.answer === null).length;
    lines.push(
      '',
      `${open} questions unanswered (no evidence): answer them with --answer <id>=yes|partial|no or --answers <file>.`,
      `Report: slipway assess --report ${assessment.id}`,
    );
    printLines(io, ...lines);
  });
}
