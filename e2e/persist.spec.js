// Persistence as Redis does it: the page keeps its keyspace as an RDB image (in
// IndexedDB; an earlier version's image in localStorage is read once), Export
// downloads dump.rdb, Import reads one (KV Lab's or redis-server's), a broken file is
// refused with the keyspace kept, and the RDB explorer reads a file without loading it.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { run, lastReply, open, stored, storedSize, unstore, store, storedWith, settle } = require('./console-helpers');

const FIXTURE = path.join(__dirname, '..', 'tests', 'fixtures', 'redis-7.0.15.rdb');

async function reply(page, line, expected) {
  await run(page, line);
  await expect(lastReply(page)).toHaveText(expected);
}

// The stored image, as a binary string ('' while there is none).
const storedImage = async (page) => (await stored(page, 'dump.rdb')) || '';

// Waits until the saved image holds `text` (the save runs when something changed).
const savedWith = (page, text) => storedWith(page, 'dump.rdb', text);

async function fill(page) {
  await reply(page, 'SET user:1:name alice', 'OK');
  await reply(page, 'HSET user:1:profile city Seoul lang ko', '(integer) 2');
  await reply(page, 'RPUSH queue:jobs a b c', '(integer) 3');
  await reply(page, 'SET session:abc token EX 1000', 'OK');
  await reply(page, 'BF.ADD seen item', '(integer) 1');
  await reply(page, 'SET user:2:name bob', 'OK');
}

test('keys survive a reload, kept as an RDB image (the Bloom filter in it)', async ({ page }) => {
  await open(page);
  await fill(page);
  await savedWith(page, 'user:2:name');
  const image = await storedImage(page);
  expect(image.startsWith('REDIS0010')).toBe(true);
  // The probabilistic key is in the image (a RedisBloom module value); the JSON sidecar
  // holds only the configuration.
  expect(image.includes('seen')).toBe(true);
  expect(await stored(page, 'dump.rdb.extra')).toContain('"config"');
  expect(await stored(page, 'dump.rdb.extra')).not.toContain('"seen"');
  // Nothing in localStorage any more.
  expect(await page.evaluate(() => [localStorage.getItem('kvlab.rdb'), localStorage.getItem('kvlab.snapshot')]))
    .toEqual([null, null]);
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 6 keys');
  await reply(page, 'GET user:2:name', '"bob"');
  await reply(page, 'HGET user:1:profile city', '"Seoul"');
  await reply(page, 'LRANGE queue:jobs 0 -1', '1) "a"\n2) "b"\n3) "c"');
  await reply(page, 'BF.EXISTS seen item', '(integer) 1');
  await run(page, 'TTL session:abc');
  await expect(lastReply(page)).toHaveText(/^\(integer\) (99\d|1000)$/);
});

test("an older visit's JSON snapshot is read once, then kept as RDB", async ({ page }) => {
  await open(page);
  // As an older version left it: no image, only the JSON snapshot. (This page saved its
  // empty keyspace once at start and saves again only after a change.)
  await expect.poll(() => storedSize(page, 'dump.rdb')).toBeGreaterThan(0);
  await unstore(page, ['dump.rdb', 'dump.rdb.extra', 'saved.at']);
  await page.evaluate(() => localStorage.setItem('kvlab.snapshot', JSON.stringify({
    format: 'kvlab-snapshot', version: 1, saved_at: 0,
    dbs: [{ db: 0, keys: [{ key: 'old:key', type: 'string', enc: 'Embstr', data: 'kept' }] }],
  })));
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 1 keys');
  await expect(page.locator('.notice.info')).toContainText('RDB image');
  await reply(page, 'GET old:key', '"kept"');
  await savedWith(page, 'old:key');
  await page.waitForFunction(() => localStorage.getItem('kvlab.snapshot') === null);
  await page.reload();
  await reply(page, 'GET old:key', '"kept"');
});

test("an earlier version's image in localStorage is read once, then kept in IndexedDB", async ({ page }) => {
  await open(page);
  await fill(page);
  await settle(page);
  const image = await storedImage(page);
  // As an earlier version left it: the image in localStorage, base64, nothing in IndexedDB.
  await unstore(page, ['dump.rdb', 'dump.rdb.extra', 'saved.at']);
  await page.evaluate((image) => localStorage.setItem('kvlab.rdb', btoa(image)), image);
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 6 keys');
  await reply(page, 'GET user:2:name', '"bob"');
  await savedWith(page, 'user:2:name');
  await page.waitForFunction(() => localStorage.getItem('kvlab.rdb') === null);
  await page.reload();
  await reply(page, 'BF.EXISTS seen item', '(integer) 1');
});

test('without IndexedDB the image goes to localStorage, and comes back from it', async ({ page }) => {
  // As in a browser (or a private mode) without IndexedDB.
  await page.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined }));
  await open(page);
  await fill(page);
  await page.waitForFunction(() => atob(localStorage.getItem('kvlab.rdb') || '').includes('user:2:name'));
  expect(await page.evaluate(() => atob(localStorage.getItem('kvlab.rdb')).startsWith('REDIS0010'))).toBe(true);
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 6 keys');
  await reply(page, 'GET user:2:name', '"bob"');
  await reply(page, 'BF.EXISTS seen item', '(integer) 1');
});

test('a malformed stored image is refused with a message, kept for download, and the page starts', async ({ page }) => {
  await open(page);
  await fill(page);
  await settle(page);
  const image = await storedImage(page);
  // Cut in half: not a whole RDB file. (The page saves again only after a change.)
  await store(page, 'dump.rdb', image.slice(0, Math.floor(image.length / 2)));
  await page.reload();
  const notice = page.locator('.notice.error');
  await expect(notice).toContainText('could not be loaded');
  await expect(notice.getByRole('button', { name: 'Download it' })).toBeVisible();
  await reply(page, 'DBSIZE', '(integer) 0');
  expect((await stored(page, 'dump.rdb.bad')).length).toBe(Math.floor(image.length / 2));
  await reply(page, 'SET works yes', 'OK');
  await savedWith(page, 'works');
});

test('a keyspace larger than localStorage holds survives a reload', async ({ page }) => {
  await open(page);
  // 300k keys make an image of about 7 MB, 10 MB in base64: more than localStorage's
  // ~5 MB (what earlier versions reported as "Could not save").
  await reply(page, 'DEBUG POPULATE 300000', 'OK');
  await expect.poll(() => storedSize(page, 'dump.rdb'), { timeout: 60_000 }).toBeGreaterThan(5_000_000);
  await expect(page.locator('.notice.warn')).toHaveCount(0);
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 300000 keys', { timeout: 60_000 });
  await reply(page, 'GET key:299999', '"value:299999"');
  await reply(page, 'DBSIZE', '(integer) 300000');
});

test('Export downloads dump.rdb; Import restores it, refuses a truncated one, reads redis-server\'s', async ({ page }) => {
  await open(page);
  await fill(page);
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('dump.rdb');
  const bytes = fs.readFileSync(await download.path());
  expect(bytes.subarray(0, 9).toString('latin1')).toBe('REDIS0010');
  // The Bloom filter is in it (a RedisBloom module value): nothing is left out.
  expect(bytes.includes(Buffer.from('seen'))).toBe(true);
  await expect(page.locator('.notice.warn')).toHaveCount(0);

  await reply(page, 'FLUSHALL', 'OK');
  await reply(page, 'DBSIZE', '(integer) 0');
  const input = page.getByLabel('Snapshot file');
  await input.setInputFiles({ name: 'dump.rdb', mimeType: 'application/octet-stream', buffer: bytes });
  await expect(page.locator('.notice.info').last()).toContainText('Imported 6 keys');
  await reply(page, 'DBSIZE', '(integer) 6');
  await reply(page, 'GET user:1:name', '"alice"');
  await reply(page, 'LINDEX queue:jobs 2', '"c"');
  await reply(page, 'BF.EXISTS seen item', '(integer) 1');

  // Truncated: refused, the keyspace kept.
  await input.setInputFiles({ name: 'cut.rdb', mimeType: 'application/octet-stream',
    buffer: bytes.subarray(0, Math.floor(bytes.length / 2)) });
  const refused = page.locator('.notice.error').last();
  await expect(refused).toContainText('could not be imported');
  await expect(refused).toContainText('keyspace is unchanged');
  await reply(page, 'DBSIZE', '(integer) 6');
  // Not an RDB file at all.
  await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.locator('.notice.error').last()).toContainText('neither an RDB file');
  await reply(page, 'DBSIZE', '(integer) 6');

  // A file written by redis-server 7.0.15.
  await input.setInputFiles(FIXTURE);
  await expect(page.locator('.notice.info').last()).toContainText('Imported 13 keys');
  await reply(page, 'GET app:user:1:name', '"alice"');
  await reply(page, 'OBJECT ENCODING app:tags', '"intset"');
  await reply(page, 'PFCOUNT app:visitors', '(integer) 3');
  await reply(page, 'SELECT 1', 'OK');
  await reply(page, 'GET db1:key', '"v"');
});

test('the truncation notice is in Korean too', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: '한국어' }).click();
  const input = page.getByLabel('명령');
  await input.fill('SET k v');
  await input.press('Enter');
  await expect(lastReply(page)).toHaveText('OK');
  const bytes = fs.readFileSync(FIXTURE);
  await page.getByLabel('스냅숏 파일').setInputFiles({ name: 'cut.rdb',
    mimeType: 'application/octet-stream', buffer: bytes.subarray(0, 100) });
  await expect(page.locator('.notice.error').last()).toContainText('키스페이스는 그대로입니다');
  await input.fill('DBSIZE');
  await input.press('Enter');
  await expect(lastReply(page)).toHaveText('(integer) 1');
});

test('the RDB explorer breaks memory down by prefix, for the keyspace and for a file', async ({ page }) => {
  await open(page);
  await fill(page);
  await page.getByRole('tab', { name: 'RDB explorer' }).click();
  await page.getByRole('button', { name: 'Explore the current keyspace' }).click();
  const summary = page.locator('.rdb-summary');
  // The image holds all 6 keys (the Bloom filter as a RedisBloom module value).
  await expect(summary).toContainText('6 keys');
  await expect(summary).toContainText('5 keys have no TTL');
  const prefixes = page.locator('.rdb-prefixes');
  await expect(prefixes.locator('tr.rdb-prefix', { hasText: 'user:*' })).toContainText(/user:\*\s*3/);
  await expect(prefixes).toContainText('queue:*');
  await expect(prefixes).toContainText('session:*');
  await page.getByLabel('Prefix depth').selectOption('2');
  await expect(prefixes.locator('tr.rdb-prefix', { hasText: 'user:1:*' })).toContainText(/user:1:\*\s*2/);
  await expect(page.locator('.rdb-types')).toContainText('quicklist');
  await expect(page.locator('.rdb-biggest tr.rdb-key')).toHaveCount(6);
  await expect(page.locator('.rdb-nottl tr.rdb-key')).toHaveCount(5);

  // A redis-server file, read without touching the keyspace.
  await page.getByLabel('RDB file to explore').setInputFiles(FIXTURE);
  await expect(summary).toContainText('redis-7.0.15.rdb');
  await expect(summary).toContainText('13 keys');
  await page.getByLabel('Prefix depth').selectOption('1');
  await expect(prefixes.locator('tr.rdb-prefix', { hasText: 'app:*' })).toContainText(/app:\*\s*10/);
  await expect(prefixes.locator('tr.rdb-prefix', { hasText: 'cache:*' })).toContainText(/cache:\*\s*1/);
  await expect(prefixes).toContainText('(no prefix)');
  await expect(page.locator('.rdb-types')).toContainText('stream');
  await expect(page.locator('.rdb-biggest')).toContainText('cache:page:/home');
  await reply(page, 'DBSIZE', '(integer) 6');
  // A broken file: a clear message, the last report and the keyspace stay.
  await page.getByLabel('RDB file to explore').setInputFiles({ name: 'cut.rdb',
    mimeType: 'application/octet-stream', buffer: fs.readFileSync(FIXTURE).subarray(0, 200) });
  await expect(page.locator('.rdb-error')).toContainText('cannot be read as an RDB file');
  await reply(page, 'DBSIZE', '(integer) 6');
});
