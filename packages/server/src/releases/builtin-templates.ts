import type { PlanSectionKey, ReleaseElement, RolloutStrategy, TestProtocol } from '@slipway/model';

/** A release template as data: what a release of one element starts with. */
export interface TemplateDefinition {
  name: string;
  element: ReleaseElement;
  description: string;
  /** Default content per plan section (sections not listed start empty). */
  planSections: Partial<Record<PlanSectionKey, string>>;
  /** Tests added to the policy's requirements, per environment. */
  requiredTests: Record<string, TestProtocol[]>;
  backoutProcedure: string;
  rolloutStrategy: RolloutStrategy;
}

/**
 * The six shipped templates, one per release element (ITIL's release elements). They are seeded
 * into `release_templates` on first start; users edit them and add their own. Texts are
 * starting points a release manager replaces with the specifics of the release.
 */
export const BUILTIN_TEMPLATES: readonly TemplateDefinition[] = [
  {
    name: 'Technology refresh',
    element: 'technology_refresh',
    description: 'Replace end-of-life hardware with new models from the hardware store, site by site',
    planSections: {
      scope: 'Devices to replace (target query), the replacement model, sites and the data to migrate.',
      schedule: 'Pilot site first, then one site per wave; milestones: stock received, pilot done, last site done.',
      build_and_configuration:
        'Reserve stock in the hardware store per site; image the new devices from the approved build.',
      distribution_and_installation: 'Ship reserved stock to each site; swap on the desk; migrate user data.',
      communication_and_training: 'Tell users their swap date a week ahead; quick-start guide for the new model.',
      backout_plan: 'Keep the old device at the desk until the early-life support period ends; swap back if needed.',
      early_life_support: 'Floor-walkers on each site for two days after its wave.',
    },
    requiredTests: { test: ['functionality'], staging: ['acceptance'] },
    backoutProcedure:
      'Swap the old device back in; restore user data from the pre-swap copy; return the new device to stock.',
    rolloutStrategy: 'phased',
  },
  {
    name: 'Desktop software',
    element: 'desktop',
    description: 'Package and distribute software to desktops and laptops, with a pilot group first',
    planSections: {
      scope: 'Which desktops (target query: site, department, installed version) and which packages.',
      schedule: 'Pilot group, then waves by site outside office hours.',
      build_and_configuration: 'Package from the approved library artifact; silent install and uninstall commands.',
      distribution_and_installation: 'Push through the desktop management tool; reboot policy; bandwidth limits.',
      communication_and_training: 'Notice to the affected users and the service desk; what changes for them.',
      backout_plan: 'Uninstall the new package and redeploy the previous version from the software library.',
      early_life_support: 'Service desk briefed; incidents tagged with the release for a week.',
    },
    requiredTests: { test: ['functionality', 'supportability'], staging: ['acceptance'] },
    backoutProcedure: 'Redeploy the previous package version from the software library to the affected desktops.',
    rolloutStrategy: 'phased',
  },
  {
    name: 'Server release',
    element: 'server',
    description: 'Deploy application or platform software to servers and virtual machines',
    planSections: {
      scope: 'Services and hosts affected; artifacts and configuration changes.',
      schedule: 'Canary host first, then the rest in the maintenance window.',
      build_and_configuration: 'Artifacts from the software library (signed); configuration from version control.',
      test_plan: 'Functional and integration tests in test; performance and security tests before staging.',
      distribution_and_installation: 'Drain each host from the load balancer, install, verify health, re-enable.',
      backout_plan: 'Restore the pre-release VM snapshot or redeploy the previous artifact; re-enable the old pool.',
      early_life_support: 'On-call engineer watches error rates and latency for 48 hours.',
    },
    requiredTests: { test: ['functionality', 'integration'] },
    backoutProcedure: 'Redeploy the previous artifact version (or restore the snapshot taken before the rollout).',
    rolloutStrategy: 'canary',
  },
  {
    name: 'Network change',
    element: 'network',
    description: 'Firmware and configuration releases to routers, switches, firewalls and load balancers',
    planSections: {
      scope: 'Devices (by site and role), firmware image, configuration changes.',
      schedule: 'One device of each redundant pair at a time, inside the network maintenance window.',
      build_and_configuration: 'Signed firmware from the software library; configuration diff reviewed.',
      distribution_and_installation: 'Stage the image, fail traffic over to the peer, upgrade, verify, fail back.',
      backout_plan: 'Boot the previous firmware image kept on the device; restore the saved configuration.',
      early_life_support: 'Watch interface errors and routing adjacencies for 24 hours.',
    },
    requiredTests: { test: ['functionality', 'availability'] },
    backoutProcedure: 'Boot the previous firmware image and restore the configuration saved before the change.',
    rolloutStrategy: 'phased',
  },
  {
    name: 'Database release',
    element: 'database',
    description: 'Schema migrations and engine upgrades of databases',
    planSections: {
      scope: 'Databases, schema migrations, engine version, dependent applications.',
      schedule: 'Staging copy first; production in the quietest window.',
      build_and_configuration: 'Migration scripts (forward and reverse) from the library; engine packages.',
      test_plan: 'Migration rehearsal on a production-sized copy; performance of the top queries.',
      distribution_and_installation: 'Blue-green: migrate the standby, verify, switch over.',
      backout_plan:
        'Switch back to the old primary; run the reverse migration; point-in-time restore as the last resort.',
      early_life_support: 'DBA on call; watch slow queries and replication lag.',
    },
    requiredTests: { test: ['functionality', 'integration', 'performance'] },
    backoutProcedure: 'Switch back to the previous primary, or run the reverse migration scripts, then verify.',
    rolloutStrategy: 'staging',
  },
  {
    name: 'Messaging release',
    element: 'messaging',
    description: 'Broker upgrades and topology changes of message queues and event streams',
    planSections: {
      scope: 'Brokers, queues/topics, producers and consumers affected.',
      schedule: 'Install dormant on every node; activate in the window after the consumers are ready.',
      build_and_configuration: 'Broker packages from the library; topology definitions in version control.',
      distribution_and_installation: 'Rolling install node by node, keeping quorum; activation as a separate step.',
      backout_plan: 'Deactivate the new version, drain the queues and roll the nodes back one at a time.',
      early_life_support: 'Watch queue depths, redeliveries and consumer lag for 48 hours.',
    },
    requiredTests: { test: ['integration', 'reliability'] },
    backoutProcedure: 'Deactivate the new version, drain the queues, roll each node back keeping quorum.',
    rolloutStrategy: 'dormant',
  },
];
