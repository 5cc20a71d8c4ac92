// Captures the README's screenshots from the release build (after `trunk build
// --release`): `node e2e/screenshot.js`.
const { chromium } = require('@playwright/test');
const { spawn } = require('child_process');

async function run(page, line) {
  const input = page.getByLabel('Command');
  await input.fill(line);
  await input.press('Enter');
}

(async () => {
  const server = spawn('node', ['e2e/serve.js', 'dist', '8091'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('http://127.0.0.1:8091/');
  for (const line of ['SET greeting hello', 'GET greeting', 'MSET user:1:name ann user:2:name bob',
                      'INCRBYFLOAT price 10.5', 'SET session:42 alice EX 3600', 'TTL session:42',
                      'KEYS user:*', 'OBJECT ENCODING greeting']) {
    await run(page, line);
  }
  await page.locator('.keyrow', { hasText: 'user:1:name' }).click();
  await page.getByLabel('Command').fill('SET session:7 bob ');
  await page.screenshot({ path: 'docs/screenshot.png' });

  await page.getByRole('tab', { name: 'TTL' }).click();
  await page.getByRole('button', { name: /Demo: 20 cache keys/ }).click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'docs/ttl-panel.png' });

  await page.getByRole('tab', { name: 'Stats' }).click();
  for (let i = 0; i < 6; i++) {
    await page.evaluate((i) => { for (let j = 0; j < 200; j++) window.kvlab.exec(`GET k${(i * 200 + j) % 300}`); }, i);
    await page.waitForTimeout(1000);
  }
  await page.screenshot({ path: 'docs/stats-panel.png' });
  await browser.close();
  server.kill();
})();
