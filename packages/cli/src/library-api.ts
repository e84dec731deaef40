import type { paths } from '@slipway/client';

type Json<
  Path extends keyof paths,
  Method extends 'get' | 'post' | 'put',
  Status extends number = 200,
> = paths[Path] extends {
  [M in Method]: { responses: { [S in Status]: { content: { 'application/json': infer Body } } } };
}
  ? Body
  : never;

/** The shapes of the library and hardware store answers the CLI prints. */
export type Artifact = Json<'/api/v1/artifacts/{id}', 'get'>;
export type VerifyResult = Json<'/api/v1/artifacts/{id}/verify', 'post'>;
export type Sbom = Json<'/api/v1/artifacts/{id}/sbom', 'get'>;
export type SbomComponent = Json<'/api/v1/artifacts/{id}/sbom/components', 'get'>['items'][number];
export type SbomDiff = Json<'/api/v1/sboms/diff', 'get'>;
export type ComplianceReport = Json<'/api/v1/library/compliance', 'get'>;
export type TrustedKey = Json<'/api/v1/library/keys/{id}', 'get'>;
export type HardwareItem = Json<'/api/v1/hardware/items/{id}', 'get'>;
export type HardwareModel = Json<'/api/v1/hardware/models/{id}', 'get'>;
export type HardwareSite = Json<'/api/v1/hardware/sites/{id}', 'get'>;
export type Stock = Json<'/api/v1/hardware/stock', 'get'>;
export type Reservation = Json<'/api/v1/hardware/reservations/{id}', 'get'>;
