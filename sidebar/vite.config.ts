import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  // Compile-time feature flags: the app uses only the Composition API (Vue and vue-i18n), so the
  // Options API, vue-i18n's legacy API and global components, and devtools hooks stay out of the bundle.
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/sidebar', import.meta.url)),
    emptyOutDir: true,
    // The Vue transform dominates a small build; a timing warning on every build is noise.
    // ECharts (the boards' lazily loaded chart chunk) is about 540 kB minified, 180 kB gzip.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      checks: { bundlerTimings: false },
      // Two pages: the guide sidebar (index.html) and the managers' boards (boards.html). The
      // boards' code (and ECharts, loaded lazily by their charts) never reaches the sidebar's first load.
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        boards: fileURLToPath(new URL('boards.html', import.meta.url)),
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
