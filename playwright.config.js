// Playwright drives Debian's Chromium (no browser download). The app is the release
// build in dist/, served by a tiny static server so that the sub-path test can serve the
// same files under /kvlab/ too.
const { defineConfig } = require('@playwright/test');

const PORT = Number(process.env.E2E_PORT || 8089);

module.exports = defineConfig({
  testDir: './e2e',
  // Generous limits: CI may be a slow machine. Assertions poll until they hold, so a
  // fast machine never waits for them; none of them measures speed.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: {
    command: `node e2e/serve.js dist ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
