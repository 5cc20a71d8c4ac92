// Captures docs/hll-panel.png from the release build: node e2e/hll-screenshot.js
const { chromium } = require('@playwright/test');
const { spawn } = require('child_process');
(async () => {
  const server = spawn('node', ['e2e/serve.js', 'dist', '8092'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('http://127.0.0.1:8092/');
  const input = page.getByLabel('Command');
  await input.fill('PFADD visitors alice bob carol'); await input.press('Enter');
  const panel = page.locator('.panel[data-panel="HyperLogLog"]');
  for (const n of ['Add 100', 'Add 1000', 'Add 1000', 'Add 10000', 'Add 1']) {
    await panel.getByRole('button', { name: n, exact: true }).click();
    await page.waitForTimeout(100);
  }
  await input.fill('PFADD other x y z'); await input.press('Enter');
  await input.fill('PFCOUNT visitors'); await input.press('Enter');
  await panel.getByLabel('Second HLL key').fill('other');
  await page.waitForTimeout(300);
  await page.screenshot({ path: process.argv[2] || 'docs/hll-panel.png' });
  await browser.close(); server.kill();
})();
