import type { CiStatus, Criticality, RelationshipType } from '@slipway/model';
import {
  APPLICATIONS,
  DATA_HOSTS,
  DATABASES,
  type DataStoreSpec,
  DEMO_DOMAIN,
  type Environment,
  FIRST_NAMES,
  HARDWARE_MODELS,
  type HardwareModelKey,
  MESSAGING,
  OPERATING_SYSTEMS,
  type OsKey,
  RUNTIME_SOFTWARE,
  SERVICES,
  SITES,
  type SiteSpec,
  SOFTWARE,
  type SoftwareKey,
  SURNAMES,
  softwareName,
} from './demo-catalogue.js';
import { SeededRandom } from './seeded-random.js';

/** The seed of the shipped demo. Changing it (or any table in demo-catalogue.ts) changes the demo. */
export const DEMO_SEED = 0x4e574c; // "NWL"

/** A CI line of the NDJSON import format (see import-parser.ts). */
export interface DemoCiRecord {
  kind: 'ci';
  class: string;
  name: string;
  status: CiStatus;
  environment?: string;
  owner?: string;
  criticality?: Criticality;
  attributes: Record<string, string | number>;
}

/** A relationship line of the NDJSON import format; ends are `class/name` references. */
export interface DemoRelationshipRecord {
  kind: 'relationship';
  source: string;
  type: RelationshipType;
  target: string;
}

export type DemoRecord = DemoCiRecord | DemoRelationshipRecord;

type CiFields = Omit<DemoCiRecord, 'kind' | 'status' | 'attributes'> & {
  status?: CiStatus;
  attributes?: Record<string, string | number>;
};

/**
 * Collects the organisation. Fails loudly on a duplicate CI, a duplicate relationship or a
 * relationship to a CI not yet created, so a slip in the catalogue never reaches an import.
 */
class OrganisationBuilder {
  readonly cis = new Map<string, DemoCiRecord>();
  readonly relationships: DemoRelationshipRecord[] = [];
  readonly #edges = new Set<string>();

  add(fields: CiFields): string {
    const ref = `${fields.class}/${fields.name}`;
    if (this.cis.has(ref)) throw new Error(`demo organisation: duplicate CI ${ref}`);
    // Fixed key order keeps the output byte-identical however the fields were assembled.
    const record: DemoCiRecord = {
      kind: 'ci',
      class: fields.class,
      name: fields.name,
      status: fields.status ?? 'active',
      ...(fields.environment !== undefined && { environment: fields.environment }),
      ...(fields.owner !== undefined && { owner: fields.owner }),
      ...(fields.criticality !== undefined && { criticality: fields.criticality }),
      attributes: fields.attributes ?? {},
    };
    this.cis.set(ref, record);
    return ref;
  }

  has(ref: string): boolean {
    return this.cis.has(ref);
  }

  get(ref: string): DemoCiRecord {
    const record = this.cis.get(ref);
    if (!record) throw new Error(`demo organisation: no CI ${ref}`);
    return record;
  }

  relate(source: string, type: RelationshipType, target: string): void {
    for (const end of [source, target]) {
      if (!this.cis.has(end))
        throw new Error(`demo organisation: ${source} ${type} ${target} names a missing CI ${end}`);
    }
    const key = `${source}\u0000${type}\u0000${target}`;
    if (this.#edges.has(key)) throw new Error(`demo organisation: duplicate relationship ${source} ${type} ${target}`);
    this.#edges.add(key);
    this.relationships.push({ kind: 'relationship', source, type, target });
  }
}

/** Hands out addresses in 10.<site>.<segment>.<host>, 240 hosts a segment, spilling into the next. */
class IpPlan {
  readonly #used = new Map<string, number>();

  next(site: SiteSpec, segment: number): string {
    const key = `${site.net}.${segment}`;
    const index = this.#used.get(key) ?? 0;
    this.#used.set(key, index + 1);
    return `10.${site.net}.${segment + Math.floor(index / 240)}.${11 + (index % 240)}`;
  }
}

const SEGMENT = { network: 0, servers: 1, storage: 2, production: 10, staging: 20, test: 21, development: 22 } as const;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const site = (code: string): SiteSpec => {
  const found = SITES.find((s) => s.code === code);
  if (!found) throw new Error(`demo organisation: no site ${code}`);
  return found;
};
const siteRef = (spec: SiteSpec) => `site/${spec.name}`;
const softwareRef = (key: SoftwareKey) => `software/${softwareName(SOFTWARE[key])}`;
const hostname = (name: string) => `${name.toLowerCase()}.${DEMO_DOMAIN}`;

function addSites(b: OrganisationBuilder): void {
  for (const s of SITES) {
    b.add({
      class: 'site',
      name: s.name,
      owner: 'team-facilities',
      attributes: { code: s.code, city: s.city, country: s.country },
    });
  }
}

function addHardwareModels(b: OrganisationBuilder): void {
  for (const m of Object.values(HARDWARE_MODELS)) {
    b.add({
      class: 'hardware_model',
      name: m.name,
      owner: 'team-asset-management',
      attributes: { manufacturer: m.manufacturer, category: m.category, part_number: m.partNumber },
    });
  }
}

function addSoftware(b: OrganisationBuilder): void {
  for (const spec of Object.values(SOFTWARE)) {
    const fields: CiFields = {
      class: 'software',
      name: softwareName(spec),
      attributes: { product: spec.product, version: spec.version, vendor: spec.vendor, license: spec.license },
    };
    if ('owner' in spec) fields.owner = spec.owner;
    b.add(fields);
  }
}

interface NetworkDeviceInput {
  name: string;
  type: 'router' | 'switch' | 'firewall' | 'load_balancer' | 'access_point';
  model: HardwareModelKey;
  firmware: string;
  criticality?: Criticality;
}

/** Firmware each model runs; the Antwerp firewall lags behind (see addNetwork). */
const FIRMWARE: Partial<Record<HardwareModelKey, string>> = {
  asr1001: '17.6.6a',
  pa3220: '11.1.2',
  pa460: '11.1.2',
  nexus9336: '10.3.4a',
  nexus93180: '10.3.4a',
  bigip: '17.1.1',
  catalyst9300: '17.9.4a',
  catalyst9120: '17.9.4a',
};

/**
 * Routers, firewalls, switches, load balancers and access points per site, with their
 * `connected_to` topology: WAN routers → firewalls → core → top-of-rack / access switches →
 * access points; offices reach both data centres over the WAN.
 */
function addNetwork(b: OrganisationBuilder, ips: IpPlan): void {
  const device = (s: SiteSpec, d: NetworkDeviceInput): string => {
    const model = HARDWARE_MODELS[d.model];
    const fields: CiFields = {
      class: 'network_device',
      name: d.name,
      environment: 'production',
      owner: 'team-network',
      attributes: {
        device_type: d.type,
        ip: ips.next(s, SEGMENT.network),
        site: s.code,
        firmware: d.firmware,
        model: model.name,
      },
    };
    if (d.criticality) fields.criticality = d.criticality;
    const ref = b.add(fields);
    b.relate(ref, 'located_in', siteRef(s));
    return ref;
  };
  const fw = (model: HardwareModelKey) => FIRMWARE[model] ?? '1.0.0';
  const link = (a: string, c: string) => b.relate(a, 'connected_to', c);

  for (const s of SITES) {
    const c = s.code.toLowerCase();
    if (s.kind === 'datacentre') {
      const tors = s.code === 'AMS' ? 6 : 4;
      const rtr = [1, 2].map((i) =>
        device(s, {
          name: `${c}-rtr0${i}`,
          type: 'router',
          model: 'asr1001',
          firmware: fw('asr1001'),
          criticality: 'critical',
        }),
      );
      const fws = [1, 2].map((i) =>
        device(s, {
          name: `${c}-fw0${i}`,
          type: 'firewall',
          model: 'pa3220',
          firmware: fw('pa3220'),
          criticality: 'critical',
        }),
      );
      const core = [1, 2].map((i) =>
        device(s, {
          name: `${c}-core0${i}`,
          type: 'switch',
          model: 'nexus9336',
          firmware: fw('nexus9336'),
          criticality: 'critical',
        }),
      );
      link(rtr[0] as string, rtr[1] as string);
      link(core[0] as string, core[1] as string);
      rtr.forEach((r, i) => {
        link(r, fws[i] as string);
      });
      for (const f of fws) for (const k of core) link(f, k);
      for (let i = 1; i <= tors; i++) {
        const tor = device(s, {
          name: `${c}-tor${pad(i)}`,
          type: 'switch',
          model: 'nexus93180',
          firmware: fw('nexus93180'),
          criticality: 'high',
        });
        for (const k of core) link(tor, k);
      }
      for (let i = 1; i <= 2; i++) {
        const lb = device(s, {
          name: `${c}-lb0${i}`,
          type: 'load_balancer',
          model: 'bigip',
          firmware: fw('bigip'),
          criticality: 'critical',
        });
        for (const k of core) link(lb, k);
      }
      continue;
    }
    // Offices: one router and firewall, a core switch where the floor is big, access switches, Wi-Fi.
    const rtr = device(s, {
      name: `${c}-rtr01`,
      type: 'router',
      model: 'asr1001',
      firmware: fw('asr1001'),
      criticality: 'high',
    });
    // The Antwerp firewall missed the last two firmware cycles: something for a network release.
    const fwFirmware = s.code === 'ANR' ? '10.1.3' : fw('pa460');
    const firewall = device(s, {
      name: `${c}-fw01`,
      type: 'firewall',
      model: 'pa460',
      firmware: fwFirmware,
      criticality: 'high',
    });
    link(rtr, firewall);
    link(rtr, 'network_device/ams-rtr01');
    link(rtr, 'network_device/fra-rtr02');
    let uplink = firewall;
    if (s.desktops >= 600) {
      uplink = device(s, {
        name: `${c}-core01`,
        type: 'switch',
        model: 'catalyst9300',
        firmware: fw('catalyst9300'),
        criticality: 'high',
      });
      link(uplink, firewall);
    }
    const accessSwitches: string[] = [];
    for (let i = 1; i <= Math.ceil(s.desktops / 110); i++) {
      const acc = device(s, {
        name: `${c}-acc${pad(i)}`,
        type: 'switch',
        model: 'catalyst9300',
        firmware: fw('catalyst9300'),
      });
      link(acc, uplink);
      accessSwitches.push(acc);
    }
    for (let i = 1; i <= Math.ceil(s.desktops / 75); i++) {
      const ap = device(s, {
        name: `${c}-ap${pad(i)}`,
        type: 'access_point',
        model: 'catalyst9120',
        firmware: fw('catalyst9120'),
      });
      link(ap, accessSwitches[(i - 1) % accessSwitches.length] as string);
    }
  }
  link('network_device/ams-rtr01', 'network_device/fra-rtr01');
  link('network_device/ams-rtr02', 'network_device/fra-rtr02');
}

interface StorageInput {
  site: string;
  name: string;
  capacityTb: number;
  tier: string;
  uplink: string;
}

const STORAGE: readonly StorageInput[] = [
  { site: 'AMS', name: 'ams-san01', capacityTb: 240, tier: 'tier-1', uplink: 'ams-core01' },
  { site: 'AMS', name: 'ams-san02', capacityTb: 120, tier: 'tier-2', uplink: 'ams-core02' },
  { site: 'AMS', name: 'ams-nas01', capacityTb: 80, tier: 'file', uplink: 'ams-core01' },
  { site: 'AMS', name: 'ams-bkpstore01', capacityTb: 500, tier: 'backup', uplink: 'ams-core02' },
  { site: 'FRA', name: 'fra-san01', capacityTb: 180, tier: 'tier-1', uplink: 'fra-core01' },
  { site: 'FRA', name: 'fra-bkpstore01', capacityTb: 300, tier: 'backup', uplink: 'fra-core02' },
  { site: 'RTM', name: 'rtm-nas01', capacityTb: 60, tier: 'file', uplink: 'rtm-core01' },
  { site: 'WAW', name: 'waw-nas01', capacityTb: 40, tier: 'file', uplink: 'waw-core01' },
];

function addStorage(b: OrganisationBuilder): void {
  for (const s of STORAGE) {
    const ref = b.add({
      class: 'storage',
      name: s.name,
      environment: 'production',
      owner: 'team-storage',
      criticality: s.tier === 'tier-1' ? 'critical' : 'high',
      attributes: { capacity_tb: s.capacityTb, tier: s.tier },
    });
    b.relate(ref, 'located_in', siteRef(site(s.site)));
    b.relate(ref, 'connected_to', `network_device/${s.uplink}`);
  }
}

interface ServerInput {
  site: string;
  name: string;
  model: HardwareModelKey;
  os: string;
  osVersion: string;
  cores: number;
  memoryGb: number;
  software?: readonly SoftwareKey[];
  storage?: string;
  status?: CiStatus;
  environment?: Environment;
  /** Top-of-rack (or office access) switches it is cabled to. */
  uplinks: readonly string[];
}

const amsTor = (i: number) => [`ams-tor${pad(((i - 1) % 3) * 2 + 1)}`, `ams-tor${pad(((i - 1) % 3) * 2 + 2)}`];
const fraTor = (i: number) => [`fra-tor${pad(((i - 1) % 2) * 2 + 1)}`, `fra-tor${pad(((i - 1) % 2) * 2 + 2)}`];

/** Hypervisors (production and non-production clusters), database and backup servers, office servers. */
function serverInputs(): ServerInput[] {
  const servers: ServerInput[] = [];
  const esx = (s: string, i: number, extra: Partial<ServerInput>): ServerInput => ({
    site: s,
    name: `${s.toLowerCase()}-esx${pad(i)}`,
    model: 'r750',
    os: 'VMware ESXi',
    osVersion: s === 'FRA' ? '7.0.3' : '8.0.2',
    cores: 64,
    memoryGb: 1024,
    storage: `${s.toLowerCase()}-san01`,
    uplinks: s === 'AMS' ? amsTor(i) : fraTor(i),
    ...extra,
  });
  for (let i = 1; i <= 9; i++) servers.push(esx('AMS', i, {}));
  for (let i = 10; i <= 12; i++) {
    servers.push(esx('AMS', i, { model: 'r650', cores: 48, memoryGb: 512, storage: 'ams-san02', environment: 'test' }));
  }
  // New hosts being racked for the next technology refresh.
  for (let i = 13; i <= 14; i++) servers.push(esx('AMS', i, { status: 'planned' }));
  // Retired last year, but one forgotten VM still claims to run on it.
  servers.push(
    esx('AMS', 0, {
      model: 'r640',
      cores: 28,
      memoryGb: 384,
      osVersion: '6.7.0',
      status: 'retired',
      uplinks: ['ams-tor06'],
    }),
  );
  for (let i = 1; i <= 6; i++) servers.push(esx('FRA', i, i === 6 ? { status: 'maintenance' } : {}));
  const linux = OPERATING_SYSTEMS.rhel8;
  const physicalLinux = linux.software.filter((k) => k !== 'vmwareTools');
  for (const [s, name, i] of [
    ['AMS', 'ams-ora01', 1],
    ['AMS', 'ams-ora02', 2],
    ['FRA', 'fra-ora01', 1],
  ] as const) {
    servers.push({
      site: s,
      name,
      model: 'dl380',
      os: linux.os,
      osVersion: linux.version,
      cores: 32,
      memoryGb: 768,
      software: [...physicalLinux, 'oracle19'],
      storage: `${s.toLowerCase()}-san01`,
      uplinks: s === 'AMS' ? amsTor(i + 3) : fraTor(i + 2),
    });
  }
  const windows = OPERATING_SYSTEMS.win2022;
  const physicalWindows = windows.software.filter((k) => k !== 'vmwareTools');
  for (const s of ['AMS', 'FRA']) {
    const c = s.toLowerCase();
    servers.push({
      site: s,
      name: `${c}-bkp01`,
      model: 'r650',
      os: windows.os,
      osVersion: windows.version,
      cores: 24,
      memoryGb: 256,
      software: [...physicalWindows, 'veeam'],
      storage: `${c}-bkpstore01`,
      uplinks: s === 'AMS' ? amsTor(6) : fraTor(4),
    });
  }
  for (const s of ['RTM', 'HAM', 'ANR', 'WAW']) {
    const c = s.toLowerCase();
    const input: ServerInput = {
      site: s,
      name: `${c}-srv01`,
      model: 'r650',
      os: windows.os,
      osVersion: windows.version,
      cores: 16,
      memoryGb: 128,
      software: physicalWindows,
      uplinks: [`${c}-acc01`],
    };
    if (s === 'RTM' || s === 'WAW') input.storage = `${c}-nas01`;
    servers.push(input);
  }
  return servers;
}

function addServers(b: OrganisationBuilder, ips: IpPlan, rng: SeededRandom): void {
  for (const s of serverInputs()) {
    const where = site(s.site);
    const model = HARDWARE_MODELS[s.model];
    const fields: CiFields = {
      class: 'server',
      name: s.name,
      status: s.status ?? 'active',
      environment: s.environment ?? 'production',
      owner: 'team-platform',
      attributes: {
        hostname: hostname(s.name),
        ip: ips.next(where, SEGMENT.servers),
        os: s.os,
        os_version: s.osVersion,
        site: where.code,
        cpu_cores: s.cores,
        memory_gb: s.memoryGb,
        model: model.name,
        serial: serial(rng, model.manufacturer),
      },
    };
    const ref = b.add(fields);
    b.relate(ref, 'located_in', siteRef(where));
    for (const uplink of s.uplinks) b.relate(ref, 'connected_to', `network_device/${uplink}`);
    if (s.storage) b.relate(ref, 'depends_on', `storage/${s.storage}`);
    for (const key of s.software ?? []) b.relate(softwareRef(key), 'installed_on', ref);
  }
}

/** Serial numbers in the manufacturer's style (service tags, S/Ns), deterministic from the stream. */
function serial(rng: SeededRandom, manufacturer: string): string {
  const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  switch (manufacturer) {
    case 'Dell':
      return rng.chars(upper, 7);
    case 'Lenovo':
      return `PF${rng.chars(upper, 6)}`;
    case 'HP':
      return `5CG${rng.int(1, 4)}${rng.chars(upper, 6)}`;
    case 'HPE':
      return `CZ${rng.int(2, 3)}${rng.chars('0123456789', 3)}${rng.chars(upper, 4)}`;
    case 'Apple':
      return `C02${rng.chars(upper, 9)}`;
    default:
      return rng.chars(upper, 10);
  }
}

interface VmInput {
  name: string;
  site: 'AMS' | 'FRA';
  os: OsKey;
  environment: Environment;
  owner?: string;
  software: readonly SoftwareKey[];
  cores: number;
  memoryGb: number;
  /** A fixed host instead of the cluster's next one. */
  host?: string;
  status?: CiStatus;
}

/** Places VMs on the hypervisors of their cluster, round-robin, so load looks like a real cluster's. */
class Placement {
  readonly #next = new Map<string, number>();
  readonly #clusters: Record<string, readonly string[]> = {
    'AMS:production': range(1, 9).map((i) => `server/ams-esx${pad(i)}`),
    'AMS:nonproduction': range(10, 12).map((i) => `server/ams-esx${pad(i)}`),
    'FRA:production': range(1, 6).map((i) => `server/fra-esx${pad(i)}`),
  };

  host(vm: VmInput): string {
    if (vm.host) return vm.host;
    const key =
      vm.site === 'FRA' ? 'FRA:production' : vm.environment === 'production' ? 'AMS:production' : 'AMS:nonproduction';
    const hosts = this.#clusters[key] ?? [];
    const index = this.#next.get(key) ?? 0;
    this.#next.set(key, index + 1);
    return hosts[index % hosts.length] as string;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function addVm(b: OrganisationBuilder, ips: IpPlan, placement: Placement, vm: VmInput): string {
  const os = OPERATING_SYSTEMS[vm.os];
  const fields: CiFields = {
    class: 'virtual_machine',
    name: vm.name,
    status: vm.status ?? 'active',
    environment: vm.environment,
    attributes: {
      hostname: hostname(vm.name),
      ip: ips.next(site(vm.site), SEGMENT[vm.environment]),
      os: os.os,
      os_version: os.version,
      cpu_cores: vm.cores,
      memory_gb: vm.memoryGb,
    },
  };
  if (vm.owner !== undefined) fields.owner = vm.owner;
  const ref = b.add(fields);
  b.relate(ref, 'runs_on', placement.host(vm));
  for (const key of new Set([...os.software, ...vm.software])) b.relate(softwareRef(key), 'installed_on', ref);
  return ref;
}

const SUFFIX: Record<Exclude<Environment, 'production'>, string> = { staging: 'stg', test: 'tst', development: 'dev' };

/**
 * Applications with the VMs they run on (production in Amsterdam, a warm standby in Frankfurt
 * for the critical ones, small non-production copies), then their dependencies once every
 * application, database and broker exists.
 */
function addApplications(b: OrganisationBuilder, ips: IpPlan, placement: Placement, rng: SeededRandom): void {
  const vmSize = () => ({ cores: rng.pick([2, 4, 4, 8]), memoryGb: rng.pick([8, 16, 16, 32]) });
  const copies: { ref: string; environment: Exclude<Environment, 'production'>; dependsOn: readonly string[] }[] = [];
  for (const a of APPLICATIONS) {
    const ref = b.add({
      class: 'application',
      name: a.name,
      status: a.status ?? 'active',
      environment: 'production',
      owner: a.owner,
      criticality: a.criticality,
      attributes: {
        version: a.version,
        language: a.language,
        repository: `https://git.${DEMO_DOMAIN}/${a.owner}/${a.name}`,
      },
    });
    const software: SoftwareKey[] = [...RUNTIME_SOFTWARE[a.runtime], ...(a.software ?? [])];
    if (a.web) software.push('nginx124');
    const vms: VmInput[] = [];
    for (let i = 1; i <= a.instances; i++) {
      vms.push({
        name: `ams-${a.role}${pad(i)}`,
        site: 'AMS',
        os: a.os,
        environment: 'production',
        owner: a.owner,
        software,
        ...vmSize(),
      });
    }
    if (a.dr)
      vms.push({
        name: `fra-${a.role}01`,
        site: 'FRA',
        os: a.os,
        environment: 'production',
        owner: a.owner,
        software,
        ...vmSize(),
      });
    for (const vm of vms) b.relate(ref, 'runs_on', addVm(b, ips, placement, vm));

    for (const environment of a.copies ?? []) {
      const name = `${a.name}-${SUFFIX[environment]}`;
      const copy = b.add({
        class: 'application',
        name,
        environment,
        owner: a.owner,
        criticality: 'low',
        attributes: {
          version: a.version,
          language: a.language,
          repository: `https://git.${DEMO_DOMAIN}/${a.owner}/${a.name}`,
        },
      });
      const vm = addVm(b, ips, placement, {
        name: `ams-${a.role}-${SUFFIX[environment]}01`,
        site: 'AMS',
        os: a.os,
        environment,
        owner: a.owner,
        software,
        cores: 2,
        memoryGb: 8,
      });
      b.relate(copy, 'runs_on', vm);
      copies.push({ ref: copy, environment, dependsOn: a.dependsOn });
    }
  }
  for (const a of APPLICATIONS) {
    for (const target of a.dependsOn) b.relate(`application/${a.name}`, 'depends_on', target);
  }
  // A copy uses the copies of its dependencies in the same environment; development shares devdb.
  for (const c of copies) {
    const targets = new Set<string>();
    for (const target of c.dependsOn) {
      const same = `${target}-${SUFFIX[c.environment]}`;
      if (b.has(same)) targets.add(same);
      else if (c.environment === 'development' && target.startsWith('database/')) targets.add('database/devdb');
    }
    for (const target of targets) b.relate(c.ref, 'depends_on', target);
  }
}

/** VMs of the databases and brokers, then the databases and brokers running on them. */
function addDataPlatform(b: OrganisationBuilder, ips: IpPlan, placement: Placement): void {
  for (const h of DATA_HOSTS) {
    addVm(b, ips, placement, {
      name: h.name,
      site: h.name.startsWith('fra-') ? 'FRA' : 'AMS',
      os: h.os,
      environment: h.environment,
      owner: h.owner,
      software: h.software,
      cores: h.cpu,
      memoryGb: h.memoryGb,
    });
  }
  const store = (cls: 'database' | 'messaging', spec: DataStoreSpec) => {
    const attributes: Record<string, string | number> = { engine: spec.engine, engine_version: spec.engineVersion };
    if (spec.sizeGb !== undefined) attributes.size_gb = spec.sizeGb;
    const ref = b.add({
      class: cls,
      name: spec.name,
      status: spec.status ?? 'active',
      environment: spec.environment,
      owner: cls === 'database' ? 'team-dba' : 'team-messaging',
      criticality: spec.criticality,
      attributes,
    });
    for (const host of spec.hosts) b.relate(ref, 'runs_on', host);
  };
  for (const d of DATABASES) store('database', d);
  for (const m of MESSAGING) store('messaging', m);
}

/** Monitoring, logging, jump hosts, proxies, CI runners, and the odd leftover VM. */
function addInfrastructureVms(b: OrganisationBuilder, ips: IpPlan, placement: Placement): void {
  const platform = 'team-platform';
  const infra: VmInput[] = [
    {
      name: 'ams-mon01',
      site: 'AMS',
      os: 'ubuntu',
      environment: 'production',
      owner: platform,
      software: [],
      cores: 8,
      memoryGb: 32,
    },
    {
      name: 'ams-mon02',
      site: 'AMS',
      os: 'ubuntu',
      environment: 'production',
      owner: platform,
      software: [],
      cores: 8,
      memoryGb: 32,
    },
    {
      name: 'fra-mon01',
      site: 'FRA',
      os: 'ubuntu',
      environment: 'production',
      owner: platform,
      software: [],
      cores: 4,
      memoryGb: 16,
    },
    ...range(1, 3).map(
      (i): VmInput => ({
        name: `ams-log${pad(i)}`,
        site: 'AMS',
        os: 'ubuntu',
        environment: 'production',
        owner: platform,
        software: ['openjdk17'],
        cores: 8,
        memoryGb: 64,
      }),
    ),
    {
      name: 'ams-jump01',
      site: 'AMS',
      os: 'win2022',
      environment: 'production',
      owner: platform,
      software: ['putty'],
      cores: 4,
      memoryGb: 16,
    },
    {
      name: 'fra-jump01',
      site: 'FRA',
      os: 'win2022',
      environment: 'production',
      owner: platform,
      software: ['putty'],
      cores: 4,
      memoryGb: 16,
    },
    ...range(1, 2).map(
      (i): VmInput => ({
        name: `ams-proxy${pad(i)}`,
        site: 'AMS',
        os: 'ubuntu',
        environment: 'production',
        owner: 'team-network',
        software: ['nginx124'],
        cores: 4,
        memoryGb: 8,
      }),
    ),
    ...range(1, 3).map(
      (i): VmInput => ({
        name: `ams-ci${pad(i)}`,
        site: 'AMS',
        os: 'ubuntu',
        environment: 'development',
        owner: platform,
        software: ['git', 'node20', 'openjdk17', 'python311'],
        cores: 16,
        memoryGb: 64,
      }),
    ),
    // Scratch VMs somebody made for a test and nobody claims.
    { name: 'ams-tmp01', site: 'AMS', os: 'ubuntu', environment: 'test', software: [], cores: 2, memoryGb: 4 },
    { name: 'ams-tmp02', site: 'AMS', os: 'rhel8', environment: 'test', software: [], cores: 2, memoryGb: 4 },
    // Still "running" on the retired ams-esx00: a relationship to a retired CI.
    {
      name: 'ams-ftp01',
      site: 'AMS',
      os: 'centos7',
      environment: 'production',
      owner: 'team-integration',
      software: ['httpd246'],
      cores: 2,
      memoryGb: 4,
      host: 'server/ams-esx00',
    },
  ];
  for (const vm of infra) addVm(b, ips, placement, vm);
  // The intranet's old host (the name predates the naming convention).
  const web01 = addVm(b, ips, placement, {
    name: 'web01',
    site: 'AMS',
    os: 'centos7',
    environment: 'production',
    owner: 'team-workplace',
    software: ['php82', 'httpd246'],
    cores: 2,
    memoryGb: 8,
  });
  b.relate('application/intranet', 'runs_on', web01);
}

/** Business services: their applications, the load balancers they really need, other services. */
function addServices(b: OrganisationBuilder): void {
  for (const s of SERVICES) {
    const ref = b.add({
      class: 'service',
      name: s.name,
      environment: 'production',
      owner: s.owner,
      criticality: s.criticality,
      attributes: { service_level: s.serviceLevel, business_owner: s.businessOwner },
    });
    for (const a of s.applications) b.relate(ref, 'depends_on', `application/${a}`);
    if (s.loadBalanced) {
      b.relate(ref, 'depends_on', 'network_device/ams-lb01');
      b.relate(ref, 'depends_on', 'network_device/ams-lb02');
    }
  }
  for (const s of SERVICES)
    for (const other of s.dependsOn ?? []) b.relate(`service/${s.name}`, 'depends_on', `service/${other}`);
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** A runbook per service, a disaster-recovery plan for the critical ones. */
function addDocuments(b: OrganisationBuilder, rng: SeededRandom): void {
  for (const s of SERVICES) {
    const runbook = b.add({
      class: 'document',
      name: `${s.name} runbook`,
      owner: s.owner,
      attributes: {
        url: `https://wiki.${DEMO_DOMAIN}/runbooks/${slug(s.name)}`,
        doc_version: `${rng.int(1, 6)}.${rng.int(0, 9)}`,
      },
    });
    b.relate(runbook, 'part_of', `service/${s.name}`);
    if (s.drPlan) {
      const plan = b.add({
        class: 'document',
        name: `${s.name} disaster recovery plan`,
        owner: s.owner,
        attributes: {
          url: `https://wiki.${DEMO_DOMAIN}/dr/${slug(s.name)}`,
          doc_version: `${rng.int(1, 3)}.${rng.int(0, 9)}`,
        },
      });
      b.relate(plan, 'part_of', `service/${s.name}`);
    }
  }
}

type DesktopKind = 'DT' | 'LT' | 'MB';

interface DesktopPlan {
  kind: DesktopKind;
  model: HardwareModelKey;
  os: string;
  osVersion: string;
}

const WINDOWS_11 = '10.0.22631';
const WINDOWS_10 = '10.0.19045';

function planDesktop(rng: SeededRandom, department: string): DesktopPlan {
  if (department === 'Marketing' && rng.chance(0.35))
    return { kind: 'MB', model: 'macbook', os: 'macOS', osVersion: '14.3.1' };
  const laptopShare = department === 'Warehouse' ? 0.1 : department === 'IT' || department === 'Sales' ? 0.9 : 0.55;
  const laptop = rng.chance(laptopShare);
  if (department === 'IT' && laptop && rng.chance(0.12))
    return { kind: 'LT', model: 'thinkpad', os: 'Ubuntu', osVersion: '22.04' };
  const model: HardwareModelKey = laptop
    ? rng.weighted([
        ['latitude', 5],
        ['thinkpad', 3],
        ['elitebook', 2],
      ] as const)
    : rng.weighted([
        ['optiplex', 3],
        ['thinkcentre', 2],
      ] as const);
  // Windows 10 lingers on the older hardware and in the warehouses.
  const win10 = rng.chance(department === 'Warehouse' ? 0.45 : 0.18);
  return {
    kind: laptop ? 'LT' : 'DT',
    model,
    os: win10 ? 'Windows 10 Enterprise' : 'Windows 11 Enterprise',
    osVersion: win10 ? WINDOWS_10 : WINDOWS_11,
  };
}

/** The packages on one desktop: the standard image plus department tools plus a little mess. */
function desktopSoftware(rng: SeededRandom, plan: DesktopPlan, department: string): SoftwareKey[] {
  const out: SoftwareKey[] = ['falcon'];
  const windows = plan.os.startsWith('Windows');
  const linux = plan.os === 'Ubuntu';
  if (!linux) out.push(rng.chance(0.9) ? 'm365' : 'm365old');
  out.push(
    rng.weighted([
      ['chrome122', 70],
      ['chrome121', 28],
      ['chrome109', 2],
    ] as const),
  );
  if (linux || rng.chance(0.1)) out.push('firefox');
  if (windows) {
    const zip = rng.weighted([
      ['sevenZip', 50],
      ['sevenZipOld', 1.5],
      ['none', 48.5],
    ] as const);
    if (zip !== 'none') out.push(zip);
    if (rng.chance(0.8)) out.push('teams');
  }
  const zoom = rng.weighted([
    ['zoom', 22],
    ['zoomOld', 3],
    ['none', 75],
  ] as const);
  if (zoom !== 'none') out.push(zoom);
  const tools: Record<string, readonly (readonly [SoftwareKey, number])[]> = {
    Finance: [
      ['sapGui', 0.95],
      ['powerBi', 0.4],
    ],
    Management: [['powerBi', 0.5]],
    Sales: [['powerBi', 0.15]],
    Marketing: [
      ['creativeCloud', 0.8],
      ['gimp', 0.3],
    ],
    IT: [
      ['vscode', 0.8],
      ['git', 0.75],
      ['putty', 0.6],
      ['wireshark', 0.2],
    ],
    'IT Operations': [
      ['vscode', 0.5],
      ['putty', 0.9],
      ['wireshark', 0.4],
    ],
    Warehouse: [
      ['zebra', 0.6],
      ['scannerClient', 0.7],
    ],
    Operations: [['scannerClient', 0.2]],
    Customs: [['customsDesktop', 0.9]],
  };
  for (const [key, share] of tools[department] ?? []) {
    if (
      !windows &&
      (key === 'putty' || key === 'sapGui' || key === 'powerBi' || key === 'zebra' || key === 'scannerClient')
    )
      continue;
    if (rng.chance(share)) out.push(key);
  }
  if (windows && (department === 'Sales' || department === 'Customer Service') && rng.chance(0.025))
    out.push('pdfConverter');
  if (windows && rng.chance(0.008)) out.push('winrar');
  return out;
}

/**
 * Desktops and laptops at every site with their department, user, model and packages, located in
 * their site. A few are retired, and a few have no owner because the asset record was never
 * finished.
 */
function addDesktops(b: OrganisationBuilder, rng: SeededRandom): void {
  const modelsBrand = (key: HardwareModelKey) => HARDWARE_MODELS[key].manufacturer;
  for (const s of SITES) {
    for (let i = 1; i <= s.desktops; i++) {
      const department = rng.weighted(s.departments);
      const plan = planDesktop(rng, department);
      const name = `${s.code}-${plan.kind}${pad(i, 4)}`;
      const shared = department === 'Warehouse' && plan.kind === 'DT';
      const user = shared
        ? `shared-${s.code.toLowerCase()}-warehouse`
        : `${rng.pick(FIRST_NAMES)}.${rng.pick(SURNAMES)}`;
      const fields: CiFields = {
        class: 'desktop',
        name,
        environment: 'production',
        attributes: {
          hostname: name.toLowerCase(),
          os: plan.os,
          os_version: plan.osVersion,
          site: s.code,
          department,
          assigned_to: user,
          model: HARDWARE_MODELS[plan.model].name,
          serial: serial(rng, modelsBrand(plan.model)),
        },
      };
      if (!rng.chance(0.002)) fields.owner = 'team-workplace';
      const ref = b.add(fields);
      b.relate(ref, 'located_in', siteRef(s));
      for (const key of desktopSoftware(rng, plan, department)) b.relate(softwareRef(key), 'installed_on', ref);
    }
    if (s.kind === 'office') {
      // Replaced in the last refresh; kept as retired records until disposal is confirmed.
      for (let i = 1; i <= 5; i++) {
        const name = `${s.code}-DT9${pad(i, 3)}`;
        const ref = b.add({
          class: 'desktop',
          name,
          status: 'retired',
          environment: 'production',
          owner: 'team-workplace',
          attributes: {
            hostname: name.toLowerCase(),
            os: 'Windows 10 Enterprise',
            os_version: '10.0.19044',
            site: s.code,
            model: HARDWARE_MODELS.optiplex.name,
            serial: serial(rng, 'Dell'),
          },
        });
        b.relate(ref, 'located_in', siteRef(s));
      }
    }
  }
}

/**
 * What a real CMDB also holds, so the data-quality report has true findings: duplicates typed in
 * by hand next to discovered records, and an unlinked document nobody owns.
 */
function addDataQualityFindings(b: OrganisationBuilder): void {
  // The same host, entered by hand with the old naming style: same hostname and IP as web01.
  const web01 = b.get('virtual_machine/web01');
  b.add({ class: 'virtual_machine', name: 'WEB-01', environment: 'production', attributes: { ...web01.attributes } });
  // The billing engine, registered once more by a project team with a display name.
  b.add({
    class: 'application',
    name: 'Billing Engine',
    environment: 'production',
    criticality: 'high',
    attributes: { version: '12.4.0', language: 'Java' },
  });
  // A laptop discovered twice (the agent reported a lower-case name): same serial.
  const original = [...b.cis.values()].find(
    (c) => c.class === 'desktop' && c.name.startsWith('HAM-') && c.name.endsWith('0117'),
  );
  if (!original) throw new Error('demo organisation: no desktop HAM-…0117 to duplicate');
  const duplicate = b.add({
    class: 'desktop',
    name: original.name.toLowerCase(),
    environment: 'production',
    attributes: { ...original.attributes, hostname: original.name.toLowerCase() },
  });
  b.relate(duplicate, 'located_in', siteRef(site('HAM')));
  b.add({
    class: 'document',
    name: 'Amsterdam network diagram 2019',
    attributes: { url: `https://wiki.${DEMO_DOMAIN}/archive/ams-network-2019.vsdx`, doc_version: '0.9' },
  });
}

/** Builds the whole organisation in memory (a few thousand CIs: small enough, and simplest to check). */
function buildDemoOrganisation(seed: number = DEMO_SEED): OrganisationBuilder {
  const b = new OrganisationBuilder();
  const ips = new IpPlan();
  const placement = new Placement();
  addSites(b);
  addHardwareModels(b);
  addSoftware(b);
  addNetwork(b, ips);
  addStorage(b);
  addServers(b, ips, SeededRandom.forPart(seed, 'servers'));
  addDataPlatform(b, ips, placement);
  addApplications(b, ips, placement, SeededRandom.forPart(seed, 'applications'));
  addInfrastructureVms(b, ips, placement);
  addServices(b);
  addDocuments(b, SeededRandom.forPart(seed, 'documents'));
  addDesktops(b, SeededRandom.forPart(seed, 'desktops'));
  addDataQualityFindings(b);
  return b;
}

/**
 * The demo organisation as import records: every CI first (the import resolves relationship ends
 * against CIs already seen), then every relationship. Same seed, same records, same order.
 */
export function* demoOrganisationRecords(seed: number = DEMO_SEED): Generator<DemoRecord> {
  const b = buildDemoOrganisation(seed);
  yield* b.cis.values();
  yield* b.relationships;
}

/** The demo organisation as NDJSON lines (without the newline), byte-identical for a seed. */
export function* demoOrganisationLines(seed: number = DEMO_SEED): Generator<string> {
  for (const record of demoOrganisationRecords(seed)) yield JSON.stringify(record);
}
