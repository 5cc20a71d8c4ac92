// The persistence panel and the "RDB vs AOF" lesson: INFO persistence as the panel shows
// it, a save point firing by itself, the AOF's commands in the form Redis appends them
// (EX made PXAT), their fsync state under appendfsync no and always, and the two crash
// buttons restarting the engine from what the files hold. Every wait polls until the
// page shows the state; nothing measures time.
const { test, expect } = require('@playwright/test');
const { lastReply, stored, store, storedWith, settle, reloadSaved } = require('./console-helpers');

async function run(page, line, label = 'Command') {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(line);
  await input.press('Enter');
}
async function reply(page, line, expected) {
  await run(page, line);
  await expect(lastReply(page)).toHaveText(expected);
}
const exec = async (page, line) => (await page.evaluate((l) => window.kvlab.exec(l), line)).trim();
const field = (page, name) => page.locator(`.pp-field[data-field="${name}"] td.num`);
const pane = (page) => page.locator('section.lessons');
// The panel stays in front whatever the next command is.
async function pinPersistence(page) {
  await page.getByRole('tab', { name: 'Persistence' }).click();
  await expect(page.getByRole('tabpanel')).toHaveAttribute('data-panel', 'Persistence');
  const pin = page.locator('.ptabs .pin');
  if ((await pin.getAttribute('aria-pressed')) !== 'true') await pin.click();
  await expect(pin).toHaveAttribute('aria-pressed', 'true');
}

test('the panel: INFO fields, a save point firing, the AOF as appended, and both crashes', async ({ page }) => {
  page.on('dialog', (d) => d.accept());
  await page.goto('./');
  await expect(page.getByLabel('Command')).toBeVisible();
  await reply(page, 'SET a 1', 'OK');
  await reply(page, 'SET b 2', 'OK');
  // INFO persistence brings the panel forward.
  await run(page, 'INFO persistence');
  await expect(page.getByRole('tabpanel')).toHaveAttribute('data-panel', 'Persistence');
  await pinPersistence(page);
  await expect(field(page, 'rdb_changes_since_last_save')).toHaveText('2');
  await expect(field(page, 'rdb_saves')).toHaveText('0');
  await expect(field(page, 'aof_enabled')).toHaveText('0');

  // A save point: 2 seconds and 1 change. It fires by itself (the page's background tick).
  await reply(page, 'CONFIG SET save "2 1"', 'OK');
  await expect(page.locator('.pp-savepoint[data-point="2 1"]')).toBeVisible();
  await expect(field(page, 'rdb_saves')).toHaveText('1');
  await expect(field(page, 'rdb_changes_since_last_save')).toHaveText('0');
  await reply(page, 'CONFIG SET save ""', 'OK');
  await expect(page.locator('.pp-nopoints')).toBeVisible();

  // A write after the snapshot, then a process crash: dump.rdb comes back, c is lost.
  await reply(page, 'SET c 3', 'OK');
  await expect(page.locator('.pp-process td').first()).toContainText('the 1 changes since are lost');
  await page.locator('.pp-crash-process').click();
  await expect(page.locator('.pp-report')).toContainText('Process crash: restarted from dump.rdb. Keys: 3 before, 2 after.');
  await expect(lastReply(page)).toHaveText('Error: Server closed the connection');
  expect(await exec(page, 'EXISTS c')).toBe('(integer) 0');
  expect(await exec(page, 'GET a')).toBe('"1"');

  // The AOF: on, with a base of the keyspace; EX is appended as PXAT.
  await page.locator('.pp-aof-on').click();
  await expect(field(page, 'aof_enabled')).toHaveText('1');
  await expect(field(page, 'aof_rewrites')).toHaveText('1');
  await reply(page, 'SET s v EX 100', 'OK');
  const newest = page.locator('.pp-aof-cmd').first();
  await expect(newest.locator('pre')).toContainText('$4\\r\\n\nPXAT\\r\\n');
  await expect(newest.locator('pre')).toContainText('*2\\r\\n\n$6\\r\\n\nSELECT\\r\\n\n$1\\r\\n\n0\\r\\n\n');

  // Under everysec the background fsync catches up within about a second.
  await expect(newest).toHaveClass(/ synced/);

  // When it rewrites itself: 64mb, the default minimum, is above 100% growth; a small
  // minimum makes the growth the limit, and a rewrite follows once it is reached.
  const auto = page.locator('.pp-aof-auto');
  await expect(auto).toContainText('It rewrites itself at 64');
  await expect(auto).toContainText('auto-aof-rewrite-percentage 100%');
  await reply(page, 'CONFIG SET auto-aof-rewrite-min-size 1', 'OK');
  await expect(auto).not.toContainText('It rewrites itself at 64');
  await reply(page, 'SET pad xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'OK');
  await expect(field(page, 'aof_rewrites')).toHaveText('2');
  await reply(page, 'CONFIG SET auto-aof-rewrite-percentage 0', 'OK');
  await expect(auto).toContainText('No automatic rewrite');

  // appendfsync no: the write stays unsynced (the kernel would flush it about 30 s
  // later), so a power loss drops it.
  await page.locator('.pp-policy select').selectOption('no');
  await expect(lastReply(page)).toHaveText('OK');
  await reply(page, 'SET d 4', 'OK');
  await expect(page.locator('.pp-aof-cmd').first()).toHaveClass(/unsynced/);
  await expect(page.locator('.pp-power td').nth(1)).toContainText('not fsynced yet are lost (no)');
  await page.locator('.pp-crash-power').click();
  await expect(page.locator('.pp-report')).toContainText('Power loss: restarted from the AOF.');
  expect(await exec(page, 'EXISTS d')).toBe('(integer) 0');
  expect(await exec(page, 'EXISTS a')).toBe('(integer) 1');

  // appendfsync always: synced before the reply, so the power loss keeps it.
  await page.locator('.pp-policy select').selectOption('always');
  await expect(lastReply(page)).toHaveText('OK');
  await reply(page, 'SET e 5', 'OK');
  await expect(page.locator('.pp-aof-cmd').first()).toHaveClass(/ synced/);
  await page.locator('.pp-crash-power').click();
  await expect(page.locator('.pp-report')).toContainText('0 commands not fsynced were lost');
  expect(await exec(page, 'GET e')).toBe('"5"');
  // TTLs are kept as absolute times: s still has one.
  expect(Number((await exec(page, 'TTL s')).replace('(integer) ', ''))).toBeGreaterThan(0);
});

test('the RDB vs AOF lesson from a deep link, in English, and its first step in Korean', async ({ page }) => {
  await page.goto('./#/lessons/rdb-vs-aof/3');
  await expect(pane(page)).toHaveAttribute('data-lesson', 'rdb-vs-aof');
  await expect(pane(page)).toHaveAttribute('data-step', '3');
  await expect(page.getByRole('tabpanel')).toHaveAttribute('data-panel', 'Persistence');
  await pinPersistence(page);
  await reply(page, 'SET user:6 bjarne', 'OK');
  await reply(page, 'DEBUG CRASH-AND-RECOVER', 'Error: Server closed the connection');
  await reply(page, 'EXISTS user:6', '(integer) 0');
  await expect(pane(page)).toHaveAttribute('data-step', '4');
  await run(page, 'SET user:6 bjarne');
  await run(page, 'BGSAVE');
  await run(page, 'LASTSAVE');
  await expect(pane(page)).toHaveAttribute('data-step', '5');
  await reply(page, 'CONFIG SET appendonly yes', 'OK');
  await reply(page, 'SET session:1 alice EX 60', 'OK');
  await expect(pane(page)).toHaveAttribute('data-step', '6');
  await expect(page.locator('.pp-aof-cmd').first().locator('pre')).toContainText('$9\\r\\n\nsession:1\\r\\n');
  await reply(page, 'SET user:7 bjarne', 'OK');
  await reply(page, 'DEBUG CRASH-AND-RECOVER', 'Error: Server closed the connection');
  await reply(page, 'GET user:7', '"bjarne"');
  await expect(pane(page)).toHaveAttribute('data-step', '7');
  await run(page, 'BGREWRITEAOF');
  await run(page, 'INFO persistence');
  await expect(pane(page).locator('.lesson-finished')).toContainText('Lesson complete!');

  // In Korean, from the start: the save point step.
  await page.goto('./#/lessons/rdb-vs-aof/1');
  await page.getByRole('button', { name: '한국어' }).click();
  await expect(pane(page).locator('.task')).toContainText('save 지점을 더하세요');
  await run(page, 'CONFIG SET save "30 2"', '명령');
  await expect(pane(page)).toHaveAttribute('data-step', '2');
  await expect(pane(page).locator('.lesson-done')).toContainText('1초에 열 번');
  await expect(page.getByRole('tab', { name: '영속성' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.pp-savepoint[data-point="30 2"] .pp-state')).toContainText('변경 2개 더 필요');
});

test('after a reload the stored keyspace is the dump.rdb a crash comes back to', async ({ page }) => {
  await page.goto('./');
  await reply(page, 'SET kept 1', 'OK');
  await storedWith(page, 'dump.rdb', 'kept');
  await page.reload();
  await expect(page.getByLabel('Command')).toBeVisible();
  expect(await exec(page, 'GET kept')).toBe('"1"');
  await reply(page, 'SET lost 2', 'OK');
  await reply(page, 'DEBUG CRASH-AND-RECOVER', 'Error: Server closed the connection');
  expect(await exec(page, 'GET kept')).toBe('"1"');
  expect(await exec(page, 'EXISTS lost')).toBe('(integer) 0');
});

test('with appendonly yes the AOF is stored and a reload starts from it, as Redis starts', async ({ page }) => {
  await page.goto('./');
  await reply(page, 'SET old 1', 'OK');
  await storedWith(page, 'dump.rdb', 'old');
  // An image from before the AOF: the stale dump.rdb Redis ignores with appendonly yes.
  const staleImage = await stored(page, 'dump.rdb');
  await reply(page, 'CONFIG SET appendonly yes', 'OK');
  await reply(page, 'DEL old', '(integer) 1');
  await reply(page, 'SET greeting hi EX 1000', 'OK');
  await reply(page, 'RPUSH jobs a b c', '(integer) 3');
  await reply(page, 'INCR hits', '(integer) 1');
  await settle(page);
  // The base (an RDB image, the preamble) and the incremental part, as 7.0 writes them.
  expect(await stored(page, 'appendonly.aof.incr.aof')).toContain('INCR');
  expect((await stored(page, 'appendonly.aof.base.rdb')).startsWith('REDIS0010')).toBe(true);
  const incr = await stored(page, 'appendonly.aof.incr.aof');
  expect(incr).toContain('PXAT');
  await store(page, 'dump.rdb', staleImage);
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 3 keys from your last visit, from the AOF');
  expect(await exec(page, 'EXISTS old')).toBe('(integer) 0');
  expect(await exec(page, 'LRANGE jobs 0 -1')).toBe('1) "a"\n2) "b"\n3) "c"');
  expect(await exec(page, 'TTL greeting')).toMatch(/^\(integer\) (99\d|1000)$/);
  expect(await exec(page, 'CONFIG GET appendonly')).toBe('1) "appendonly"\n2) "yes"');
  // The AOF goes on from the stored files.
  await reply(page, 'INCR hits', '(integer) 2');
  await settle(page);
  const longer = await stored(page, 'appendonly.aof.incr.aof');
  expect(longer.length).toBeGreaterThan(incr.length);

  // A tail cut inside the last command: dropped, as aof-load-truncated yes says.
  await store(page, 'appendonly.aof.incr.aof', longer.slice(0, -3));
  await reloadSaved(page);
  expect(await exec(page, 'GET hits')).toBe('"1"');

  // Not an AOF at all: refused with a message; the page starts from the stored image.
  await store(page, 'appendonly.aof.incr.aof', 'garbage\r\n');
  await page.reload();
  await expect(page.locator('.notice.error')).toContainText('Your stored AOF could not be loaded');
  expect(await exec(page, 'GET hits')).toBe('"1"');
  expect(await exec(page, 'EXISTS old')).toBe('(integer) 0');

  // appendonly no: the image again.
  await reply(page, 'CONFIG SET appendonly no', 'OK');
  await reply(page, 'SET after-aof 1', 'OK');
  await storedWith(page, 'dump.rdb', 'after-aof');
  expect(await stored(page, 'appendonly.aof.base.rdb')).toBeNull();
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 4 keys from your last visit');
  expect(await exec(page, 'GET after-aof')).toBe('"1"');
});
