import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const apiServer = process.env.SLIPWAY_DEV_API ?? 'http://127.0.0.1:8080';

// Vite loads its configuration through a default export.
export default defineConfig({
  plugins: [react()],
  resolve: {
    // The model and client packages are plain TypeScript without Node APIs; bundling their
    // sources means the UI never depends on a stale dist folder.
    alias: {
      '@slipway/model': path.resolve(import.meta.dirname, '../model/src/index.ts'),
      '@slipway/client': path.resolve(import.meta.dirname, '../client/src/index.ts'),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    // `npm run dev -w @slipway/web` next to a running Slipway. The Host header is kept (no
    // changeOrigin) so the server's same-origin CSRF check sees Origin and Host agree.
    proxy: { '/api': apiServer, '/docs': apiServer, '/healthz': apiServer, '/metrics': apiServer },
  },
});
