// Streams in the browser: the stream panel's consumer-group demo, and XREAD BLOCK in one
// tab served by an XADD from another (at-least-once delivery with XACK).
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

test('the stream panel: the consumer-group demo shows nodes, groups and pending entries', async ({ page }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('./');
  await run(page, 'XADD orders 1-1 item book');
  await expect(lastReply(page)).toHaveText('"1-1"');
  await page.getByRole('tab', { name: 'Stream' }).click();
  await page.getByRole('button', { name: 'Demo: a consumer group' }).click();
  const panel = page.locator('.streamp');
  await expect(panel).toContainText('orders — 3 entries in 1 listpack nodes');
  await expect(panel.locator('.sgroup')).toContainText('"workers"');
  // bob read the oldest order and "crashed"; alice read two and claimed bob's with
  // XAUTOCLAIM: three pending with her (the claimed one delivered twice), none with bob.
  const consumers = panel.locator('.consumers > li');
  await expect(consumers.filter({ hasText: '"alice"' })).toContainText('3 pending');
  await expect(consumers.filter({ hasText: '"alice"' })).toContainText('×2');
  await expect(consumers.filter({ hasText: '"bob"' })).toContainText('0 pending');
  await run(page, 'XINFO GROUPS orders');
  await expect(lastReply(page)).toContainText('"pending"');
  expect(errors).toEqual([]);
});

test('XREAD BLOCK in one tab is served by an XADD from another; XACK clears the pending entry', async ({ page }) => {
  await page.goto('./');
  await run(page, 'XGROUP CREATE jobs g $ MKSTREAM');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'XREADGROUP GROUP g w1 BLOCK 0 STREAMS jobs >');
  await expect(lastReply(page)).toHaveText('(waiting… another client can wake this one)');
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'XADD jobs 5-0 task resize');
  await expect(lastReply(page)).toHaveText('"5-0"');
  await run(page, 'XPENDING jobs g');
  await expect(lastReply(page)).toHaveText('1) (integer) 1\n2) "5-0"\n3) "5-0"\n4) 1) 1) "w1"\n      2) "1"');
  await page.locator('.ctab').first().click();
  await expect(lastReply(page)).toHaveText('1) 1) "jobs"\n   2) 1) 1) "5-0"\n         2) 1) "task"\n            2) "resize"');
  await run(page, 'XACK jobs g 5-0');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  await run(page, 'XPENDING jobs g');
  await expect(lastReply(page)).toHaveText('1) (integer) 0\n2) (nil)\n3) (nil)\n4) (nil)');
});
