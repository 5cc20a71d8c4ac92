// Captures docs/zset-panel.png from the release build: node e2e/zset-screenshot.js
const { chromium } = require('@playwright/test');
const { spawn } = require('child_process');
(async () => {
  const server = spawn('node', ['e2e/serve.js', 'dist', '8095'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('http://127.0.0.1:8095/');
  const input = page.getByLabel('Command');
  for (const l of ['ZADD scores 100 alice 80 bob 60 carol 40 dave 95 erin 70 frank 55 grace 30 heidi 85 ivan 65 judy 20 kim 45 leo 90 mia 35 ned',
                   'ZINCRBY scores 58 dave', 'ZRANGE scores 60 90 BYSCORE WITHSCORES', 'ZRANK scores grace']) {
    await input.fill(l); await input.press('Enter');
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/zset-panel.png' });
  await browser.close(); server.kill();
})();
