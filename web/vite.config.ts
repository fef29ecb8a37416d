// The dashboard build: `npm run build:web` writes web/dist, which the HTTP server serves at `/`.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true },
  // `npm run dev:web` proxies the API to a running `attune up`.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
