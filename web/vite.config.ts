import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into web/dist and served by `vigil serve` under a CSP without 'unsafe-inline': nothing may be
// inlined into index.html, and no asset may come from another origin.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
  },
  // `npx vite web` during UI work: the API comes from a `vigil serve` on the default port.
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/metrics': 'http://127.0.0.1:8080' } },
});
