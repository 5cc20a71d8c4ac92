// Hashes, sets and lists in the browser: the commands, blocking pops between tabs, and the keyspace browser's view.
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

test('HSET and friends, and the keyspace browser shows a window of the fields', async ({ page }) => {
  await page.goto('./');
  await run(page, 'HSET user:1 name alice visits 3');
  await expect(lastReply(page)).toHaveText('(integer) 2');
  await run(page, 'HINCRBY user:1 visits 1');
  await expect(lastReply(page)).toHaveText('(integer) 4');
  await run(page, 'HGETALL user:1');
  await expect(lastReply(page)).toHaveText('1) "name"\n2) "alice"\n3) "visits"\n4) "4"');
  await run(page, 'OBJECT ENCODING user:1');
  await expect(lastReply(page)).toHaveText('"listpack"');
  // 60 fields: the browser shows the first 50 and says so.
  const pairs = Array.from({ length: 60 }, (_, i) => `f${i} v${i}`).join(' ');
  await run(page, `HSET big ${pairs}`);
  await expect(lastReply(page)).toHaveText('(integer) 60');
  await page.getByRole('tab', { name: 'Keyspace' }).click();
  await page.locator('.keyrow', { hasText: 'big' }).click();
  // A hash is read a piece at a time: the row fills HSCAN, not HGETALL.
  await expect(page.getByLabel('Command')).toHaveValue('HSCAN big 0');
  const detail = page.getByLabel('Selected key');
  await expect(detail).toContainText('hash (listpack), 60 fields');
  await expect(detail.locator('.fields tr')).toHaveCount(50);
  await expect(detail).toContainText('first 50 of 60 fields');
  await page.locator('.keyrow', { hasText: 'user:1' }).click();
  await expect(detail.locator('.fields tr').first()).toHaveText('"name""alice"');
  // Its events show in the activity feed.
  await run(page, 'HDEL user:1 name visits');
  const feed = page.getByRole('region', { name: 'Activity' });
  await expect(feed.locator('.feedline').first().locator('.kev')).toHaveText(['hdel user:1', 'del user:1']);
});

test('sets: SADD, the algebra, and the keyspace browser lists members', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SADD online 3 1 2');
  await expect(lastReply(page)).toHaveText('(integer) 3');
  await run(page, 'SADD premium 2 3 4');
  await run(page, 'SINTER online premium');
  await expect(lastReply(page)).toHaveText('1) "2"\n2) "3"');
  await run(page, 'OBJECT ENCODING online');
  await expect(lastReply(page)).toHaveText('"intset"');
  await run(page, 'SADD online alice');
  await run(page, 'OBJECT ENCODING online');
  await expect(lastReply(page)).toHaveText('"hashtable"');
  await page.getByRole('tab', { name: 'Keyspace' }).click();
  await page.locator('.keyrow', { hasText: 'premium' }).click();
  const detail = page.getByLabel('Selected key');
  await expect(detail).toContainText('set (intset), 3 members');
  await expect(detail.locator('.fields tr')).toHaveText(['"2"', '"3"', '"4"']);
});

test('lists: a queue, and BLPOP in one tab served by an LPUSH from another', async ({ page }) => {
  await page.goto('./');
  await run(page, 'RPUSH jobs a b c');
  await expect(lastReply(page)).toHaveText('(integer) 3');
  await run(page, 'LRANGE jobs 0 -1');
  await expect(lastReply(page)).toHaveText('1) "a"\n2) "b"\n3) "c"');
  await page.getByRole('tab', { name: 'Keyspace' }).click();
  await page.locator('.keyrow', { hasText: 'jobs' }).click();
  await expect(page.getByLabel('Selected key')).toContainText('list (quicklist), 3 elements');
  await run(page, 'DEL jobs');
  await run(page, 'BLPOP queue 0');
  await expect(lastReply(page)).toHaveText('(waiting… another client can wake this one)');
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'LPUSH queue job-42');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  await page.locator('.ctab').first().click();
  await expect(lastReply(page)).toHaveText('1) "queue"\n2) "job-42"');
  await run(page, 'EXISTS queue');
  await expect(lastReply(page)).toHaveText('(integer) 0');
});

test('big keys are flagged, and "Find big keys" lists them as redis-cli --bigkeys would', async ({ page }) => {
  await page.goto('./');
  // The devtools hook exists once the wasm module has started.
  await page.waitForFunction(() => window.kvlab && window.kvlab.exec);
  await page.evaluate(() => {
    window.kvlab.exec(`SET page:home ${'x'.repeat(12000)}`);
    window.kvlab.exec('SET page:small hello');
    const members = Array.from({ length: 5001 }, (_, i) => `user:${i}`).join(' ');
    window.kvlab.exec(`SADD online ${members}`);
  });
  await page.getByRole('tab', { name: 'Keyspace' }).click();
  await expect(page.locator('.keyrow.big')).toHaveCount(2);
  await expect(page.locator('.keyrow', { hasText: 'page:small' }).locator('.bigflag')).toHaveCount(0);
  await page.getByRole('button', { name: 'Find big keys' }).click();
  const report = page.getByLabel('Big keys');
  await expect(report).toContainText('3 keys scanned, 2 over the thresholds');
  await expect(report.locator('.bigrow .key')).toHaveText(['online', 'page:home']);
  await expect(report).toContainText('set online (5001 elements)');
});

test('the list panel: pushes at each end, pops leaving, and who waits on the key', async ({ page }) => {
  await page.goto('./');
  await run(page, 'RPUSH jobs a b');
  const panel = page.locator('.panel[data-panel="List"]');
  await expect(panel.locator('.toolbar')).toContainText('jobs — 2 elements');
  await run(page, 'LPUSH jobs z');
  await expect(panel.locator('.qitem')).toHaveText(['"z"', '"a"', '"b"']);
  await expect(panel.locator('.qitem.fresh')).toHaveText(['"z"']);
  await run(page, 'RPOP jobs');
  await expect(panel.locator('.leaving')).toContainText('1 popped from the tail (right)');
  await expect(panel.locator('.leaving .qitem')).toHaveText(['"b"']);
  // A worker blocks on an empty key; another client's push serves it.
  await run(page, 'BLPOP work 0');
  await expect(panel.locator('.waiters')).toContainText('Blocked on work:');
  await expect(panel.locator('.waiter')).toHaveText(['console:1']);
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'LPUSH work job-7');
  await expect(panel.locator('.served')).toContainText('console:1 got "job-7"');
  await expect(panel.locator('.waiter')).toHaveCount(0);
});

test('the hash panel: fields, the ones a command touched, and the moment it becomes a hash table', async ({ page }) => {
  await page.goto('./');
  await run(page, 'HSET user:1 name Kim visits 1');
  const panel = page.locator('.panel[data-panel="Hash"]');
  await expect(panel.locator('.toolbar')).toContainText('user:1 — 2 fields');
  await expect(panel.getByLabel('encoding')).toHaveText('listpack');
  await run(page, 'HINCRBY user:1 visits 5');
  await expect(panel.locator('.fields tr.hot')).toHaveText(['"visits""6"']);
  // One value over hash-max-listpack-value (64 bytes) converts it, for good.
  await run(page, `HSET user:1 bio ${'b'.repeat(70)}`);
  await expect(panel.getByLabel('encoding')).toHaveText('hashtable');
  await expect(panel.locator('.converted')).toContainText('HSET turned it from a listpack into a hash table: a 70-byte field or value > hash-max-listpack-value 64');
  await run(page, 'HDEL user:1 bio');
  await run(page, 'OBJECT ENCODING user:1');
  await expect(lastReply(page)).toHaveText('"hashtable"');
  // OBJECT brings the keyspace browser forward; the hash panel stays a hash table.
  await page.getByRole('tab', { name: 'Hash' }).click();
  await expect(panel.getByLabel('encoding')).toHaveText('hashtable');
  // The demo runs its commands through the console.
  await panel.getByRole('button', { name: 'Demo: a small hash grows up' }).click();
  await expect(lastReply(page)).toHaveText('"hashtable"');
  await page.getByRole('tab', { name: 'Hash' }).click();
  await expect(panel.locator('.converted')).toContainText('hash-max-listpack-value 64');
});

test('the set panel: members, and SINTER/SUNION/SDIFF drawn as two overlapping sets', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SADD online 1 2 3 5 8');
  const panel = page.locator('.panel[data-panel="Set"]');
  await expect(panel.locator('.toolbar')).toContainText('online — 5 members');
  await expect(panel.getByLabel('encoding')).toHaveText('intset');
  await run(page, 'SADD premium 2 3 4 8');
  await run(page, 'SINTER online premium');
  await expect(lastReply(page)).toHaveText('1) "2"\n2) "3"\n3) "8"');
  const venn = panel.getByLabel('set diagram');
  await expect(venn.locator('.vn')).toHaveText(['2', '3', '1']);
  await expect(venn.locator('.region.lit')).toHaveCount(1);
  await expect(venn.locator('.region.lit')).toContainText('in both:');
  await expect(panel.getByLabel('result').locator('.chip')).toHaveText(['"2"', '"3"', '"8"']);
  await run(page, 'SDIFF online premium');
  await expect(venn.locator('.region.lit')).toContainText('only online:');
  await expect(panel.getByLabel('result').locator('.chip')).toHaveText(['"1"', '"5"']);
  await run(page, 'SUNIONSTORE all online premium');
  await expect(lastReply(page)).toHaveText('(integer) 6');
  await expect(venn.locator('.region.lit')).toHaveCount(3);
  await expect(panel.getByLabel('result')).toContainText('result: 6');
  await run(page, 'SADD online alice');
  await expect(panel.getByLabel('encoding')).toHaveText('hashtable');
});
