import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web UI's build: `vite build ui` (from the repository root, run by `npm run build`) writes `ui/dist`,
 * which `weir serve` serves at `/` (src/api/ui-assets.ts). Relative to this folder.
 */
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
    // Timing warnings say how busy the machine was, not something to fix in the UI.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    // `npx vite ui` for UI work: the API calls go to a Weir on its default port.
    proxy: {
      '/oauth': 'http://127.0.0.1:8080',
      '/workflows': 'http://127.0.0.1:8080',
      '/api': 'http://127.0.0.1:8080',
    },
  },
});
