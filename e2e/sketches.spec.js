// The probabilistic panels (Bloom, Cuckoo, Count-Min, Top-K) and the sketch comparison.
// Hashes are the module's, so what a command lights is fixed; where a demo draws random
// names, the assertions hold for any draw.
const { test, expect } = require('@playwright/test');
const { lastReply } = require('./console-helpers');

async function run(page, line) {
  const input = page.getByLabel(/^(Command|명령)$/);
  await input.fill(line);
  await input.press('Enter');
}
const panelOf = (page, name) => page.locator(`.panel[data-panel="${name}"]`);

test('Bloom: the k positions of the last item, sub-filters as it scales, a false positive called out', async ({ page }) => {
  await page.goto('./');
  await run(page, 'BF.RESERVE b 0.01 100');
  await run(page, 'BF.ADD b hello');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  const panel = panelOf(page, 'Bloom');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.toolbar')).toContainText('b — 1 items, capacity 100, 1 sub-filter(s)');
  // A 1% scaling filter gives its first sub-filter 0.5%: 8 hashes, so 8 positions.
  await expect(panel.locator('.lastitem')).toContainText('BF.ADD hello');
  const positions = (await panel.locator('.positions').textContent()).replace(/^#0: /, '').split(', ');
  expect(positions).toHaveLength(8);
  await expect(panel.locator('.links tbody tr')).toHaveCount(1);
  await expect(panel.locator('.bitwin .bit.lit').first()).toBeVisible();
  await expect(panel.locator('.fpr .formula')).toContainText('formula');

  // Past the capacity, a second sub-filter.
  await panel.locator('.bloom-demo').click();
  await expect(panel.locator('.toolbar')).toContainText('demo:bloom');
  await panel.locator('.bloom-more').click();
  await expect(panel.locator('.links tbody tr')).toHaveCount(2);
  await run(page, 'BF.EXISTS demo:bloom user:5');
  await expect(lastReply(page)).toHaveText('(integer) 1');

  // A crowded filter: ask for items never added until one is a false positive.
  await run(page, 'BF.RESERVE crowded 0.4 8 NONSCALING');
  await run(page, 'BF.MADD crowded a b c d e f g h');
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await run(page, `BF.EXISTS crowded stranger:${i}`);
    await expect(lastReply(page)).toHaveText(/\(integer\) [01]/);
    found = (await lastReply(page).textContent()) === '(integer) 1';
  }
  expect(found).toBe(true);
  await expect(panel.locator('.falsepos')).toContainText('was never added');
});

test('Cuckoo: buckets with fingerprints, a relocation or growth, a delete, a full filter', async ({ page }) => {
  await page.goto('./');
  await run(page, 'CF.ADD seen x');
  const panel = panelOf(page, 'Cuckoo');
  await expect(panel).toBeVisible();
  await panel.locator('.cuckoo-demo').click();
  await expect(panel.locator('.toolbar')).toContainText('demo:cuckoo — 0 items');
  await expect(panel.locator('.bucket')).toHaveCount(8);
  await panel.locator('.cuckoo-kick').click();
  // Stopped at the first insert that kicked a fingerprint or grew the filter.
  await expect(panel.locator('.relocation')).toContainText(/both full: relocation path|new sub-filter/);
  await panel.locator('.cuckoo-del').click();
  await expect(panel.locator('.deleted-note')).toContainText('CF.DEL user:');
  await expect(panel.locator('.slot.deleted')).toHaveCount(1);

  // 4 slots, no growth: d and e find both their buckets full and no kick frees one.
  await run(page, 'CF.RESERVE tiny 4 BUCKETSIZE 2 EXPANSION 0');
  for (const it of ['a', 'b', 'c', 'd', 'e']) await run(page, `CF.ADD tiny ${it}`);
  await expect(lastReply(page)).toHaveText('(error) Filter is full');
  await expect(panel.locator('.warn')).toContainText('Filter is full');
  await expect(panel.locator('.relocation')).toContainText('may not grow');
});

test('Count-Min: the touched counters, estimate against the true count', async ({ page }) => {
  await page.goto('./');
  await run(page, 'CMS.INITBYDIM c 16 3');
  await run(page, 'CMS.INCRBY c a 3 b 1 a 2');
  await run(page, 'CMS.QUERY c a');
  await expect(lastReply(page)).toHaveText('1) (integer) 5');
  const panel = panelOf(page, 'Count-Min');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.est')).toHaveText('5');
  await expect(panel.locator('.truth')).toHaveText('5');
  await expect(panel.locator('.cmsgrid tr')).toHaveCount(3);
  await expect(panel.locator('.cmsgrid td.touched')).toHaveCount(3);
  await expect(panel.locator('.touched tbody tr')).toHaveCount(3);

  await panel.locator('.cms-demo').click();
  await panel.locator('.cms-stream').click();
  await expect(panel.locator('.toolbar')).toContainText('demo:cms — depth 3 × width 16, total count 200');
  const rows = panel.locator('.cmsitems tbody tr');
  expect(await rows.count()).toBeGreaterThan(0);
  // Never under the truth.
  for (const r of await rows.all()) {
    const [, t, e] = (await r.locator('td').allTextContents()).map(Number);
    expect(e).toBeGreaterThanOrEqual(t);
  }
});

test('Top-K: heavy hitters with true counts, decay, and hot keys against OBJECT FREQ', async ({ page }) => {
  await page.goto('./');
  await run(page, 'TOPK.RESERVE t 2');
  await run(page, 'TOPK.INCRBY t hit 100');
  await run(page, 'TOPK.ADD t x y z');
  const panel = panelOf(page, 'Top-K');
  await expect(panel).toBeVisible();
  const first = panel.locator('.heap tbody tr').first();
  await expect(first).toContainText('hit');
  await expect(first.locator('td').nth(2)).toHaveText('100');
  await expect(first.locator('td').nth(3)).toHaveText('100');
  await expect(panel.locator('.topkgrid tr')).toHaveCount(7);

  await panel.locator('.topk-demo').click();
  await panel.locator('.topk-stream').click();
  await expect(panel.locator('.heap tbody tr')).toHaveCount(5);

  // Hot keys: every command's keys into the panel's own Top-K.
  await panel.locator('.hot-toggle').click();
  await run(page, 'CONFIG SET maxmemory-policy allkeys-lfu');
  await run(page, 'SET product:hot 1');
  await page.evaluate(() => { for (let i = 0; i < 40; i++) window.kvlab.exec('GET product:hot'); });
  // CONFIG and SET brought other panels forward: back to Top-K.
  await page.locator('.ptab[data-panel="Top-K"]').click();
  const top = panel.locator('.hotlist tbody tr').first();
  await expect(top.locator('td').first()).toHaveText('product:hot');
  await expect(top.locator('td').nth(2)).toHaveText('41');
  expect(Number(await top.locator('.freq').textContent())).toBeGreaterThanOrEqual(5);
});

test('the comparison answers each question exactly and by its sketch, leaving the keyspace alone', async ({ page }) => {
  await page.goto('./');
  await run(page, 'DBSIZE');
  await expect(lastReply(page)).toHaveText('(integer) 0');
  await page.locator('.ptab[data-panel="Sketches compared"]').click();
  const panel = panelOf(page, 'Sketches compared');
  await panel.locator('.cmp-n').fill('5000');
  await panel.locator('.cmp-universe').fill('2000');
  await panel.locator('.cmp-skew').fill('1.1');
  await panel.locator('.cmp-run').click();
  await expect(panel.locator('.compare tbody tr')).toHaveCount(6);
  await expect(panel.locator('.cmpsummary')).toContainText('5000 items');
  await expect(panel.locator('tr.distinct .exact')).toContainText('SCARD');
  await expect(panel.locator('tr.bloom .answer')).toContainText('0 missed');
  await expect(panel.locator('tr.cuckoo .answer')).toContainText('0 missed');
  await expect(panel.locator('tr.cms .answer')).toContainText('0 under');
  await expect(panel.locator('tr.topk .answer')).toContainText('TOPK.LIST: item:0');
  await expect(panel.locator('tr.tdigest .answer')).toContainText('TDIGEST.QUANTILE 0.99');
  await expect(panel.locator('tr.tdigest .exact')).toContainText('sort every value');
  await run(page, 'DBSIZE');
  await expect(lastReply(page)).toHaveText('(integer) 0');
});

test('the sketch panels speak Korean', async ({ page }) => {
  await page.goto('./');
  await page.locator('button.lang').click();
  await run(page, 'CMS.INITBYDIM c 8 2');
  await expect(page.locator('.ptab[data-panel="Count-Min"]')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.ptab[data-panel="Bloom"]')).toHaveText('Bloom 필터');
  await expect(panelOf(page, 'Count-Min').locator('.toolbar')).toContainText('깊이 2 × 너비 8');
});

test('t-digest: centroids, the digest\'s p99 against the exact one, and the two demos', async ({ page }) => {
  await page.goto('./');
  await run(page, 'TDIGEST.CREATE lat COMPRESSION 100');
  // 0..999 in one command.
  await run(page, 'TDIGEST.ADD lat ' + Array.from({ length: 1000 }, (_, i) => i).join(' '));
  await expect(lastReply(page)).toHaveText('OK');
  const panel = panelOf(page, 't-digest');
  await expect(panel).toBeVisible();
  await expect(panel.locator('div.tdigest')).toContainText('lat: 1000 values');
  await expect(panel.locator('.tdstrip .centroid').first()).toBeAttached();
  const p99 = panel.locator('.tdq tbody tr').nth(2);
  await expect(p99.locator('td').nth(0)).toHaveText('p99');
  await expect(p99.locator('td').nth(1)).toHaveText('989.50');
  await expect(p99.locator('td').nth(2)).toHaveText('989.00');
  // The demo: 10,000 latencies, the exact quantiles beside the digest's.
  await panel.getByRole('button', { name: 'Demo: 10,000 latencies with 1% outliers' }).click();
  await expect(panel.locator('div.tdigest')).toContainText('demo:latency: 10000 values');
  await expect(panel.locator('.tdq tbody tr').nth(2).locator('td').nth(2)).not.toHaveText('—');
  // The slow log's durations: the first click turns on logging every command.
  await panel.getByRole('button', { name: 'Latencies of the commands just run' }).click();
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'SET a 1');
  await run(page, 'GET a');
  await panelOf(page, 't-digest').isVisible();
  await page.getByRole('tab', { name: 't-digest' }).click();
  await page.getByRole('button', { name: 'Latencies of the commands just run' }).click();
  await expect(page.locator('div.tdigest')).toContainText('cmd:latency:');
});
