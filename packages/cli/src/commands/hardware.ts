import { paginate, unwrap } from '@slipway/client';
import {
  HARDWARE_CI_CLASSES,
  HARDWARE_ITEM_STATES,
  type HardwareCiClass,
  type HardwareItemState,
} from '@slipway/model';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import type { HardwareItem, HardwareModel, HardwareSite, Reservation } from '../library-api.js';
import { oneOf } from '../option-parsers.js';
import { formatTable, shortTime } from '../table-format.js';
import { boundedInteger } from './impact.js';

const id = boundedInteger(1, 2_147_483_647);

/** `--line <model>:<site>:<quantity>` (ids), repeatable. */
function line(value: string, previous: { modelId: number; siteId: number; quantity: number }[] = []) {
  const match = /^(\d+):(\d+):(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected <modelId>:<siteId>:<quantity>, e.g. 3:1:25');
  return [...previous, { modelId: Number(match[1]), siteId: Number(match[2]), quantity: Number(match[3]) }];
}

function itemTable(items: readonly HardwareItem[]): string {
  return formatTable(items, [
    { header: 'ID', value: (i) => String(i.id) },
    { header: 'SERIAL', value: (i) => i.serial },
    { header: 'MODEL', value: (i) => String(i.modelId) },
    { header: 'SITE', value: (i) => String(i.siteId) },
    { header: 'STATE', value: (i) => i.state },
    { header: 'RESERVATION', value: (i) => (i.reservationId === null ? '-' : String(i.reservationId)) },
    { header: 'WARRANTY END', value: (i) => i.warrantyEnd ?? '-' },
    { header: 'CI', value: (i) => (i.ciId === null ? '-' : String(i.ciId)) },
  ]);
}

function describeReservation(r: Reservation): string[] {
  return [
    `Reservation ${r.id} for release ${r.releaseId}: ${r.state}, ${r.itemIds.length} item(s) reserved (created ${shortTime(r.createdAt)} by ${r.createdBy})`,
    ...r.lines.map((l) => `  model ${l.modelId} at site ${l.siteId}: ${l.quantity}`),
  ];
}

type Json = { json?: boolean };

/** `slipway hardware …`: the Definitive Hardware Store for stock keepers. */
export function registerHardwareCommands(program: Command, io: CliIo): void {
  const hw = program
    .command('hardware')
    .description('The Definitive Hardware Store: models, sites, stock, reservations');
  const out = (options: Json, value: unknown, ...lines: string[]) =>
    options.json ? printJson(io, value) : printLines(io, ...lines);

  withApiOptions(hw.command('models').description('List hardware models').option('--json', 'print JSON')).action(
    async (options: ApiOptions & Json) => {
      const { api } = apiClient(options, io);
      const models: HardwareModel[] = [];
      for await (const m of paginate<HardwareModel>((cursor) =>
        unwrap(api.GET('/api/v1/hardware/models', { params: { query: { limit: 1000, ...(cursor && { cursor }) } } })),
      ))
        models.push(m);
      out(
        options,
        models,
        formatTable(models, [
          { header: 'ID', value: (m) => String(m.id) },
          { header: 'NAME', value: (m) => m.name },
          { header: 'CLASS', value: (m) => m.ciClass },
          { header: 'THRESHOLD', value: (m) => String(m.lowStockThreshold) },
          { header: 'CI', value: (m) => (m.ciId === null ? '-' : String(m.ciId)) },
        ]),
      );
    },
  );

  withApiOptions(
    hw
      .command('model-add')
      .description('Add a hardware model')
      .requiredOption('--name <name>', 'model name')
      .option('--manufacturer <name>', 'manufacturer')
      .option(
        '--class <class>',
        `CMDB class a deployed item becomes (${HARDWARE_CI_CLASSES.join(', ')})`,
        oneOf(HARDWARE_CI_CLASSES),
      )
      .option('--ci <id>', 'the CMDB hardware_model CI it corresponds to', id)
      .option('--threshold <n>', 'low-stock threshold', boundedInteger(0, 1_000_000))
      .option('--json', 'print JSON'),
  ).action(
    async (
      options: ApiOptions &
        Json & { name: string; manufacturer?: string; class?: HardwareCiClass; ci?: number; threshold?: number },
    ) => {
      const { api } = apiClient(options, io);
      const model = await unwrap(
        api.POST('/api/v1/hardware/models', {
          body: {
            name: options.name,
            ...(options.manufacturer && { manufacturer: options.manufacturer }),
            ...(options.class && { ciClass: options.class }),
            ...(options.ci !== undefined && { ciId: options.ci }),
            ...(options.threshold !== undefined && { lowStockThreshold: options.threshold }),
          },
        }),
      );
      out(options, model, `Added model ${model.name} (id ${model.id}, becomes a ${model.ciClass})`);
    },
  );

  withApiOptions(hw.command('sites').description('List sites').option('--json', 'print JSON')).action(
    async (options: ApiOptions & Json) => {
      const { api } = apiClient(options, io);
      const sites: HardwareSite[] = [];
      for await (const s of paginate<HardwareSite>((cursor) =>
        unwrap(api.GET('/api/v1/hardware/sites', { params: { query: { limit: 1000, ...(cursor && { cursor }) } } })),
      ))
        sites.push(s);
      out(
        options,
        sites,
        formatTable(sites, [
          { header: 'ID', value: (s) => String(s.id) },
          { header: 'CODE', value: (s) => s.code },
          { header: 'NAME', value: (s) => s.name },
          { header: 'CI', value: (s) => (s.ciId === null ? '-' : String(s.ciId)) },
        ]),
      );
    },
  );

  withApiOptions(
    hw
      .command('site-add')
      .description('Add a site (linked to the CMDB site CI with the same code, if any)')
      .requiredOption('--code <code>', 'short code, e.g. AMS')
      .requiredOption('--name <name>', 'site name')
      .option('--ci <id>', 'the CMDB site CI', id)
      .option('--json', 'print JSON'),
  ).action(async (options: ApiOptions & Json & { code: string; name: string; ci?: number }) => {
    const { api } = apiClient(options, io);
    const site = await unwrap(
      api.POST('/api/v1/hardware/sites', {
        body: { code: options.code, name: options.name, ...(options.ci !== undefined && { ciId: options.ci }) },
      }),
    );
    out(
      options,
      site,
      `Added site ${site.code} (id ${site.id}${site.ciId === null ? ', not linked to a CMDB site' : `, CMDB site CI ${site.ciId}`})`,
    );
  });

  withApiOptions(
    hw
      .command('receive')
      .description('Receive an item into stock')
      .requiredOption('--model <id>', 'model id', id)
      .requiredOption('--site <id>', 'site id', id)
      .requiredOption('--serial <serial>', 'serial number (unique)')
      .option('--warranty-end <date>', 'YYYY-MM-DD')
      .option('--notes <text>', 'notes')
      .option('--json', 'print JSON'),
  ).action(
    async (
      options: ApiOptions &
        Json & { model: number; site: number; serial: string; warrantyEnd?: string; notes?: string },
    ) => {
      const { api } = apiClient(options, io);
      const item = await unwrap(
        api.POST('/api/v1/hardware/items', {
          body: {
            modelId: options.model,
            siteId: options.site,
            serial: options.serial,
            ...(options.warrantyEnd && { warrantyEnd: options.warrantyEnd }),
            ...(options.notes && { notes: options.notes }),
          },
        }),
      );
      out(options, item, `Received ${item.serial} as item ${item.id}`);
    },
  );

  withApiOptions(
    hw
      .command('items')
      .description('List stock items')
      .option('--model <id>', 'model id', id)
      .option('--site <id>', 'site id', id)
      .option('--state <state>', HARDWARE_ITEM_STATES.join(', '), oneOf(HARDWARE_ITEM_STATES))
      .option('--json', 'print JSON'),
  ).action(async (options: ApiOptions & Json & { model?: number; site?: number; state?: HardwareItemState }) => {
    const { api } = apiClient(options, io);
    const items: HardwareItem[] = [];
    for await (const item of paginate<HardwareItem>((cursor) =>
      unwrap(
        api.GET('/api/v1/hardware/items', {
          params: {
            query: {
              limit: 1000,
              ...(cursor && { cursor }),
              ...(options.model !== undefined && { modelId: options.model }),
              ...(options.site !== undefined && { siteId: options.site }),
              ...(options.state && { state: options.state }),
            },
          },
        }),
      ),
    ))
      items.push(item);
    out(options, items, items.length === 0 ? 'No items' : itemTable(items));
  });

  withApiOptions(
    hw
      .command('move')
      .description('Move an item in stock to another site')
      .argument('<item>', 'item id')
      .requiredOption('--site <id>', 'destination site id', id)
      .option('--json', 'print JSON'),
  ).action(async (item: string, options: ApiOptions & Json & { site: number }) => {
    const { api } = apiClient(options, io);
    const moved = await unwrap(
      api.POST('/api/v1/hardware/items/{id}/move', {
        params: { path: { id: id(item) } },
        body: { siteId: options.site },
      }),
    );
    out(options, moved, `Moved ${moved.serial} to site ${moved.siteId}`);
  });

  withApiOptions(
    hw
      .command('retire')
      .description('Retire an item')
      .argument('<item>', 'item id')
      .option('--reason <text>', 'why')
      .option('--json', 'print JSON'),
  ).action(async (item: string, options: ApiOptions & Json & { reason?: string }) => {
    const { api } = apiClient(options, io);
    const retired = await unwrap(
      api.POST('/api/v1/hardware/items/{id}/retire', {
        params: { path: { id: id(item) } },
        body: options.reason ? { reason: options.reason } : {},
      }),
    );
    out(options, retired, `Retired ${retired.serial}`);
  });

  withApiOptions(
    hw
      .command('stock')
      .description('Stock by model and site, with low-stock flags')
      .option('--low', 'only what is below its threshold')
      .option('--json', 'print JSON'),
  ).action(async (options: ApiOptions & Json & { low?: boolean }) => {
    const { api } = apiClient(options, io);
    const stock = await unwrap(
      api.GET('/api/v1/hardware/stock', { params: { query: options.low ? { low: true } : {} } }),
    );
    const table = (rows: typeof stock.bySite) =>
      formatTable(rows, [
        { header: 'MODEL', value: (r) => r.model },
        { header: 'SITE', value: (r) => r.site ?? 'all' },
        { header: 'IN STOCK', value: (r) => String(r.inStock) },
        { header: 'RESERVED', value: (r) => String(r.reserved) },
        { header: 'DEPLOYED', value: (r) => String(r.deployed) },
        { header: 'THRESHOLD', value: (r) => String(r.threshold) },
        { header: '', value: (r) => (r.low ? 'LOW' : '') },
      ]);
    out(options, stock, 'By model', table(stock.byModel), '', 'By site', table(stock.bySite));
  });

  withApiOptions(
    hw
      .command('reserve')
      .description('Reserve stock for a release (all lines or nothing)')
      .requiredOption('--release <id>', 'release id', id)
      .requiredOption('--line <model:site:quantity>', 'repeatable, ids, e.g. 3:1:25', line)
      .option('--note <text>', 'note')
      .option('--json', 'print JSON'),
  ).action(
    async (
      options: ApiOptions &
        Json & { release: number; line: { modelId: number; siteId: number; quantity: number }[]; note?: string },
    ) => {
      const { api } = apiClient(options, io);
      const reservation = await unwrap(
        api.POST('/api/v1/hardware/reservations', {
          body: { releaseId: options.release, lines: options.line, ...(options.note && { note: options.note }) },
        }),
      );
      out(options, reservation, ...describeReservation(reservation));
    },
  );

  withApiOptions(
    hw
      .command('release')
      .description('Release a reservation: its items go back to stock')
      .argument('<reservation>', 'reservation id')
      .option('--json', 'print JSON'),
  ).action(async (reservation: string, options: ApiOptions & Json) => {
    const { api } = apiClient(options, io);
    const released = await unwrap(
      api.POST('/api/v1/hardware/reservations/{id}/release', { params: { path: { id: id(reservation) } } }),
    );
    out(options, released, ...describeReservation(released));
  });

  withApiOptions(
    hw
      .command('deploy')
      .description("Deploy an item: it becomes a CMDB CI of its model's class at its site")
      .argument('<item>', 'item id')
      .requiredOption('--ci-name <name>', 'name of the new CI')
      .option('--json', 'print JSON'),
  ).action(async (item: string, options: ApiOptions & Json & { ciName: string }) => {
    const { api } = apiClient(options, io);
    const deployed = await unwrap(
      api.POST('/api/v1/hardware/items/{id}/deploy', {
        params: { path: { id: id(item) } },
        body: { ciName: options.ciName },
      }),
    );
    if (deployed.ciId === null) throw new CliError('The server did not report a CI for the deployed item');
    out(options, deployed, `Deployed ${deployed.serial} as CI ${deployed.ciId} (${options.ciName})`);
  });
}
