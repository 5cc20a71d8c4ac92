// The memory panel: gauge, evictions with reasons, the idle/frequency scatter, and the
// simulator (one run, then every policy on the same trace).
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

const panel = (page) => page.locator('.panel[data-panel="Memory"]');

test('maxmemory commands bring the memory panel; the gauge follows CONFIG SET', async ({ page }) => {
  await page.goto('./');
  await run(page, 'CONFIG SET maxmemory 4mb');
  await expect(lastReply(page)).toHaveText('OK');
  await expect(panel(page).locator('.gauge-label')).toContainText('of 4.00M');
  await run(page, 'CONFIG SET maxmemory-policy allkeys-lru');
  await expect(panel(page).getByLabel('maxmemory-policy')).toHaveValue('allkeys-lru');
  // The policy picker runs the CONFIG SET in the console.
  await panel(page).getByLabel('maxmemory-policy').selectOption('volatile-ttl');
  await expect(page.locator('.entry .cmdline').last()).toContainText('CONFIG SET maxmemory-policy volatile-ttl');
  await run(page, 'CONFIG GET maxmemory-policy');
  await expect(lastReply(page)).toHaveText('1) "maxmemory-policy"\n2) "volatile-ttl"');
});

test('evictions are listed with the reason, and volatile-ttl takes the soonest to expire', async ({ page }) => {
  await page.goto('./');
  await run(page, 'CONFIG SET maxmemory-policy volatile-ttl');
  for (let i = 1; i <= 6; i++) await run(page, `SET t${i} ${'x'.repeat(2000)} EX ${i * 100}`);
  await run(page, 'SET keep forever');
  // Leave room for about three of them.
  const used = await page.evaluate(() => Number(window.kvlab.exec('INFO memory').match(/used_memory:(\d+)/)[1]));
  await run(page, `CONFIG SET maxmemory ${used - 3 * 2100}`);
  await run(page, 'DBSIZE');
  await expect(lastReply(page)).toHaveText('(integer) 4');
  await run(page, 'INFO memory');
  const list = panel(page).locator('.ev');
  await expect(list).toHaveCount(3);
  // Sampling is approximate (5 keys a round, as in Redis), so the order may vary; the
  // three soonest to expire are the ones that go.
  expect((await list.locator('.evkey').allTextContents()).sort()).toEqual(['t1', 't2', 't3']);
  await expect(list.locator('.evwhy')).toHaveText([/^TTL \d+\.\d s left$/, /^TTL \d+\.\d s left$/, /^TTL \d+\.\d s left$/]);
  await run(page, 'EXISTS keep t4 t5 t6');
  await expect(lastReply(page)).toHaveText('(integer) 4');
});

test('the LFU demo keeps the hot keys and the scatter shows them high up', async ({ page }) => {
  await page.goto('./');
  await run(page, 'MEMORY USAGE nothing');
  await panel(page).getByRole('button', { name: 'Demo: LFU keeps the hot keys' }).click();
  await expect(page.locator('.entry .cmdline').last()).toContainText('DBSIZE');
  // All ten hot keys survived the eviction that the lower maxmemory forced...
  await expect(page.locator('.entry .reply').nth(-2)).toHaveText('(integer) 10');
  // ...while most of the others went.
  const left = Number((await lastReply(page).textContent()).match(/\d+/)[0]);
  expect(left).toBeLessThan(1000);
  const evs = panel(page).locator('.ev');
  await expect(evs.first()).toBeVisible();
  await expect(evs.first().locator('.evwhy')).toContainText(/LFU counter [0-5]$/);
  await expect(panel(page).locator('.evictions h3')).toContainText(/of \d{3,}/);
  // Every remaining key is in the scatter: dots carry how many keys share them.
  const counts = await panel(page).locator('.scatter circle[data-keys]').evaluateAll(
    (cs) => cs.map((c) => [Number(c.getAttribute('data-keys')), c.querySelector('title').textContent]));
  expect(counts.reduce((a, [n]) => a + n, 0)).toBe(left);
  // The ten hot keys sit above the cold crowd (higher LFU counters than its dot's).
  const counter = (t) => Number(t.match(/LFU counter (\d+)/)[1]);
  const crowd = counts.reduce((a, b) => (b[0] > a[0] ? b : a));
  const hot = counts.filter(([, t]) => counter(t) > counter(crowd[1])).reduce((a, [n]) => a + n, 0);
  expect(hot).toBe(10);
  await expect(panel(page).locator('.scatter-box')).toContainText('LFU is in force');
});

test('the simulator runs a trace in chunks with live charts, then compares every policy', async ({ page }) => {
  await page.goto('./');
  await page.getByRole('tab', { name: 'Memory' }).click();
  const sim = panel(page).locator('.simulator');
  await sim.locator('input[name="requests"]').fill('20000');
  await sim.locator('input[name="requests"]').dispatchEvent('change');
  await sim.locator('select[name="maxmemory"]').selectOption({ label: '2mb' });
  await sim.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(sim.locator('.sim-status')).toContainText('20000 / 20000 requests (100%)', { timeout: 30_000 });
  await expect(sim.locator('.sim-status')).toContainText('done');
  const rate = parseFloat(await sim.locator('.sim-hit').textContent());
  expect(rate).toBeGreaterThan(20);
  expect(rate).toBeLessThan(100);
  await expect(sim.locator('.chart polyline.hits')).toHaveCount(1);
  await expect(sim.locator('.chart .limit')).toHaveCount(1);
  // The page's own keyspace is untouched by the simulation.
  await run(page, 'DBSIZE');
  await expect(lastReply(page)).toHaveText('(integer) 0');

  await page.getByRole('tab', { name: 'Memory' }).click();
  await sim.getByRole('button', { name: 'Compare all policies' }).click();
  const rows = sim.locator('table.results tbody tr');
  await expect(rows).toHaveCount(8, { timeout: 60_000 });
  await expect(sim.locator('.sim-status')).toContainText('done', { timeout: 60_000 });
  const byPolicy = {};
  for (const r of await rows.all()) {
    const p = await r.getAttribute('data-policy');
    byPolicy[p] = {
      rate: parseFloat(await r.locator('.rate').textContent()),
      cells: await r.locator('td.num').allTextContents(),
    };
  }
  // The single run above used allkeys-lru on the same trace: the same figure again.
  expect(byPolicy['allkeys-lru'].rate).toBeCloseTo(rate, 1);
  // noeviction never evicts and refuses writes instead.
  expect(byPolicy['noeviction'].cells[1]).toBe('0');
  expect(Number(byPolicy['noeviction'].cells[2])).toBeGreaterThan(0);
  // On Zipf traffic LFU beats a coin toss.
  expect(byPolicy['allkeys-lfu'].rate).toBeGreaterThan(byPolicy['allkeys-random'].rate);
  await expect(sim.locator('.compare .chart polyline')).toHaveCount(8);
});
