/** The Slipway version, reported by /healthz, the OpenAPI document and `slipway --version`. */
export const SLIPWAY_VERSION = '0.1.0';
