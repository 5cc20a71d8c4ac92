// Captures docs/screenshot.png from the release build: `node e2e/screenshot.js` after
// `trunk build --release` (the README's screenshot).
const { chromium } = require('@playwright/test');
const { spawn } = require('child_process');

(async () => {
  const server = spawn('node', ['e2e/serve.js', 'dist', '8091'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 640 } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('http://127.0.0.1:8091/');
  const input = page.getByLabel('Command');
  for (const line of ['SET greeting hello', 'GET greeting', 'SET session:42 alice EX 3600',
                      'TTL session:42', 'MSET user:1 ann user:2 bob', 'KEYS user:*',
                      'INCRBYFLOAT price 10.5', 'OBJECT ENCODING greeting', 'SET page:1 x PX 200']) {
    await input.fill(line);
    await input.press('Enter');
  }
  await page.waitForTimeout(800);
  await page.screenshot({ path: 'docs/screenshot.png' });
  await browser.close();
  server.kill();
})();
