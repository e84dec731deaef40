#!/usr/bin/env node
// Thin launcher committed as JavaScript so `npx slipway` exists before the first build.
import('../dist/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    console.error('Slipway is not built yet. Run `npm run build` (or `npm start`, which builds) first.');
    process.exit(1);
  }
  throw error;
});
