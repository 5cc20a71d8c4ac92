// Captures docs/bitmap-panel.png from the release build: node e2e/bits-screenshot.js
const { chromium } = require('@playwright/test');
const { spawn } = require('child_process');
(async () => {
  const server = spawn('node', ['e2e/serve.js', 'dist', '8094'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('http://127.0.0.1:8094/');
  const input = page.getByLabel('Command');
  await input.fill('SETBIT visits 3 1'); await input.press('Enter');
  await page.getByRole('button', { name: 'Demo: daily active users' }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/bitmap-panel.png' });
  await browser.close(); server.kill();
})();
