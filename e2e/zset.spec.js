// Sorted sets in the browser: a blocking pop in one client tab woken by another tab.
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

test('BZPOPMIN in one tab waits until another tab adds a member', async ({ page }) => {
  await page.goto('./');
  await run(page, 'BZPOPMIN jobs 30');
  await expect(lastReply(page)).toHaveText('(waiting… another client can wake this one)');
  await expect(page.getByLabel('Command')).toBeDisabled();
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'ZADD jobs 5 render-video');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  await page.locator('.ctab').first().click();
  await expect(lastReply(page)).toHaveText('1) "jobs"\n2) "render-video"\n3) "5"');
  await expect(page.getByLabel('Command')).toBeEnabled();
  await run(page, 'EXISTS jobs');
  await expect(lastReply(page)).toHaveText('(integer) 0');
});

test('a blocking pop times out with nil', async ({ page }) => {
  await page.goto('./');
  await run(page, 'BZPOPMAX nothing-here 2');
  await expect(lastReply(page)).toHaveText('(waiting… another client can wake this one)');
  await expect(lastReply(page)).toHaveText('(nil)');
});

test('the leaderboard shows ranks, moves a member on ZINCRBY, highlights ranges, and draws the skip list', async ({ page }) => {
  await page.goto('./');
  await run(page, 'ZADD scores 100 alice 80 bob 60 carol 40 dave');
  const panel = page.locator('.panel[data-panel="Sorted set"]');
  await expect(panel.locator('.toolbar')).toContainText('scores — 4 members, listpack');
  await expect(panel.locator('.lbrow .member')).toHaveText(['alice', 'bob', 'carol', 'dave new at 4']);
  await run(page, 'ZINCRBY scores 70 dave');
  await expect(panel.locator('.lbrow.moved .member')).toHaveText('dave ↑ 4 → 1');
  await expect(panel.locator('.lbrow .member').first()).toContainText('dave');
  await run(page, 'ZRANGE scores 70 100 BYSCORE');
  await expect(panel.locator('.lbrow.hit')).toHaveCount(2);
  await expect(panel.locator('.toolbar')).toContainText('last range: by score 70..100 (2 members)');
  await run(page, 'ZRANK scores carol');
  await expect(panel.locator('.sl-cell.walk').first()).toBeVisible();
  await expect(panel.locator('.sl-level')).not.toHaveCount(0);
});

test('the game leaderboard demo runs real commands and pages through ranks', async ({ page }) => {
  await page.goto('./');
  await run(page, 'ZADD x 1 a');
  await page.locator('.panel[data-panel="Sorted set"]').getByRole('button', { name: 'Demo: a game leaderboard' }).click();
  await expect(page.locator('.entry .cmdline').last()).toContainText('ZREVRANGE game:scores 0 9 WITHSCORES');
  await expect(lastReply(page)).toContainText('20) ');
  const panel = page.locator('.panel[data-panel="Sorted set"]');
  await expect(panel.locator('.toolbar')).toContainText('game:scores — 100 members');
  await expect(panel.locator('.lbrow.hit')).toHaveCount(10);
  await panel.getByRole('button', { name: 'lower' }).click();
  await expect(panel.locator('.pager')).toContainText('ranks 16..30 of 100');
});

test('ZRANGE … LIMIT highlights exactly what the command returned', async ({ page }) => {
  await page.goto('./');
  await run(page, 'ZADD scores 100 alice 80 bob 60 carol 40 dave');
  const panel = page.locator('.panel[data-panel="Sorted set"]');
  await run(page, 'ZRANGE scores 0 100 BYSCORE LIMIT 1 2');
  await expect(lastReply(page)).toHaveText('1) "carol"\n2) "bob"');
  await expect(panel.locator('.lbrow.hit .member')).toHaveText(['bob', 'carol']);
  await expect(panel.locator('.toolbar')).toContainText('last range: by score 0..100 LIMIT 1 2 (2 members)');
  await run(page, 'ZREVRANGE scores 0 0 WITHSCORES');
  await expect(panel.locator('.lbrow.hit .member')).toHaveText(['alice']);
  await run(page, 'ZADD names 0 a 0 b 0 c 0 d 0 e');
  await run(page, 'ZRANGE names [b [e BYLEX LIMIT 1 2');
  await expect(lastReply(page)).toHaveText('1) "c"\n2) "d"');
  await expect(panel.locator('.lbrow.hit .member')).toHaveText(['d', 'c']);
  // A count shows the members it counted, found by the engine's own range code.
  await run(page, 'ZCOUNT scores (60 +inf');
  await expect(panel.locator('.lbrow.hit .member')).toHaveText(['alice', 'bob']);
  await expect(panel.locator('.toolbar')).toContainText('zcount by score (60..+inf (2 members)');
});
