export type { components, operations, paths } from './generated/schema.js';
export { SlipwayApiError, SlipwayConnectionError, type SlipwayErrorCode } from './slipway-api-error.js';
export {
  createSlipwayClient,
  type Page,
  paginate,
  type SlipwayClient,
  type SlipwayClientOptions,
  unwrap,
} from './slipway-client.js';
