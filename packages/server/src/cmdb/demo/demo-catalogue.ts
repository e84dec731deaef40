/**
 * The fixed facts of the demo organisation, Northwind Logistics: its sites, business services,
 * applications, databases, message brokers and the software it runs. The generator in
 * demo-organisation.ts turns these into CIs and relationships, adding the bulk (VMs, desktops,
 * installed software) with a seeded PRNG. Everything here is fictional.
 */

export const DEMO_COMPANY = 'Northwind Logistics';
/** Internal DNS domain of every host. */
export const DEMO_DOMAIN = 'nwl.internal';

export interface SiteSpec {
  code: string;
  name: string;
  city: string;
  country: string;
  kind: 'datacentre' | 'office';
  /** Second octet of the site's 10.x.0.0/16 network. */
  net: number;
  /** Desktops and laptops in use at the site. */
  desktops: number;
  /** Departments working at the site, with their share of the desktops. */
  departments: readonly (readonly [string, number])[];
}

export const SITES: readonly SiteSpec[] = [
  {
    code: 'AMS',
    name: 'Amsterdam Data Centre',
    city: 'Amsterdam',
    country: 'NL',
    kind: 'datacentre',
    net: 10,
    desktops: 24,
    departments: [['IT Operations', 1]],
  },
  {
    code: 'FRA',
    name: 'Frankfurt Data Centre',
    city: 'Frankfurt am Main',
    country: 'DE',
    kind: 'datacentre',
    net: 20,
    desktops: 8,
    departments: [['IT Operations', 1]],
  },
  {
    code: 'RTM',
    name: 'Rotterdam Head Office',
    city: 'Rotterdam',
    country: 'NL',
    kind: 'office',
    net: 30,
    desktops: 940,
    departments: [
      ['Sales', 16],
      ['Customer Service', 18],
      ['Finance', 12],
      ['Marketing', 6],
      ['Human Resources', 5],
      ['IT', 14],
      ['Operations', 14],
      ['Legal', 3],
      ['Procurement', 5],
      ['Management', 3],
      ['Customs', 4],
    ],
  },
  {
    code: 'HAM',
    name: 'Hamburg Hub',
    city: 'Hamburg',
    country: 'DE',
    kind: 'office',
    net: 40,
    desktops: 610,
    departments: [
      ['Operations', 35],
      ['Warehouse', 30],
      ['Sales', 12],
      ['Customer Service', 15],
      ['Customs', 8],
    ],
  },
  {
    code: 'ANR',
    name: 'Antwerp Port Depot',
    city: 'Antwerp',
    country: 'BE',
    kind: 'office',
    net: 50,
    desktops: 380,
    departments: [
      ['Warehouse', 45],
      ['Operations', 30],
      ['Customs', 20],
      ['Sales', 5],
    ],
  },
  {
    code: 'WAW',
    name: 'Warsaw Shared Service Centre',
    city: 'Warsaw',
    country: 'PL',
    kind: 'office',
    net: 60,
    desktops: 660,
    departments: [
      ['Finance', 35],
      ['Customer Service', 30],
      ['IT', 20],
      ['Human Resources', 15],
    ],
  },
];

export interface HardwareModelSpec {
  name: string;
  manufacturer: string;
  category: 'server' | 'desktop' | 'laptop' | 'network_device' | 'storage' | 'other';
  partNumber: string;
}

export const HARDWARE_MODELS = {
  r750: { name: 'Dell PowerEdge R750', manufacturer: 'Dell', category: 'server', partNumber: 'PER750-8471' },
  r650: { name: 'Dell PowerEdge R650', manufacturer: 'Dell', category: 'server', partNumber: 'PER650-3310' },
  r640: { name: 'Dell PowerEdge R640', manufacturer: 'Dell', category: 'server', partNumber: 'PER640-2207' },
  dl380: { name: 'HPE ProLiant DL380 Gen10 Plus', manufacturer: 'HPE', category: 'server', partNumber: 'P39124-B21' },
  optiplex: { name: 'Dell OptiPlex 7010', manufacturer: 'Dell', category: 'desktop', partNumber: 'OPT7010-SFF' },
  thinkcentre: {
    name: 'Lenovo ThinkCentre M70q Gen 3',
    manufacturer: 'Lenovo',
    category: 'desktop',
    partNumber: '11T3002PGE',
  },
  latitude: { name: 'Dell Latitude 5440', manufacturer: 'Dell', category: 'laptop', partNumber: 'LAT5440-I5' },
  thinkpad: { name: 'Lenovo ThinkPad T14 Gen 4', manufacturer: 'Lenovo', category: 'laptop', partNumber: '21HD004QMH' },
  elitebook: { name: 'HP EliteBook 840 G9', manufacturer: 'HP', category: 'laptop', partNumber: '6T1N9EA' },
  macbook: { name: 'Apple MacBook Pro 14 M3', manufacturer: 'Apple', category: 'laptop', partNumber: 'MR7J3N-A' },
  pa3220: {
    name: 'Palo Alto PA-3220',
    manufacturer: 'Palo Alto Networks',
    category: 'network_device',
    partNumber: 'PAN-PA-3220',
  },
  pa460: {
    name: 'Palo Alto PA-460',
    manufacturer: 'Palo Alto Networks',
    category: 'network_device',
    partNumber: 'PAN-PA-460',
  },
  nexus9336: {
    name: 'Cisco Nexus 9336C-FX2',
    manufacturer: 'Cisco',
    category: 'network_device',
    partNumber: 'N9K-C9336C-FX2',
  },
  nexus93180: {
    name: 'Cisco Nexus 93180YC-FX',
    manufacturer: 'Cisco',
    category: 'network_device',
    partNumber: 'N9K-C93180YC-FX',
  },
  catalyst9300: {
    name: 'Cisco Catalyst 9300-48P',
    manufacturer: 'Cisco',
    category: 'network_device',
    partNumber: 'C9300-48P-E',
  },
  catalyst9120: {
    name: 'Cisco Catalyst 9120AXI',
    manufacturer: 'Cisco',
    category: 'network_device',
    partNumber: 'C9120AXI-E',
  },
  asr1001: { name: 'Cisco ASR 1001-X', manufacturer: 'Cisco', category: 'network_device', partNumber: 'ASR1001-X' },
  bigip: { name: 'F5 BIG-IP i5800', manufacturer: 'F5', category: 'network_device', partNumber: 'F5-BIG-LTM-I5800' },
  aff400: { name: 'NetApp AFF A400', manufacturer: 'NetApp', category: 'storage', partNumber: 'AFF-A400-HA' },
  dd6900: { name: 'Dell PowerProtect DD6900', manufacturer: 'Dell', category: 'storage', partNumber: 'DD6900-BASE' },
  synology: { name: 'Synology RS3621xs+', manufacturer: 'Synology', category: 'storage', partNumber: 'RS3621XS+' },
} as const satisfies Record<string, HardwareModelSpec>;

export type HardwareModelKey = keyof typeof HARDWARE_MODELS;

/**
 * A software product at one version: one `software` CI each, named `<product> <version>`. A few
 * are deliberately outdated, vulnerable, copyleft or of unknown licence (see README.md) so that
 * the licence and compliance reports have something true to find.
 */
export interface SoftwareSpec {
  product: string;
  version: string;
  vendor: string;
  /** SPDX expression; `NOASSERTION` when nobody knows. */
  license: string;
  /** Team accountable for the package; absent for software nobody owns. */
  owner?: string;
}

const platform = 'team-platform';
const workplace = 'team-workplace';
const dba = 'team-dba';
const messaging = 'team-messaging';
const proprietary = 'LicenseRef-Proprietary';

export const SOFTWARE = {
  // Server platform.
  openssl3013: {
    product: 'openssl',
    version: '3.0.13',
    vendor: 'OpenSSL Project',
    license: 'Apache-2.0',
    owner: platform,
  },
  openssl307: {
    product: 'openssl',
    version: '3.0.7',
    vendor: 'OpenSSL Project',
    license: 'Apache-2.0',
    owner: platform,
  },
  openssl111k: {
    product: 'openssl',
    version: '1.1.1k',
    vendor: 'OpenSSL Project',
    license: 'OpenSSL',
    owner: platform,
  },
  /** End of life since 2019 and full of CVEs: the legacy CentOS 7 hosts still carry it. */
  openssl102k: {
    product: 'openssl',
    version: '1.0.2k',
    vendor: 'OpenSSL Project',
    license: 'OpenSSL',
    owner: platform,
  },
  openssh89: {
    product: 'OpenSSH',
    version: '8.9p1',
    vendor: 'OpenBSD Project',
    license: 'BSD-2-Clause',
    owner: platform,
  },
  openssh87: {
    product: 'OpenSSH',
    version: '8.7p1',
    vendor: 'OpenBSD Project',
    license: 'BSD-2-Clause',
    owner: platform,
  },
  openssh80: {
    product: 'OpenSSH',
    version: '8.0p1',
    vendor: 'OpenBSD Project',
    license: 'BSD-2-Clause',
    owner: platform,
  },
  openssh74: {
    product: 'OpenSSH',
    version: '7.4p1',
    vendor: 'OpenBSD Project',
    license: 'BSD-2-Clause',
    owner: platform,
  },
  nodeExporter: {
    product: 'node_exporter',
    version: '1.7.0',
    vendor: 'Prometheus',
    license: 'Apache-2.0',
    owner: platform,
  },
  windowsExporter: {
    product: 'windows_exporter',
    version: '0.25.1',
    vendor: 'Prometheus Community',
    license: 'MIT',
    owner: platform,
  },
  falcon: {
    product: 'CrowdStrike Falcon Sensor',
    version: '7.10.18110',
    vendor: 'CrowdStrike',
    license: proprietary,
    owner: 'team-security',
  },
  openjdk17: {
    product: 'OpenJDK',
    version: '17.0.10',
    vendor: 'Eclipse Adoptium',
    license: 'GPL-2.0-only WITH Classpath-exception-2.0',
    owner: platform,
  },
  openjdk8: {
    product: 'OpenJDK',
    version: '1.8.0_402',
    vendor: 'Eclipse Adoptium',
    license: 'GPL-2.0-only WITH Classpath-exception-2.0',
    owner: platform,
  },
  /** Log4Shell (CVE-2021-44228): still bundled by the legacy Java applications. */
  log4j2141: {
    product: 'log4j-core',
    version: '2.14.1',
    vendor: 'Apache Software Foundation',
    license: 'Apache-2.0',
    owner: platform,
  },
  log4j2231: {
    product: 'log4j-core',
    version: '2.23.1',
    vendor: 'Apache Software Foundation',
    license: 'Apache-2.0',
    owner: platform,
  },
  node20: { product: 'Node.js', version: '20.11.1', vendor: 'OpenJS Foundation', license: 'MIT', owner: platform },
  python311: {
    product: 'Python',
    version: '3.11.8',
    vendor: 'Python Software Foundation',
    license: 'PSF-2.0',
    owner: platform,
  },
  php82: { product: 'PHP', version: '8.2.16', vendor: 'The PHP Group', license: 'PHP-3.01', owner: platform },
  dotnet8: { product: '.NET Runtime', version: '8.0.2', vendor: 'Microsoft', license: 'MIT', owner: platform },
  dotnetFramework48: {
    product: '.NET Framework',
    version: '4.8.1',
    vendor: 'Microsoft',
    license: proprietary,
    owner: platform,
  },
  nginx124: { product: 'nginx', version: '1.24.0', vendor: 'F5 NGINX', license: 'BSD-2-Clause', owner: platform },
  httpd246: {
    product: 'Apache HTTP Server',
    version: '2.4.6',
    vendor: 'Apache Software Foundation',
    license: 'Apache-2.0',
    owner: platform,
  },
  /** A copyleft command-line tool someone installed on the ETL hosts. */
  gnuParallel: {
    product: 'GNU Parallel',
    version: '20230822',
    vendor: 'GNU Project',
    license: 'GPL-3.0-or-later',
    owner: 'team-data',
  },
  postgres156: {
    product: 'PostgreSQL',
    version: '15.6',
    vendor: 'PostgreSQL Global Development Group',
    license: 'PostgreSQL',
    owner: dba,
  },
  postgres162: {
    product: 'PostgreSQL',
    version: '16.2',
    vendor: 'PostgreSQL Global Development Group',
    license: 'PostgreSQL',
    owner: dba,
  },
  postgres1218: {
    product: 'PostgreSQL',
    version: '12.18',
    vendor: 'PostgreSQL Global Development Group',
    license: 'PostgreSQL',
    owner: dba,
  },
  timescale: { product: 'TimescaleDB', version: '2.14.2', vendor: 'Timescale', license: 'Apache-2.0', owner: dba },
  mysql57: { product: 'MySQL Server', version: '5.7.44', vendor: 'Oracle', license: 'GPL-2.0-only', owner: dba },
  mysql80: { product: 'MySQL Server', version: '8.0.36', vendor: 'Oracle', license: 'GPL-2.0-only', owner: dba },
  redis72: { product: 'Redis', version: '7.2.4', vendor: 'Redis Ltd', license: 'BSD-3-Clause', owner: dba },
  mssql2019: {
    product: 'Microsoft SQL Server',
    version: '15.0.4345.5',
    vendor: 'Microsoft',
    license: proprietary,
    owner: dba,
  },
  mssql2016: {
    product: 'Microsoft SQL Server',
    version: '13.0.6435.1',
    vendor: 'Microsoft',
    license: proprietary,
    owner: dba,
  },
  oracle19: { product: 'Oracle Database', version: '19.21.0', vendor: 'Oracle', license: proprietary, owner: dba },
  kafka: {
    product: 'Apache Kafka',
    version: '3.6.1',
    vendor: 'Apache Software Foundation',
    license: 'Apache-2.0',
    owner: messaging,
  },
  rabbitmq312: { product: 'RabbitMQ', version: '3.12.12', vendor: 'Broadcom', license: 'MPL-2.0', owner: messaging },
  rabbitmq313: { product: 'RabbitMQ', version: '3.13.0', vendor: 'Broadcom', license: 'MPL-2.0', owner: messaging },
  rabbitmq389: { product: 'RabbitMQ', version: '3.8.9', vendor: 'VMware', license: 'MPL-2.0', owner: messaging },
  erlang26: { product: 'Erlang/OTP', version: '26.2.2', vendor: 'Ericsson', license: 'Apache-2.0', owner: messaging },
  ibmMq: { product: 'IBM MQ', version: '9.3.0.15', vendor: 'IBM', license: proprietary, owner: messaging },
  mosquitto: {
    product: 'Eclipse Mosquitto',
    version: '2.0.18',
    vendor: 'Eclipse Foundation',
    license: 'EPL-2.0',
    owner: messaging,
  },
  postfix: { product: 'Postfix', version: '3.8.5', vendor: 'Wietse Venema', license: 'IPL-1.0', owner: workplace },
  veeam: {
    product: 'Veeam Backup & Replication',
    version: '12.1.1.56',
    vendor: 'Veeam',
    license: proprietary,
    owner: 'team-storage',
  },
  vmwareTools: { product: 'VMware Tools', version: '12.3.5', vendor: 'VMware', license: proprietary, owner: platform },
  // Desktops.
  m365: {
    product: 'Microsoft 365 Apps',
    version: '16.0.17328.20184',
    vendor: 'Microsoft',
    license: proprietary,
    owner: workplace,
  },
  m365old: {
    product: 'Microsoft 365 Apps',
    version: '16.0.16731.20636',
    vendor: 'Microsoft',
    license: proprietary,
    owner: workplace,
  },
  chrome122: {
    product: 'Google Chrome',
    version: '122.0.6261.112',
    vendor: 'Google',
    license: proprietary,
    owner: workplace,
  },
  chrome121: {
    product: 'Google Chrome',
    version: '121.0.6167.185',
    vendor: 'Google',
    license: proprietary,
    owner: workplace,
  },
  /** Two years out of date on a few machines nobody updates. */
  chrome109: {
    product: 'Google Chrome',
    version: '109.0.5414.120',
    vendor: 'Google',
    license: proprietary,
    owner: workplace,
  },
  firefox: { product: 'Mozilla Firefox', version: '123.0.1', vendor: 'Mozilla', license: 'MPL-2.0', owner: workplace },
  sevenZip: {
    product: '7-Zip',
    version: '23.01',
    vendor: 'Igor Pavlov',
    license: 'LGPL-2.1-or-later',
    owner: workplace,
  },
  /** Old 7-Zip with known code-execution bugs. */
  sevenZipOld: {
    product: '7-Zip',
    version: '16.04',
    vendor: 'Igor Pavlov',
    license: 'LGPL-2.1-or-later',
    owner: workplace,
  },
  zoom: {
    product: 'Zoom Workplace',
    version: '5.17.5',
    vendor: 'Zoom Video Communications',
    license: proprietary,
    owner: workplace,
  },
  zoomOld: {
    product: 'Zoom',
    version: '5.12.9',
    vendor: 'Zoom Video Communications',
    license: proprietary,
    owner: workplace,
  },
  teams: {
    product: 'Microsoft Teams',
    version: '24033.811.2738',
    vendor: 'Microsoft',
    license: proprietary,
    owner: workplace,
  },
  sapGui: { product: 'SAP GUI', version: '7.70', vendor: 'SAP', license: proprietary, owner: 'team-finance' },
  powerBi: {
    product: 'Microsoft Power BI Desktop',
    version: '2.126.927.0',
    vendor: 'Microsoft',
    license: proprietary,
    owner: 'team-data',
  },
  creativeCloud: {
    product: 'Adobe Creative Cloud',
    version: '6.1.0',
    vendor: 'Adobe',
    license: proprietary,
    owner: workplace,
  },
  /** Copyleft image editor installed by hand in Marketing. */
  gimp: { product: 'GIMP', version: '2.10.36', vendor: 'GIMP Team', license: 'GPL-3.0-or-later', owner: workplace },
  vscode: { product: 'Visual Studio Code', version: '1.87.0', vendor: 'Microsoft', license: 'MIT', owner: workplace },
  git: { product: 'Git', version: '2.44.0', vendor: 'Git Project', license: 'GPL-2.0-only', owner: workplace },
  putty: { product: 'PuTTY', version: '0.80', vendor: 'Simon Tatham', license: 'MIT', owner: workplace },
  wireshark: {
    product: 'Wireshark',
    version: '4.2.3',
    vendor: 'Wireshark Foundation',
    license: 'GPL-2.0-or-later',
    owner: workplace,
  },
  zebra: {
    product: 'ZebraDesigner',
    version: '3.2.2',
    vendor: 'Zebra Technologies',
    license: proprietary,
    owner: 'team-warehouse',
  },
  scannerClient: {
    product: 'NWL Scanner Client',
    version: '4.8.0',
    vendor: DEMO_COMPANY,
    license: 'LicenseRef-Northwind-Internal',
    owner: 'team-warehouse',
  },
  customsDesktop: {
    product: 'Customs Declaration Client',
    version: '2.3.1',
    vendor: 'DeltaCustoms BV',
    license: proprietary,
    owner: 'team-customs',
  },
  /** Freeware of unknown origin and licence that spread through Sales; nobody owns it. */
  pdfConverter: { product: 'Free PDF Converter Pro', version: '7.3.1', vendor: 'Unknown', license: 'NOASSERTION' },
  /** Trialware used past its trial: installed without a licence. */
  winrar: { product: 'WinRAR', version: '6.02', vendor: 'win.rar GmbH', license: proprietary, owner: workplace },
} as const satisfies Record<string, SoftwareSpec>;

export type SoftwareKey = keyof typeof SOFTWARE;

export function softwareName(spec: SoftwareSpec): string {
  return `${spec.product} ${spec.version}`;
}

export type OsKey = 'ubuntu' | 'rhel9' | 'rhel8' | 'centos7' | 'win2022' | 'win2016';

export interface OsSpec {
  os: string;
  version: string;
  /** Packages every host with this OS reports. */
  software: readonly SoftwareKey[];
}

export const OPERATING_SYSTEMS: Record<OsKey, OsSpec> = {
  ubuntu: {
    os: 'Ubuntu',
    version: '22.04',
    software: ['openssl3013', 'openssh89', 'nodeExporter', 'falcon', 'vmwareTools'],
  },
  rhel9: {
    os: 'Red Hat Enterprise Linux',
    version: '9.3',
    software: ['openssl307', 'openssh87', 'nodeExporter', 'falcon', 'vmwareTools'],
  },
  rhel8: {
    os: 'Red Hat Enterprise Linux',
    version: '8.9',
    software: ['openssl111k', 'openssh80', 'nodeExporter', 'falcon', 'vmwareTools'],
  },
  /** End of life in June 2024; the EDI and customs legacy still runs on it. */
  centos7: {
    os: 'CentOS Linux',
    version: '7.9.2009',
    software: ['openssl102k', 'openssh74', 'nodeExporter', 'vmwareTools'],
  },
  win2022: { os: 'Windows Server', version: '10.0.20348', software: ['windowsExporter', 'falcon', 'vmwareTools'] },
  win2016: {
    os: 'Windows Server',
    version: '10.0.14393',
    software: ['windowsExporter', 'dotnetFramework48', 'vmwareTools'],
  },
};

export type Runtime = 'java' | 'legacy-java' | 'node' | 'python' | 'php' | 'go' | 'dotnet' | 'native';

/** What an application's runtime installs on the hosts it runs on. */
export const RUNTIME_SOFTWARE: Record<Runtime, readonly SoftwareKey[]> = {
  java: ['openjdk17', 'log4j2231'],
  'legacy-java': ['openjdk8', 'log4j2141'],
  node: ['node20'],
  python: ['python311'],
  php: ['php82'],
  go: [],
  dotnet: ['dotnet8'],
  native: [],
};

export type Environment = 'production' | 'staging' | 'test' | 'development';

export interface ApplicationSpec {
  name: string;
  /** Short role code used in VM names, e.g. `bkeng` → ams-bkeng01. */
  role: string;
  owner: string;
  criticality: 'low' | 'medium' | 'high' | 'critical';
  language: string;
  version: string;
  runtime: Runtime;
  os: OsKey;
  /** Production VMs in the primary data centre (0 for a retired application). */
  instances: number;
  /** One more production VM in the DR data centre. */
  dr?: boolean;
  /** Serves HTTP through a local reverse proxy. */
  web?: boolean;
  /** Extra packages on its hosts. */
  software?: readonly SoftwareKey[];
  /** `class/name` references of what it needs. */
  dependsOn: readonly string[];
  /** Non-production copies (`<name>-stg`, `-tst`, `-dev`). */
  copies?: readonly Exclude<Environment, 'production'>[];
  status?: 'active' | 'retired';
}

const db = (name: string) => `database/${name}`;
const mq = (name: string) => `messaging/${name}`;
const app = (name: string) => `application/${name}`;

export const APPLICATIONS: readonly ApplicationSpec[] = [
  // Identity and Access.
  {
    name: 'active-directory',
    role: 'ad',
    owner: 'team-identity',
    criticality: 'critical',
    language: 'n/a',
    version: '2022.1',
    runtime: 'native',
    os: 'win2022',
    instances: 2,
    dr: true,
    dependsOn: [],
  },
  {
    name: 'identity-sso',
    role: 'sso',
    owner: 'team-identity',
    criticality: 'critical',
    language: 'Java',
    version: '24.0.1',
    runtime: 'java',
    os: 'rhel9',
    instances: 3,
    dr: true,
    web: true,
    dependsOn: [db('identitydb'), app('active-directory')],
  },
  {
    name: 'directory-sync',
    role: 'dirsync',
    owner: 'team-identity',
    criticality: 'high',
    language: 'C#',
    version: '3.4.0',
    runtime: 'dotnet',
    os: 'win2022',
    instances: 1,
    dependsOn: [app('active-directory'), db('identitydb')],
  },
  // Customer Portal.
  {
    name: 'api-gateway',
    role: 'apigw',
    owner: 'team-platform',
    criticality: 'critical',
    language: 'Lua',
    version: '3.6.1',
    runtime: 'native',
    os: 'ubuntu',
    instances: 3,
    dr: true,
    dependsOn: [app('identity-sso'), db('session-cache')],
  },
  {
    name: 'customer-portal-web',
    role: 'cpweb',
    owner: 'team-web',
    criticality: 'critical',
    language: 'TypeScript',
    version: '5.12.0',
    runtime: 'node',
    os: 'ubuntu',
    instances: 3,
    dr: true,
    web: true,
    dependsOn: [app('api-gateway')],
    copies: ['staging'],
  },
  {
    name: 'customer-portal-api',
    role: 'cpapi',
    owner: 'team-web',
    criticality: 'critical',
    language: 'Kotlin',
    version: '5.12.2',
    runtime: 'java',
    os: 'ubuntu',
    instances: 3,
    dr: true,
    dependsOn: [db('portaldb'), db('session-cache'), app('identity-sso'), app('booking-api'), app('tracking-api')],
    copies: ['staging', 'development'],
  },
  // Freight Booking.
  {
    name: 'booking-api',
    role: 'bkapi',
    owner: 'team-booking',
    criticality: 'critical',
    language: 'Java',
    version: '8.3.0',
    runtime: 'java',
    os: 'rhel9',
    instances: 3,
    dr: true,
    web: true,
    dependsOn: [app('booking-engine'), app('identity-sso')],
    copies: ['staging'],
  },
  {
    name: 'booking-engine',
    role: 'bkeng',
    owner: 'team-booking',
    criticality: 'critical',
    language: 'Java',
    version: '8.3.1',
    runtime: 'java',
    os: 'rhel9',
    instances: 4,
    dr: true,
    dependsOn: [db('bookingdb'), mq('kafka-events'), app('rate-calculator'), app('capacity-service')],
    copies: ['staging', 'test', 'development'],
  },
  {
    name: 'rate-calculator',
    role: 'rate',
    owner: 'team-booking',
    criticality: 'high',
    language: 'Python',
    version: '2.19.4',
    runtime: 'python',
    os: 'ubuntu',
    instances: 2,
    dependsOn: [app('tariff-service'), db('bookingdb')],
  },
  {
    name: 'capacity-service',
    role: 'cap',
    owner: 'team-booking',
    criticality: 'high',
    language: 'Go',
    version: '1.14.0',
    runtime: 'go',
    os: 'ubuntu',
    instances: 2,
    dependsOn: [db('planningdb'), mq('kafka-events')],
  },
  // Shipment Tracking.
  {
    name: 'tracking-api',
    role: 'trkapi',
    owner: 'team-tracking',
    criticality: 'critical',
    language: 'Go',
    version: '4.7.2',
    runtime: 'go',
    os: 'ubuntu',
    instances: 4,
    dr: true,
    web: true,
    dependsOn: [db('trackingdb'), db('notification-cache')],
    copies: ['staging', 'test'],
  },
  {
    name: 'tracking-event-processor',
    role: 'trkevt',
    owner: 'team-tracking',
    criticality: 'critical',
    language: 'Java',
    version: '4.7.0',
    runtime: 'java',
    os: 'rhel9',
    instances: 4,
    dependsOn: [mq('kafka-events'), db('trackingdb')],
    copies: ['staging'],
  },
  {
    name: 'carrier-status-poller',
    role: 'carrier',
    owner: 'team-tracking',
    criticality: 'high',
    language: 'Python',
    version: '1.22.0',
    runtime: 'python',
    os: 'ubuntu',
    instances: 2,
    dependsOn: [mq('kafka-events')],
  },
  {
    name: 'notification-service',
    role: 'notify',
    owner: 'team-tracking',
    criticality: 'medium',
    language: 'TypeScript',
    version: '3.1.5',
    runtime: 'node',
    os: 'ubuntu',
    instances: 2,
    dependsOn: [mq('rabbitmq-core'), db('notification-cache'), app('mail-relay')],
  },
  {
    name: 'tracking-v1-soap',
    role: 'trkv1',
    owner: 'team-tracking',
    criticality: 'medium',
    language: 'Java',
    version: '1.9.3',
    runtime: 'legacy-java',
    os: 'centos7',
    instances: 0,
    dependsOn: [],
    status: 'retired',
  },
  // Warehouse Management.
  {
    name: 'wms-core',
    role: 'wms',
    owner: 'team-warehouse',
    criticality: 'high',
    language: 'Java',
    version: '11.2.0',
    runtime: 'java',
    os: 'rhel8',
    instances: 3,
    dr: true,
    dependsOn: [db('wmsdb'), mq('rabbitmq-core')],
    copies: ['staging'],
  },
  {
    name: 'wms-scanner-gateway',
    role: 'wmsscan',
    owner: 'team-warehouse',
    criticality: 'high',
    language: 'C#',
    version: '2.6.1',
    runtime: 'dotnet',
    os: 'win2022',
    instances: 2,
    dependsOn: [app('wms-core')],
  },
  {
    name: 'label-print-service',
    role: 'label',
    owner: 'team-warehouse',
    criticality: 'medium',
    language: 'Java',
    version: '1.8.4',
    runtime: 'java',
    os: 'rhel8',
    instances: 2,
    dependsOn: [app('wms-core'), mq('rabbitmq-core')],
  },
  // Transport Planning.
  {
    name: 'route-optimizer',
    role: 'route',
    owner: 'team-planning',
    criticality: 'high',
    language: 'Python',
    version: '6.0.3',
    runtime: 'python',
    os: 'ubuntu',
    instances: 3,
    dependsOn: [db('planningdb'), mq('kafka-events')],
    copies: ['test'],
  },
  {
    name: 'dispatch-planner',
    role: 'dispatch',
    owner: 'team-planning',
    criticality: 'high',
    language: 'Java',
    version: '6.1.0',
    runtime: 'java',
    os: 'rhel9',
    instances: 2,
    dependsOn: [db('planningdb'), mq('rabbitmq-core'), app('geofence-service')],
  },
  {
    name: 'planning-ui',
    role: 'planui',
    owner: 'team-planning',
    criticality: 'medium',
    language: 'TypeScript',
    version: '6.1.2',
    runtime: 'node',
    os: 'ubuntu',
    instances: 2,
    web: true,
    dependsOn: [app('dispatch-planner'), app('route-optimizer'), app('identity-sso')],
  },
  // Fleet Telematics.
  {
    name: 'telematics-ingest',
    role: 'telin',
    owner: 'team-fleet',
    criticality: 'high',
    language: 'Go',
    version: '2.9.0',
    runtime: 'go',
    os: 'ubuntu',
    instances: 3,
    dependsOn: [mq('mqtt-telematics'), db('telematicsdb'), mq('kafka-events')],
  },
  {
    name: 'driver-app-backend',
    role: 'drvapp',
    owner: 'team-fleet',
    criticality: 'high',
    language: 'TypeScript',
    version: '3.4.0',
    runtime: 'node',
    os: 'ubuntu',
    instances: 3,
    dr: true,
    dependsOn: [db('telematicsdb'), app('identity-sso'), app('booking-api')],
    copies: ['development'],
  },
  {
    name: 'geofence-service',
    role: 'geofence',
    owner: 'team-fleet',
    criticality: 'medium',
    language: 'Rust',
    version: '0.9.7',
    runtime: 'native',
    os: 'ubuntu',
    instances: 2,
    dependsOn: [db('telematicsdb'), mq('kafka-events')],
  },
  // Customs Clearance.
  {
    name: 'customs-declaration',
    role: 'customs',
    owner: 'team-customs',
    criticality: 'high',
    language: 'Java',
    version: '5.0.8',
    runtime: 'java',
    os: 'rhel8',
    instances: 2,
    dependsOn: [db('customsdb'), mq('ibm-mq-customs')],
  },
  {
    name: 'customs-broker-connector',
    role: 'custbrk',
    owner: 'team-customs',
    criticality: 'high',
    language: 'Java',
    version: '2.2.1',
    runtime: 'legacy-java',
    os: 'centos7',
    instances: 1,
    dependsOn: [mq('ibm-mq-customs'), app('edi-gateway')],
  },
  // Billing and Invoicing.
  {
    name: 'billing-engine',
    role: 'billing',
    owner: 'team-finance',
    criticality: 'critical',
    language: 'Java',
    version: '12.4.0',
    runtime: 'java',
    os: 'rhel8',
    instances: 3,
    dr: true,
    dependsOn: [db('billingdb'), mq('kafka-events'), app('tariff-service')],
    copies: ['staging'],
  },
  {
    name: 'invoice-renderer',
    role: 'invoice',
    owner: 'team-finance',
    criticality: 'high',
    language: 'Java',
    version: '12.1.3',
    runtime: 'java',
    os: 'rhel9',
    instances: 2,
    dependsOn: [app('billing-engine'), mq('rabbitmq-core')],
  },
  {
    name: 'tariff-service',
    role: 'tariff',
    owner: 'team-finance',
    criticality: 'high',
    language: 'C#',
    version: '4.0.6',
    runtime: 'dotnet',
    os: 'win2022',
    instances: 2,
    dependsOn: [db('tariffdb')],
  },
  // Payments.
  {
    name: 'payment-gateway',
    role: 'paygw',
    owner: 'team-payments',
    criticality: 'critical',
    language: 'Java',
    version: '7.2.3',
    runtime: 'java',
    os: 'rhel9',
    instances: 3,
    dr: true,
    web: true,
    dependsOn: [db('paymentsdb'), mq('rabbitmq-core'), app('identity-sso')],
    copies: ['staging', 'test'],
  },
  {
    name: 'payment-reconciliation',
    role: 'payrec',
    owner: 'team-payments',
    criticality: 'high',
    language: 'Python',
    version: '7.0.1',
    runtime: 'python',
    os: 'ubuntu',
    instances: 2,
    dependsOn: [db('paymentsdb'), app('billing-engine')],
  },
  // Customer Support.
  {
    name: 'crm-suite',
    role: 'crm',
    owner: 'team-crm',
    criticality: 'medium',
    language: 'C#',
    version: '9.1.0',
    runtime: 'dotnet',
    os: 'win2022',
    instances: 2,
    web: false,
    dependsOn: [db('crmdb'), app('identity-sso')],
  },
  {
    name: 'ticketing-connector',
    role: 'ticket',
    owner: 'team-crm',
    criticality: 'low',
    language: 'TypeScript',
    version: '1.3.2',
    runtime: 'node',
    os: 'ubuntu',
    instances: 1,
    dependsOn: [app('crm-suite'), app('mail-relay'), mq('rabbitmq-core')],
  },
  // Partner EDI Gateway: the legacy corner (CentOS 7, old openssl, Log4Shell-era log4j).
  {
    name: 'edi-gateway',
    role: 'edigw',
    owner: 'team-integration',
    criticality: 'high',
    language: 'Java',
    version: '3.9.12',
    runtime: 'legacy-java',
    os: 'centos7',
    instances: 2,
    dr: true,
    software: ['httpd246'],
    // Still wired to the retired SOAP tracking API: a relationship to a retired CI.
    dependsOn: [db('edidb'), mq('rabbitmq-edi'), app('tracking-v1-soap')],
  },
  {
    name: 'edi-mapper',
    role: 'edimap',
    owner: 'team-integration',
    criticality: 'high',
    language: 'Java',
    version: '3.9.4',
    runtime: 'legacy-java',
    os: 'centos7',
    instances: 2,
    dependsOn: [mq('rabbitmq-edi'), db('edidb')],
  },
  {
    name: 'as2-connector',
    role: 'as2',
    owner: 'team-integration',
    criticality: 'medium',
    language: 'Java',
    version: '2.0.5',
    runtime: 'java',
    os: 'rhel8',
    instances: 2,
    dependsOn: [app('edi-gateway')],
  },
  // HR and Payroll.
  {
    name: 'hr-portal',
    role: 'hr',
    owner: 'team-hr-it',
    criticality: 'medium',
    language: 'PHP',
    version: '4.2.0',
    runtime: 'php',
    os: 'ubuntu',
    instances: 2,
    web: true,
    dependsOn: [db('hrdb'), app('identity-sso')],
  },
  {
    name: 'payroll-export',
    role: 'payroll',
    owner: 'team-hr-it',
    criticality: 'medium',
    language: 'C#',
    version: '1.7.3',
    runtime: 'dotnet',
    os: 'win2016',
    instances: 1,
    dependsOn: [db('hrdb')],
  },
  // Email and Collaboration.
  {
    name: 'mail-relay',
    role: 'smtp',
    owner: 'team-workplace',
    criticality: 'high',
    language: 'C',
    version: '3.8.5',
    runtime: 'native',
    os: 'ubuntu',
    instances: 2,
    software: ['postfix'],
    dependsOn: [],
  },
  // intranet runs on the legacy host web01 (see demo-organisation.ts), not on generated VMs.
  {
    name: 'intranet',
    role: 'web',
    owner: 'team-workplace',
    criticality: 'low',
    language: 'PHP',
    version: '6.4.3',
    runtime: 'php',
    os: 'ubuntu',
    instances: 0,
    dependsOn: [db('intranetdb'), app('identity-sso')],
  },
  // Business Intelligence.
  {
    name: 'data-warehouse-etl',
    role: 'etl',
    owner: 'team-data',
    criticality: 'medium',
    language: 'Python',
    version: '2024.3.0',
    runtime: 'python',
    os: 'ubuntu',
    instances: 3,
    software: ['gnuParallel'],
    dependsOn: [db('dwh'), mq('kafka-events'), db('billingdb'), db('trackingdb')],
  },
  {
    name: 'reporting-portal',
    role: 'report',
    owner: 'team-data',
    criticality: 'medium',
    language: 'Java',
    version: '2024.2.1',
    runtime: 'java',
    os: 'rhel9',
    instances: 2,
    web: true,
    dependsOn: [db('dwh'), app('identity-sso')],
  },
];

export interface ServiceSpec {
  name: string;
  owner: string;
  criticality: 'low' | 'medium' | 'high' | 'critical';
  serviceLevel: string;
  businessOwner: string;
  applications: readonly string[];
  /** Internet-facing: needs the data centre's load balancer pair. */
  loadBalanced?: boolean;
  /** Other business services it needs. */
  dependsOn?: readonly string[];
  /** Has a disaster-recovery plan besides its runbook. */
  drPlan?: boolean;
}

const gold = 'Gold 99.95% 24x7';
const silver = 'Silver 99.9% 24x7';
const bronze = 'Bronze 99.5% business hours';

export const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'Identity and Access',
    owner: 'team-identity',
    criticality: 'critical',
    serviceLevel: gold,
    businessOwner: 'Chief Information Security Officer',
    applications: ['active-directory', 'identity-sso', 'directory-sync'],
    drPlan: true,
  },
  {
    name: 'Customer Portal',
    owner: 'team-web',
    criticality: 'critical',
    serviceLevel: gold,
    businessOwner: 'Chief Commercial Officer',
    applications: ['customer-portal-web', 'customer-portal-api', 'api-gateway'],
    loadBalanced: true,
    dependsOn: ['Identity and Access', 'Freight Booking', 'Shipment Tracking', 'Payments'],
    drPlan: true,
  },
  {
    name: 'Freight Booking',
    owner: 'team-booking',
    criticality: 'critical',
    serviceLevel: gold,
    businessOwner: 'Head of Sales',
    applications: ['booking-api', 'booking-engine', 'rate-calculator', 'capacity-service'],
    loadBalanced: true,
    drPlan: true,
  },
  {
    name: 'Shipment Tracking',
    owner: 'team-tracking',
    criticality: 'critical',
    serviceLevel: gold,
    businessOwner: 'Head of Customer Service',
    applications: ['tracking-api', 'tracking-event-processor', 'carrier-status-poller', 'notification-service'],
    loadBalanced: true,
    drPlan: true,
  },
  {
    name: 'Warehouse Management',
    owner: 'team-warehouse',
    criticality: 'high',
    serviceLevel: silver,
    businessOwner: 'Head of Warehousing',
    applications: ['wms-core', 'wms-scanner-gateway', 'label-print-service'],
  },
  {
    name: 'Transport Planning',
    owner: 'team-planning',
    criticality: 'high',
    serviceLevel: silver,
    businessOwner: 'Head of Operations',
    applications: ['route-optimizer', 'dispatch-planner', 'planning-ui'],
  },
  {
    name: 'Fleet Telematics',
    owner: 'team-fleet',
    criticality: 'high',
    serviceLevel: silver,
    businessOwner: 'Fleet Director',
    applications: ['telematics-ingest', 'driver-app-backend', 'geofence-service'],
    loadBalanced: true,
  },
  {
    name: 'Customs Clearance',
    owner: 'team-customs',
    criticality: 'high',
    serviceLevel: silver,
    businessOwner: 'Head of Customs Compliance',
    applications: ['customs-declaration', 'customs-broker-connector'],
    dependsOn: ['Partner EDI Gateway'],
  },
  {
    name: 'Billing and Invoicing',
    owner: 'team-finance',
    criticality: 'critical',
    serviceLevel: gold,
    businessOwner: 'Chief Financial Officer',
    applications: ['billing-engine', 'invoice-renderer', 'tariff-service'],
    drPlan: true,
  },
  {
    name: 'Payments',
    owner: 'team-payments',
    criticality: 'critical',
    serviceLevel: gold,
    businessOwner: 'Chief Financial Officer',
    applications: ['payment-gateway', 'payment-reconciliation'],
    loadBalanced: true,
    dependsOn: ['Identity and Access'],
    drPlan: true,
  },
  {
    name: 'Customer Support',
    owner: 'team-crm',
    criticality: 'medium',
    serviceLevel: silver,
    businessOwner: 'Head of Customer Service',
    applications: ['crm-suite', 'ticketing-connector'],
  },
  {
    name: 'Partner EDI Gateway',
    owner: 'team-integration',
    criticality: 'high',
    serviceLevel: silver,
    businessOwner: 'Head of Partner Management',
    applications: ['edi-gateway', 'edi-mapper', 'as2-connector'],
  },
  {
    name: 'HR and Payroll',
    owner: 'team-hr-it',
    criticality: 'medium',
    serviceLevel: bronze,
    businessOwner: 'Chief People Officer',
    applications: ['hr-portal', 'payroll-export'],
  },
  {
    name: 'Email and Collaboration',
    owner: 'team-workplace',
    criticality: 'high',
    serviceLevel: silver,
    businessOwner: 'Chief Information Officer',
    applications: ['mail-relay', 'intranet'],
  },
  {
    name: 'Business Intelligence',
    owner: 'team-data',
    criticality: 'medium',
    serviceLevel: bronze,
    businessOwner: 'Chief Financial Officer',
    applications: ['data-warehouse-etl', 'reporting-portal'],
    dependsOn: ['Billing and Invoicing', 'Shipment Tracking'],
  },
];

export interface DataStoreSpec {
  name: string;
  engine: string;
  engineVersion: string;
  /** Databases only. */
  sizeGb?: number;
  /** VM (`virtual_machine/…`) or server (`server/…`) references it runs on. */
  hosts: readonly string[];
  environment: Environment;
  criticality: 'low' | 'medium' | 'high' | 'critical';
  status?: 'active' | 'retired';
}

const vm = (name: string) => `virtual_machine/${name}`;
const server = (name: string) => `server/${name}`;

export const DATABASES: readonly DataStoreSpec[] = [
  pg('identitydb', 40, ['ams-pg01', 'fra-pg01'], 'critical'),
  pg('portaldb', 120, ['ams-pg01', 'fra-pg01'], 'critical'),
  pg('bookingdb', 850, ['ams-pg02', 'fra-pg02'], 'critical'),
  pg('planningdb', 310, ['ams-pg03'], 'high'),
  pg('trackingdb', 2400, ['ams-pg04', 'fra-pg02'], 'critical'),
  pg('paymentsdb', 610, ['ams-pg05', 'fra-pg03'], 'critical'),
  { ...pg('customsdb', 180, ['ams-pg06'], 'high'), engineVersion: '12.18' },
  pg('dwh', 9800, ['ams-dwh01', 'ams-dwh02'], 'medium'),
  {
    name: 'telematicsdb',
    engine: 'timescaledb',
    engineVersion: '2.14.2',
    sizeGb: 5200,
    hosts: [vm('ams-tsdb01'), vm('ams-tsdb02')],
    environment: 'production',
    criticality: 'high',
  },
  oracle('wmsdb', 1500, 'high'),
  oracle('billingdb', 2200, 'critical'),
  {
    name: 'billingdb-legacy',
    engine: 'oracle',
    engineVersion: '11.2.0.4',
    sizeGb: 640,
    hosts: [server('ams-ora02')],
    environment: 'production',
    criticality: 'low',
    status: 'retired',
  },
  mssql('tariffdb', 60, ['ams-sql01'], '15.0.4345.5', 'high'),
  mssql('crmdb', 450, ['ams-sql01', 'ams-sql02'], '15.0.4345.5', 'medium'),
  mssql('hrdb', 90, ['ams-sql02'], '13.0.6435.1', 'medium'),
  mysql('edidb', 220, '5.7.44', 'high'),
  mysql('intranetdb', 25, '8.0.36', 'low'),
  redis('session-cache', 16, 'critical'),
  redis('notification-cache', 8, 'medium'),
  // Non-production. bookingdb-stg already runs PostgreSQL 16: the upgrade is being tested there.
  { ...pg('bookingdb-stg', 120, ['ams-pg-stg01'], 'medium'), environment: 'staging', engineVersion: '16.2' },
  { ...pg('trackingdb-stg', 200, ['ams-pg-stg01'], 'medium'), environment: 'staging' },
  { ...pg('portaldb-stg', 20, ['ams-pg-stg01'], 'low'), environment: 'staging' },
  { ...pg('paymentsdb-stg', 45, ['ams-pg-stg01'], 'medium'), environment: 'staging' },
  { ...pg('bookingdb-tst', 60, ['ams-pg-tst01'], 'low'), environment: 'test' },
  { ...pg('devdb', 80, ['ams-pg-dev01'], 'low'), environment: 'development' },
];

function pg(name: string, sizeGb: number, hosts: string[], criticality: DataStoreSpec['criticality']): DataStoreSpec {
  return {
    name,
    engine: 'postgresql',
    engineVersion: '15.6',
    sizeGb,
    hosts: hosts.map(vm),
    environment: 'production',
    criticality,
  };
}

function oracle(name: string, sizeGb: number, criticality: DataStoreSpec['criticality']): DataStoreSpec {
  return {
    name,
    engine: 'oracle',
    engineVersion: '19.21.0',
    sizeGb,
    hosts: [server('ams-ora01'), server('ams-ora02'), server('fra-ora01')],
    environment: 'production',
    criticality,
  };
}

function mssql(
  name: string,
  sizeGb: number,
  hosts: string[],
  engineVersion: string,
  criticality: DataStoreSpec['criticality'],
): DataStoreSpec {
  return { name, engine: 'mssql', engineVersion, sizeGb, hosts: hosts.map(vm), environment: 'production', criticality };
}

function mysql(
  name: string,
  sizeGb: number,
  engineVersion: string,
  criticality: DataStoreSpec['criticality'],
): DataStoreSpec {
  return {
    name,
    engine: 'mysql',
    engineVersion,
    sizeGb,
    hosts: [vm('ams-mysql01')],
    environment: 'production',
    criticality,
  };
}

function redis(name: string, sizeGb: number, criticality: DataStoreSpec['criticality']): DataStoreSpec {
  return {
    name,
    engine: 'redis',
    engineVersion: '7.2.4',
    sizeGb,
    hosts: [vm('ams-redis01'), vm('ams-redis02')],
    environment: 'production',
    criticality,
  };
}

export const MESSAGING: readonly DataStoreSpec[] = [
  {
    name: 'kafka-events',
    engine: 'kafka',
    engineVersion: '3.6.1',
    hosts: [vm('ams-kafka01'), vm('ams-kafka02'), vm('ams-kafka03')],
    environment: 'production',
    criticality: 'critical',
  },
  {
    name: 'rabbitmq-core',
    engine: 'rabbitmq',
    engineVersion: '3.12.12',
    hosts: [vm('ams-rmq01'), vm('ams-rmq02'), vm('ams-rmq03')],
    environment: 'production',
    criticality: 'critical',
  },
  {
    name: 'rabbitmq-edi',
    engine: 'rabbitmq',
    engineVersion: '3.8.9',
    hosts: [vm('ams-rmqedi01')],
    environment: 'production',
    criticality: 'high',
  },
  {
    name: 'ibm-mq-customs',
    engine: 'ibm-mq',
    engineVersion: '9.3.0.15',
    hosts: [vm('ams-ibmmq01')],
    environment: 'production',
    criticality: 'high',
  },
  {
    name: 'mqtt-telematics',
    engine: 'mosquitto',
    engineVersion: '2.0.18',
    hosts: [vm('ams-mqtt01'), vm('ams-mqtt02')],
    environment: 'production',
    criticality: 'high',
  },
  {
    name: 'kafka-events-stg',
    engine: 'kafka',
    engineVersion: '3.6.1',
    hosts: [vm('ams-kafka-stg01')],
    environment: 'staging',
    criticality: 'low',
  },
  {
    name: 'rabbitmq-core-stg',
    engine: 'rabbitmq',
    engineVersion: '3.13.0',
    hosts: [vm('ams-rmq-stg01')],
    environment: 'staging',
    criticality: 'low',
  },
];

/** Data VMs: name, OS, the packages of what they host, environment, owner. */
export interface DataHostSpec {
  name: string;
  os: OsKey;
  software: readonly SoftwareKey[];
  environment: Environment;
  owner: string;
  cpu: number;
  memoryGb: number;
}

const pgHost = (
  name: string,
  environment: Environment = 'production',
  software: SoftwareKey = 'postgres156',
): DataHostSpec => ({
  name,
  os: 'rhel9',
  software: [software],
  environment,
  owner: dba,
  cpu: environment === 'production' ? 16 : 8,
  memoryGb: environment === 'production' ? 128 : 32,
});

export const DATA_HOSTS: readonly DataHostSpec[] = [
  pgHost('ams-pg01'),
  pgHost('ams-pg02'),
  pgHost('ams-pg03'),
  pgHost('ams-pg04'),
  pgHost('ams-pg05'),
  { ...pgHost('ams-pg06', 'production', 'postgres1218'), os: 'rhel8' },
  pgHost('fra-pg01'),
  pgHost('fra-pg02'),
  pgHost('fra-pg03'),
  { ...pgHost('ams-dwh01'), cpu: 32, memoryGb: 384 },
  { ...pgHost('ams-dwh02'), cpu: 32, memoryGb: 384 },
  {
    name: 'ams-tsdb01',
    os: 'ubuntu',
    software: ['postgres156', 'timescale'],
    environment: 'production',
    owner: dba,
    cpu: 16,
    memoryGb: 128,
  },
  {
    name: 'ams-tsdb02',
    os: 'ubuntu',
    software: ['postgres156', 'timescale'],
    environment: 'production',
    owner: dba,
    cpu: 16,
    memoryGb: 128,
  },
  {
    name: 'ams-sql01',
    os: 'win2022',
    software: ['mssql2019'],
    environment: 'production',
    owner: dba,
    cpu: 16,
    memoryGb: 128,
  },
  {
    name: 'ams-sql02',
    os: 'win2016',
    software: ['mssql2019', 'mssql2016'],
    environment: 'production',
    owner: dba,
    cpu: 8,
    memoryGb: 64,
  },
  {
    name: 'ams-mysql01',
    os: 'centos7',
    software: ['mysql57', 'mysql80'],
    environment: 'production',
    owner: dba,
    cpu: 8,
    memoryGb: 32,
  },
  {
    name: 'ams-redis01',
    os: 'ubuntu',
    software: ['redis72'],
    environment: 'production',
    owner: dba,
    cpu: 4,
    memoryGb: 32,
  },
  {
    name: 'ams-redis02',
    os: 'ubuntu',
    software: ['redis72'],
    environment: 'production',
    owner: dba,
    cpu: 4,
    memoryGb: 32,
  },
  pgHost('ams-pg-stg01', 'staging', 'postgres162'),
  pgHost('ams-pg-tst01', 'test'),
  pgHost('ams-pg-dev01', 'development'),
  {
    name: 'ams-kafka01',
    os: 'rhel9',
    software: ['kafka', 'openjdk17'],
    environment: 'production',
    owner: messaging,
    cpu: 8,
    memoryGb: 64,
  },
  {
    name: 'ams-kafka02',
    os: 'rhel9',
    software: ['kafka', 'openjdk17'],
    environment: 'production',
    owner: messaging,
    cpu: 8,
    memoryGb: 64,
  },
  {
    name: 'ams-kafka03',
    os: 'rhel9',
    software: ['kafka', 'openjdk17'],
    environment: 'production',
    owner: messaging,
    cpu: 8,
    memoryGb: 64,
  },
  {
    name: 'ams-rmq01',
    os: 'ubuntu',
    software: ['rabbitmq312', 'erlang26'],
    environment: 'production',
    owner: messaging,
    cpu: 4,
    memoryGb: 16,
  },
  {
    name: 'ams-rmq02',
    os: 'ubuntu',
    software: ['rabbitmq312', 'erlang26'],
    environment: 'production',
    owner: messaging,
    cpu: 4,
    memoryGb: 16,
  },
  {
    name: 'ams-rmq03',
    os: 'ubuntu',
    software: ['rabbitmq312', 'erlang26'],
    environment: 'production',
    owner: messaging,
    cpu: 4,
    memoryGb: 16,
  },
  {
    name: 'ams-rmqedi01',
    os: 'centos7',
    software: ['rabbitmq389'],
    environment: 'production',
    owner: messaging,
    cpu: 4,
    memoryGb: 8,
  },
  {
    name: 'ams-ibmmq01',
    os: 'rhel8',
    software: ['ibmMq'],
    environment: 'production',
    owner: messaging,
    cpu: 4,
    memoryGb: 16,
  },
  {
    name: 'ams-mqtt01',
    os: 'ubuntu',
    software: ['mosquitto'],
    environment: 'production',
    owner: messaging,
    cpu: 4,
    memoryGb: 8,
  },
  {
    name: 'ams-mqtt02',
    os: 'ubuntu',
    software: ['mosquitto'],
    environment: 'production',
    owner: messaging,
    cpu: 4,
    memoryGb: 8,
  },
  {
    name: 'ams-kafka-stg01',
    os: 'rhel9',
    software: ['kafka', 'openjdk17'],
    environment: 'staging',
    owner: messaging,
    cpu: 4,
    memoryGb: 16,
  },
  {
    name: 'ams-rmq-stg01',
    os: 'ubuntu',
    software: ['rabbitmq313', 'erlang26'],
    environment: 'staging',
    owner: messaging,
    cpu: 2,
    memoryGb: 8,
  },
];

/** First names and surnames for `assigned_to` (user names like `anna.devries`). */
export const FIRST_NAMES = [
  'anna',
  'bram',
  'carla',
  'daan',
  'eva',
  'finn',
  'greta',
  'hugo',
  'ilse',
  'jan',
  'katarzyna',
  'lars',
  'marta',
  'niels',
  'olga',
  'pieter',
  'quinten',
  'rosa',
  'sven',
  'tessa',
  'ursula',
  'vincent',
  'wouter',
  'xander',
  'yara',
  'zofia',
  'lukas',
  'emma',
  'noah',
  'julia',
  'piotr',
  'sophie',
  'tomasz',
  'lotte',
  'jonas',
  'agnieszka',
  'ruben',
  'fleur',
  'mateusz',
  'hanna',
  'thijs',
  'lena',
  'kacper',
  'mila',
  'sem',
  'ines',
  'bart',
  'nina',
  'felix',
  'elif',
] as const;

export const SURNAMES = [
  'devries',
  'jansen',
  'bakker',
  'visser',
  'smit',
  'meijer',
  'mulder',
  'bos',
  'vos',
  'peters',
  'hendriks',
  'dekker',
  'muller',
  'schmidt',
  'schneider',
  'fischer',
  'weber',
  'wagner',
  'becker',
  'hoffmann',
  'kowalski',
  'nowak',
  'wisniewski',
  'wojcik',
  'kaminski',
  'lewandowski',
  'peeters',
  'maes',
  'jacobs',
  'willems',
  'claes',
  'goossens',
  'wouters',
  'desmet',
  'vandamme',
  'yilmaz',
  'kaya',
  'demir',
  'rossi',
  'garcia',
] as const;
