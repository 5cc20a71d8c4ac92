// Captures the README's screenshots from the release build (after `trunk build
// --release`): `node e2e/screenshot.js [file.png]` (SHOT_PORT picks the port, 8091 by
// default). Each scene starts on a fresh page.
const { chromium } = require('@playwright/test');
const { spawn } = require('child_process');

async function run(page, line) {
  const input = page.getByLabel('Command');
  await input.fill(line);
  await input.press('Enter');
}

const scenes = {
  'screenshot.png': async (page) => {
    for (const l of ['SET greeting hello', 'GET greeting', 'MSET user:1:name ann user:2:name bob',
                     'INCRBYFLOAT price 10.5', 'SET session:42 alice EX 3600', 'TTL session:42',
                     'KEYS user:*', 'OBJECT ENCODING greeting']) await run(page, l);
    await page.getByRole('tab', { name: 'Keyspace' }).click();
    await page.locator('.keyrow', { hasText: 'user:1:name' }).click();
    await page.getByLabel('Command').fill('SET session:7 bob ');
  },
  'ttl-panel.png': async (page) => {
    await run(page, 'SET session:42 alice EX 3600');
    await page.getByRole('button', { name: /Demo: 20 cache keys/ }).click();
    await page.waitForTimeout(1500);
  },
  'stats-panel.png': async (page) => {
    await page.getByRole('tab', { name: 'Stats' }).click();
    for (let i = 0; i < 6; i++) {
      await page.evaluate((i) => { for (let j = 0; j < 200; j++) window.kvlab.exec(`GET k${(i * 200 + j) % 300}`); }, i);
      await page.waitForTimeout(1000);
    }
  },
  'hll-panel.png': async (page) => {
    await run(page, 'PFADD visitors alice bob carol');
    const panel = page.locator('.panel[data-panel="HyperLogLog"]');
    for (const n of ['Add 100', 'Add 1000', 'Add 1000', 'Add 10000', 'Add 1']) {
      await panel.getByRole('button', { name: n, exact: true }).click();
      await page.waitForTimeout(100);
    }
    await run(page, 'PFADD other x y z');
    await run(page, 'PFCOUNT visitors');
    await panel.getByLabel('Second HLL key').fill('other');
  },
  'bitmap-panel.png': async (page) => {
    await run(page, 'SETBIT visits 3 1');
    await page.getByRole('button', { name: 'Demo: daily active users' }).click();
  },
  'zset-panel.png': async (page) => {
    for (const l of ['ZADD scores 100 alice 80 bob 60 carol 40 dave 95 erin 70 frank 55 grace 30 heidi 85 ivan 65 judy 20 kim 45 leo 90 mia 35 ned',
                     'ZINCRBY scores 58 dave', 'ZRANGE scores 60 90 BYSCORE WITHSCORES', 'ZRANK scores grace']) await run(page, l);
  },
  'geo-panel.png': async (page) => {
    await run(page, 'GEOADD x 0 0 a');
    await page.locator('.panel[data-panel="Geo"]').getByRole('button', { name: 'Demo: world cities' }).click();
  },
  'memory-panel.png': async (page) => {
    await page.setViewportSize({ width: 1280, height: 1700 });
    await run(page, 'MEMORY USAGE x');
    const panel = page.locator('.panel[data-panel="Memory"]');
    await panel.getByRole('button', { name: 'Demo: LFU keeps the hot keys' }).click();
    await panel.getByRole('button', { name: 'Compare all policies' }).click();
    await panel.locator('table.results tbody tr').nth(7).waitFor();
    await page.waitForTimeout(500);
  },
  'persist-panel.png': async (page) => {
    await page.setViewportSize({ width: 1280, height: 1400 });
    for (const l of ['CONFIG SET save "900 1 300 10 60 10000"', 'CONFIG SET appendonly yes',
                     'SET user:1:name alice', 'HSET user:1:profile city Seoul lang ko',
                     'SET session:42 token EX 3600', 'INCR page:views', 'INCRBYFLOAT price 10.5',
                     'RPUSH queue:jobs a b c', 'SADD tags redis aof rdb', 'SPOP tags']) await run(page, l);
    await page.getByRole('tab', { name: 'Persistence' }).click();
    await page.locator('.pp-aof-auto').waitFor();
    // The panel scrolls: from the save points down to the AOF and when it rewrites itself.
    await page.locator('.pp-points').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(500);
  },
};

(async () => {
  const only = process.argv[2];
  const port = process.env.SHOT_PORT || '8091';
  const server = spawn('node', ['e2e/serve.js', 'dist', port], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
  for (const [file, scene] of Object.entries(scenes)) {
    if (only && file !== only) continue;
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await scene(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `docs/${file}` });
    await context.close();
  }
  await browser.close();
  server.kill();
})();
