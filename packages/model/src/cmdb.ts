/**
 * The CMDB's closed catalogues: relationship types with their inverse names and how a change
 * propagates along them, CI statuses, criticalities, and the built-in CI classes with their
 * attribute schemas. The server, the UI and the CLI all read these definitions.
 */

/**
 * How impact flows along a relationship `source —type→ target`:
 * - `target_to_source`: a change to the target impacts the source (the source needs the target);
 * - `source_to_target`: a change to the source impacts the target;
 * - `none`: topology only, nothing propagates.
 */
export type ImpactPropagation = 'target_to_source' | 'source_to_target' | 'none';

export interface RelationshipTypeDefinition {
  /** The name read from the target's side, e.g. `hosts` for `runs_on`. */
  inverse: string;
  description: string;
  propagation: ImpactPropagation;
  /** Symmetric types read the same both ways (`connected_to`). */
  symmetric: boolean;
}

export const RELATIONSHIP_TYPES = {
  depends_on: {
    inverse: 'dependency_of',
    description: 'The source needs the target to work',
    propagation: 'target_to_source',
    symmetric: false,
  },
  runs_on: {
    inverse: 'hosts',
    description: 'Software or an application runs on a host',
    propagation: 'target_to_source',
    symmetric: false,
  },
  installed_on: {
    inverse: 'has_installed',
    description: 'A software version is installed on a server or desktop',
    propagation: 'source_to_target',
    symmetric: false,
  },
  part_of: {
    inverse: 'has_part',
    description: 'A component belongs to a system or service',
    propagation: 'source_to_target',
    symmetric: false,
  },
  connected_to: {
    inverse: 'connected_to',
    description: 'A network link (topology only; use depends_on for a real dependency on a network device)',
    propagation: 'none',
    symmetric: true,
  },
  located_in: {
    inverse: 'location_of',
    description: 'Hardware or a desktop is located at a site (topology only)',
    propagation: 'none',
    symmetric: false,
  },
} as const satisfies Record<string, RelationshipTypeDefinition>;

export type RelationshipType = keyof typeof RELATIONSHIP_TYPES;
export const RELATIONSHIP_TYPE_NAMES = Object.keys(RELATIONSHIP_TYPES) as RelationshipType[];

export function isRelationshipType(value: string): value is RelationshipType {
  return Object.hasOwn(RELATIONSHIP_TYPES, value);
}

export const CI_STATUSES = ['planned', 'active', 'maintenance', 'retired'] as const;
export type CiStatus = (typeof CI_STATUSES)[number];

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export const ATTRIBUTE_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'enum', 'version', 'ip'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  description?: string;
  required?: boolean;
  /** Allowed values, for `enum`. */
  values?: string[];
}

export interface CiClassDefinition {
  name: string;
  label: string;
  description: string;
  attributes: AttributeDefinition[];
}

const text = (name: string, description: string): AttributeDefinition => ({ name, type: 'string', description });

/** The classes every Slipway starts with. Admins add classes and attributes through the API. */
export const BUILTIN_CI_CLASSES: CiClassDefinition[] = [
  {
    name: 'service',
    label: 'Business service',
    description: 'A service the business consumes, e.g. online banking',
    attributes: [text('service_level', 'Agreed service level'), text('business_owner', 'Accountable business owner')],
  },
  {
    name: 'application',
    label: 'Application',
    description: 'An application or component that delivers (part of) a service',
    attributes: [
      { name: 'version', type: 'version', description: 'Deployed version' },
      text('language', 'Main implementation language'),
      text('repository', 'Source repository'),
    ],
  },
  {
    name: 'software',
    label: 'Software',
    description: 'A software product or version that is installed on hosts',
    attributes: [
      text('product', 'Product name, e.g. openssl'),
      { name: 'version', type: 'version', description: 'Version, e.g. 3.0.13' },
      text('vendor', 'Supplier'),
      text('license', 'SPDX licence expression'),
      text('digest', 'sha256 of the installed package, when reported'),
    ],
  },
  {
    name: 'server',
    label: 'Server',
    description: 'A physical server',
    attributes: [
      text('hostname', 'Fully qualified host name'),
      { name: 'ip', type: 'ip', description: 'Primary IP address' },
      text('os', 'Operating system'),
      { name: 'os_version', type: 'version', description: 'Operating system version' },
      text('site', 'Site code'),
      { name: 'cpu_cores', type: 'integer', description: 'CPU cores' },
      { name: 'memory_gb', type: 'number', description: 'Memory in GiB' },
      text('model', 'Hardware model'),
      text('serial', 'Serial number'),
    ],
  },
  {
    name: 'virtual_machine',
    label: 'Virtual machine',
    description: 'A virtual machine running on a server or cluster',
    attributes: [
      text('hostname', 'Fully qualified host name'),
      { name: 'ip', type: 'ip', description: 'Primary IP address' },
      text('os', 'Operating system'),
      { name: 'os_version', type: 'version', description: 'Operating system version' },
      { name: 'cpu_cores', type: 'integer', description: 'Virtual CPUs' },
      { name: 'memory_gb', type: 'number', description: 'Memory in GiB' },
    ],
  },
  {
    name: 'desktop',
    label: 'Desktop',
    description: 'An end-user workstation or laptop',
    attributes: [
      text('hostname', 'Host name'),
      text('os', 'Operating system'),
      { name: 'os_version', type: 'version', description: 'Operating system version' },
      text('site', 'Site code'),
      text('department', 'Department of the user'),
      text('assigned_to', 'User the device is assigned to'),
      text('model', 'Hardware model'),
      text('serial', 'Serial number'),
    ],
  },
  {
    name: 'network_device',
    label: 'Network device',
    description: 'A router, switch, firewall or load balancer',
    attributes: [
      { name: 'device_type', type: 'enum', values: ['router', 'switch', 'firewall', 'load_balancer', 'access_point'] },
      { name: 'ip', type: 'ip', description: 'Management IP address' },
      text('site', 'Site code'),
      { name: 'firmware', type: 'version', description: 'Firmware version' },
      text('model', 'Hardware model'),
    ],
  },
  {
    name: 'database',
    label: 'Database',
    description: 'A database instance or schema',
    attributes: [
      text('engine', 'e.g. postgresql, oracle'),
      { name: 'engine_version', type: 'version', description: 'Engine version' },
      { name: 'size_gb', type: 'number', description: 'Size in GiB' },
    ],
  },
  {
    name: 'messaging',
    label: 'Messaging service',
    description: 'A message broker, queue or event stream',
    attributes: [
      text('engine', 'e.g. rabbitmq, kafka'),
      { name: 'engine_version', type: 'version', description: 'Engine version' },
    ],
  },
  {
    name: 'storage',
    label: 'Storage',
    description: 'A storage array, volume or share',
    attributes: [{ name: 'capacity_tb', type: 'number', description: 'Capacity in TiB' }, text('tier', 'Storage tier')],
  },
  {
    name: 'hardware_model',
    label: 'Hardware model',
    description: 'A make and model of hardware, as stocked in the hardware store',
    attributes: [
      text('manufacturer', 'Manufacturer'),
      { name: 'category', type: 'enum', values: ['server', 'desktop', 'laptop', 'network_device', 'storage', 'other'] },
      text('part_number', 'Manufacturer part number'),
    ],
  },
  {
    name: 'document',
    label: 'Document',
    description: 'A controlled document: runbook, design, contract, licence',
    attributes: [text('url', 'Where the document lives'), { name: 'doc_version', type: 'version' }],
  },
  {
    name: 'site',
    label: 'Site',
    description: 'A location: data centre, office or branch',
    attributes: [text('code', 'Short site code'), text('city', 'City'), text('country', 'Country')],
  },
];

/** `class/name`, the reference import files and the CLI use for a CI. */
export function ciReference(ciClass: string, name: string): string {
  return `${ciClass}/${name}`;
}

/** Splits `class/name` at the first slash (names may contain slashes). */
export function parseCiReference(reference: string): { class: string; name: string } | undefined {
  const slash = reference.indexOf('/');
  if (slash <= 0 || slash === reference.length - 1) return undefined;
  return { class: reference.slice(0, slash), name: reference.slice(slash + 1) };
}

export const CI_CLASS_NAME_PATTERN = /^[a-z][a-z0-9_]{1,62}$/;
export const ATTRIBUTE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
