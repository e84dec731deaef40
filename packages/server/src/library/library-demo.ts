import type { FastifyBaseLogger } from 'fastify';
import { SOFTWARE, type SoftwareSpec } from '../cmdb/demo/demo-catalogue.js';
import { DEMO_SOURCE } from '../cmdb/demo/demo-loader.js';
import { DEMO_PEOPLE, demoPerson } from '../platform/auth/demo-people.js';
import type { AppContext } from '../platform/context.js';
import { libraryRepository } from './library.repository.js';
import { LicencePolicyEvaluator } from './licence-policy.js';

/**
 * The demo organisation's software library. Northwind keeps most of what it runs in the library,
 * so that the compliance report has true findings to show rather than "everything": the planted
 * ones (demo/README.md) stay out — freeware of unknown licence, trialware and GPL-3.0 tools
 * nobody authorised. Each artifact's content is a small placeholder text (the demo ships no
 * vendor binaries). Proprietary products are recorded as licensed, which is what holding them
 * in the library asserts. The demo's librarian pushes them; those the policy can approve are
 * approved by the demo release manager (segregation of duties holds for the demo too); the rest
 * stay quarantined, waiting for a licence review, as they would in real life.
 */
const NOT_IN_LIBRARY = new Set<keyof typeof SOFTWARE>(['pdfConverter', 'winrar', 'gimp', 'gnuParallel']);

function libraryLicence(spec: SoftwareSpec): string {
  return spec.license === 'LicenseRef-Proprietary' ? 'LicenseRef-Proprietary-Licensed' : spec.license;
}

async function* placeholder(spec: SoftwareSpec): AsyncGenerator<Buffer> {
  yield Buffer.from(`Northwind Logistics software library placeholder for ${spec.product} ${spec.version}\n`);
}

/**
 * Seeds the library when the CMDB holds the demo organisation and the library is empty (first
 * start). Failures are logged: the demo must never keep the server from starting.
 */
export async function seedLibraryDemo(
  ctx: Pick<AppContext, 'library' | 'database' | 'policy' | 'cmdb' | 'users'>,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    // Only next to the demo organisation: never into the library of an organisation's own CMDB.
    const marker = await ctx.cmdb.cis.findByRef(
      'software',
      `${SOFTWARE.openssl3013.product} ${SOFTWARE.openssl3013.version}`,
    );
    if (marker?.source !== DEMO_SOURCE) return;
    if ((await libraryRepository.listArtifacts(ctx.database.db, { limit: 1 })).length > 0) return;
    const evaluator = new LicencePolicyEvaluator((await ctx.policy.current()).policy.licences);
    const librarian = await demoPerson(ctx, DEMO_PEOPLE.librarian);
    const approver = await demoPerson(ctx, DEMO_PEOPLE.releaseManager);
    let approved = 0;
    let quarantined = 0;
    let failed = 0;
    for (const [key, spec] of Object.entries(SOFTWARE) as [keyof typeof SOFTWARE, SoftwareSpec][]) {
      if (NOT_IN_LIBRARY.has(key)) continue;
      const license = libraryLicence(spec);
      try {
        const { artifact, created } = await ctx.library.artifacts.push(
          librarian,
          {
            name: spec.product,
            artifactVersion: spec.version,
            license,
            supplier: spec.vendor,
            description: `${spec.product} ${spec.version} as deployed at Northwind`,
          },
          placeholder(spec),
        );
        if (!created || artifact.state !== 'quarantined') continue;
        if (evaluator.evaluate(license).verdict === 'allowed') {
          await ctx.library.artifacts.approve(approver, artifact.id);
          approved++;
        } else quarantined++;
      } catch (error) {
        failed++;
        log.warn(
          { err: error, software: `${spec.product} ${spec.version}` },
          'demo library: could not add one artifact',
        );
      }
    }
    log.info(
      { demo: { approved, quarantined, failed } },
      `Seeded the demo software library: ${approved} approved, ${quarantined} awaiting a licence review${failed > 0 ? `, ${failed} failed` : ''}`,
    );
  } catch (error) {
    log.error({ err: error }, 'seeding the demo software library failed; starting without it');
  }
}
