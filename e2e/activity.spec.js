// The activity feed: the key events of each command, of active expiry and of devtools
// commands, named as keyspace notifications name them.
const { test, expect } = require('@playwright/test');
const { run } = require('./console-helpers');

test('the activity feed shows each command’s key events, and expiry from the background', async ({ page }) => {
  await page.goto('./');
  const feed = page.getByRole('region', { name: 'Activity' });
  await expect(feed).toContainText('Nothing yet');
  await run(page, 'SET session:1 token EX 100');
  const first = feed.locator('.feedline').first();
  await expect(first.locator('.cause')).toHaveText('SET session:1');
  await expect(first.locator('.kev')).toHaveText(['set session:1', 'expire session:1']);
  // A read produces no event: the feed does not move.
  await run(page, 'GET session:1');
  await expect(feed.locator('.feedline')).toHaveCount(1);
  await run(page, 'DEL session:1');
  await expect(feed.locator('.feedline').first().locator('.kev')).toHaveText(['del session:1']);
  await run(page, 'ZADD board 1 a');
  await expect(feed.locator('.feedline').first().locator('.kev')).toHaveText(['zadd board']);
  // Nobody reads this key: the active expire cycle removes it, and says so.
  await run(page, 'SET brief v PX 200');
  await expect(feed.locator('.feedline', { hasText: 'active expiry' }).first().locator('.kev')).toHaveText(['expired brief']);
  // Commands from devtools go through the same runner.
  await page.evaluate(() => window.kvlab.exec('INCR from:devtools'));
  await expect(feed.locator('.feedline').first()).toContainText('INCR from:devtools');
  await expect(feed.locator('.feedline').first().locator('.kev')).toHaveText(['incrby from:devtools']);
});
