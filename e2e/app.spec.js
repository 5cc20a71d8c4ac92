// The learning app: console UX, client tabs, panels, persistence, sharing.
const { test, expect } = require('@playwright/test');
const { run, lastReply, open, storedSize, unstore } = require('./console-helpers');

test('Tab completes command names and hints show what to type next', async ({ page }) => {
  await open(page);
  const input = page.getByLabel('Command');
  await input.pressSequentially('GETR');
  await input.press('Tab');
  await expect(input).toHaveValue('GETRANGE ');
  await expect(page.locator('.ghost .hint')).toHaveText('key start end');
  await input.fill('');
  await input.pressSequentially('SET k ');
  await expect(page.locator('.ghost .hint')).toHaveText(/^value \[NX\|XX\] \[GET\]/);
  await input.fill('');
  await input.pressSequentially('get');
  await input.press('Tab');
  await expect(input).toHaveValue('GET ');
  await input.press('Tab');
  await expect(input).toHaveValue('GETBIT ');
  await input.fill('HELP EXPIRE');
  await input.press('Enter');
  await expect(lastReply(page)).toContainText('EXPIRE key seconds [NX|XX|GT|LT]');
  await expect(lastReply(page)).toContainText('group: generic');
});

test('two client tabs share the keyspace but not the selected database', async ({ page }) => {
  await open(page);
  await run(page, 'SET shared 1');
  await page.getByRole('button', { name: '+ client' }).click();
  await expect(page.locator('.ctab')).toHaveCount(2);
  await run(page, 'GET shared');
  await expect(lastReply(page)).toHaveText('"1"');
  await run(page, 'SELECT 2');
  await expect(page.locator('.inputline .prompt')).toHaveText('127.0.0.1:6379[2]>');
  await run(page, 'SET only2 x');
  await run(page, 'CLIENT SETNAME second');
  await page.locator('.ctab').first().click();
  await expect(page.locator('.inputline .prompt')).toHaveText('127.0.0.1:6379>');
  await run(page, 'GET only2');
  await expect(lastReply(page)).toHaveText('(nil)');
  await run(page, 'CLIENT LIST');
  await expect(lastReply(page)).toContainText('name=second');
  await expect(lastReply(page)).toContainText('db=2');
});

test('a key expires live in the TTL panel and expired_keys counts it', async ({ page }) => {
  await open(page);
  await run(page, 'SET keeper v EX 600');
  await run(page, 'SET short v PX 4000');
  // A TTL command brings the TTL panel forward.
  await expect(page.locator('.panel[data-panel="TTL"]')).toBeVisible();
  const row = page.locator('.ttlrow', { hasText: 'short' });
  await expect(row).toBeVisible();
  await expect(page.locator('.expired-count')).toHaveText('0');
  // Nobody reads the key: only the active expire cycle can remove it.
  await expect(row).toHaveCount(0);
  await expect(page.locator('.expired-count')).toHaveText('1');
  await expect(page.locator('.ttlrow', { hasText: 'keeper' })).toBeVisible();
});

test('the stats panel updates from INFO counters', async ({ page }) => {
  await open(page);
  await page.getByRole('tab', { name: 'Stats' }).click();
  await page.evaluate(() => {
    window.kvlab.exec('SET hit 1');
    for (let i = 0; i < 300; i++) window.kvlab.exec('GET hit');
    for (let i = 0; i < 100; i++) window.kvlab.exec('GET miss');
  });
  await expect(page.locator('.stats .value.hitrate')).toHaveText('75.0%');
  await expect(page.locator('.stats .stat.warn')).toBeVisible();
  await expect(page.locator('.stats .value.ops')).not.toHaveText('0');
  // INFO's own sampled figures are shown beside the panel's, and its network counters
  // count the console's requests and replies as RESP bytes.
  await expect(page.locator('.stats .inst')).toContainText('instantaneous_ops_per_sec');
  const net = await page.evaluate(() => {
    const n = (t, f) => Number(t.match(new RegExp(`${f}:(\\d+)`))[1]);
    const a = window.kvlab.exec('INFO stats');
    window.kvlab.exec('GET hit');
    const b = window.kvlab.exec('INFO stats');
    return [n(b, 'total_net_input_bytes') - n(a, 'total_net_input_bytes'), n(a, 'total_net_output_bytes') > 0];
  });
  // GET hit (*2 $3 GET $3 hit) and INFO stats (*2 $4 INFO $5 stats): 22 + 25 bytes.
  expect(net).toEqual([47, true]);
  await page.evaluate(() => { for (let i = 0; i < 400; i++) window.kvlab.exec('GET hit'); });
  await expect(page.locator('.stats .value.hitrate')).toHaveText('87.5%');
  await expect(page.locator('.stats .stat.warn')).toHaveCount(0);
});

test('the keyspace browser pages with SCAN and fills the console', async ({ page }) => {
  await open(page);
  await run(page, 'DEBUG POPULATE 45 user');
  await page.getByRole('tab', { name: 'Keyspace' }).click();
  await expect(page.locator('.keyspace .muted').first()).toHaveText('db0: 45 keys');
  const rows = page.locator('.keyrow');
  await expect(rows).not.toHaveCount(0);
  const seen = new Set();
  for (let i = 0; i < 10; i++) {
    for (const t of await page.locator('.keyrow td.key').allTextContents()) seen.add(t);
    const next = page.getByRole('button', { name: 'next' });
    if (await next.isDisabled()) break;
    await next.click();
  }
  expect(seen.size).toBe(45);
  await page.getByLabel('Key filter (glob pattern)').fill('user:4?');
  await expect(rows).toHaveCount(5);
  await rows.first().click();
  await expect(page.getByLabel('Command')).toHaveValue(/^GET user:4\d$/);
  await expect(page.locator('.keydetail .value')).toHaveText(/^"value:4\d"$/);
});

test('the keyspace survives a reload, and TTLs keep running while the tab is closed', async ({ page }) => {
  await open(page);
  await run(page, 'SET plain hello');
  await run(page, 'SET brief v PX 1200');
  await run(page, 'SET lasting v EX 100');
  await run(page, 'SELECT 3');
  await run(page, 'SET in3 x');
  // Wait for the debounced save itself (not for a guessed time), then until brief's
  // deadline has surely passed: both only wait longer on a slower machine.
  await page.waitForFunction(() => (localStorage.getItem('kvlab.transcript') || '').includes('SET in3 x'));
  await page.waitForTimeout(1300);
  await page.reload();
  await expect(page.locator('.notice.info')).toContainText('Restored 3 keys');
  // The transcript came back too.
  await expect(page.locator('.entry .cmdline').first()).toContainText('SET plain hello');
  await run(page, 'GET plain');
  await expect(lastReply(page)).toHaveText('"hello"');
  await run(page, 'EXISTS brief');
  await expect(lastReply(page)).toHaveText('(integer) 0');
  await run(page, 'TTL lasting');
  await expect(lastReply(page)).toHaveText(/^\(integer\) (9\d|100)$/);
  await run(page, 'SELECT 3');
  await run(page, 'GET in3');
  await expect(lastReply(page)).toHaveText('"x"');
});

test('a corrupted snapshot gives a message, a fresh keyspace and a download', async ({ page }) => {
  await open(page);
  // As an older version left it: no image, a broken JSON snapshot.
  await expect.poll(() => storedSize(page, 'dump.rdb')).toBeGreaterThan(0);
  await unstore(page, ['dump.rdb', 'dump.rdb.extra', 'saved.at']);
  await page.evaluate(() => localStorage.setItem('kvlab.snapshot', '{"format":"kvlab-snapshot", broken'));
  await page.reload();
  const notice = page.locator('.notice.error');
  await expect(notice).toContainText('could not be loaded');
  await expect(notice.getByRole('button', { name: 'Download it' })).toBeVisible();
  const kept = await page.evaluate(() => localStorage.getItem('kvlab.snapshot.bad'));
  expect(kept).toBe('{"format":"kvlab-snapshot", broken');
  const download = page.waitForEvent('download');
  await notice.getByRole('button', { name: 'Download it' }).click();
  expect((await download).suggestedFilename()).toBe('kvlab-unreadable-snapshot.json');
  await run(page, 'DBSIZE');
  await expect(lastReply(page)).toHaveText('(integer) 0');
  await run(page, 'SET works yes');
  await expect(lastReply(page)).toHaveText('OK');
});

test('a share link offers its script and runs nothing until asked', async ({ page }) => {
  const script = 'SET shared:greeting hi\nGET shared:greeting';
  await open(page, './#run=' + encodeURIComponent(script));
  const dialog = page.getByRole('dialog', { name: 'Shared script' });
  await expect(dialog).toContainText('2 command(s)');
  await expect(dialog.locator('.script')).toHaveText(script);
  expect(await page.evaluate(() => window.kvlab.exec('EXISTS shared:greeting'))).toBe('(integer) 0\n');
  await dialog.getByRole('button', { name: 'Run them' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(lastReply(page)).toHaveText('"hi"');
  expect(await page.evaluate(() => location.hash)).toBe('');
  // And the Share button makes such a link from this tab's commands.
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.locator('.notice.info').last()).toContainText('#run=SET%20shared%3Agreeting%20hi');
});

test('pasting several lines runs them in order', async ({ page }) => {
  await open(page);
  const input = page.getByLabel('Command');
  await input.focus();
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text', 'SET p 1\nINCR p\nINCR p\n');
    document.getElementById('console-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.locator('.entry')).toHaveCount(3);
  await expect(lastReply(page)).toHaveText('(integer) 3');
});

test('long replies collapse and errors have their own colour', async ({ page }) => {
  await open(page);
  await run(page, 'DEBUG POPULATE 40');
  await run(page, 'KEYS *');
  await expect(page.getByRole('button', { name: /more lines \(show all\)/ })).toBeVisible();
  await run(page, 'NOPE');
  await expect(lastReply(page)).toHaveClass(/error/);
});

test('with 100k keys loaded, a command still answers at once (and 500k keys are saved)', async ({ page }) => {
  await open(page);
  await run(page, 'DEBUG POPULATE 100000');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'DBSIZE');
  await expect(lastReply(page)).toHaveText('(integer) 100000');
  const times = [];
  for (let i = 0; i < 5; i++) {
    await run(page, `GET key:${i * 777}`);
    await expect(lastReply(page)).toHaveText(`"value:${i * 777}"`);
    times.push(await page.evaluate(() => window.kvlab.lastReplyMs));
  }
  times.sort((a, b) => a - b);
  console.log(`Enter to rendered reply with 100k keys: median ${times[2].toFixed(1)} ms (${times.map((t) => t.toFixed(1)).join(', ')})`);
  expect(times[2]).toBeGreaterThan(0);
  // 400k more keys make an RDB image (about 9 MB, 12 MB in base64) larger than
  // localStorage allows; IndexedDB keeps it.
  await run(page, 'DEBUG POPULATE 400000 more');
  await expect(lastReply(page)).toHaveText('OK');
  await expect.poll(() => storedSize(page, 'dump.rdb'), { timeout: 60_000 }).toBeGreaterThan(9_000_000);
  await expect(page.locator('.notice.warn')).toHaveCount(0);
  await run(page, 'DBSIZE');
  await expect(lastReply(page)).toHaveText('(integer) 500000');
});

test('theme toggles and sticks', async ({ page }) => {
  await open(page);
  const button = page.locator('button.theme');
  await button.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await button.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('keys and values are shown as text, never as HTML', async ({ page }) => {
  await open(page);
  page.on('dialog', (d) => { throw new Error('a script ran: ' + d.message()); });
  await run(page, 'SET "<img src=x onerror=alert(1)>" "<b>bold</b>"');
  await run(page, 'GET "<img src=x onerror=alert(1)>"');
  await expect(lastReply(page)).toHaveText('"<b>bold</b>"');
  await page.getByRole('tab', { name: 'Keyspace' }).click();
  await page.locator('.keyrow').first().click();
  await expect(page.locator('.keydetail .value')).toHaveText('"<b>bold</b>"');
  expect(await page.locator('.app img, .app b:not(.keydetail b)').count()).toBe(0);
});
