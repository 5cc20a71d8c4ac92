// Transactions and scripts in the browser: the lock demo between two tabs, a WATCH broken
// from a second tab, the trace of a script that fails halfway, and entering Lua (a
// multi-line paste, the editor, SCRIPT LOAD's SHA-1 filling EVALSHA).
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

const openPanel = (page) => page.getByRole('tab', { name: 'Transactions & scripts' }).click();

test('lock demo: two tabs race, the loser backs off, compare-and-DEL is safe, a plain DEL deletes the other tab\'s lock', async ({ page }) => {
  await page.goto('./');
  await openPanel(page);
  await page.getByRole('button', { name: 'Demo: two tabs race for a lock' }).click();
  // It opened a second client tab to play the other side.
  await expect(page.locator('.ctab')).toHaveCount(2);
  const log = page.getByLabel('Lock demo log');
  const line = (cls) => log.locator(`.lockline.${cls}`);
  // The race: one OK, one (nil).
  await expect(line('won').first()).toContainText('Client 1');
  await expect(line('won').first().locator('.lreply')).toHaveText('→ OK');
  await expect(line('lost').first().locator('.lreply')).toHaveText('→ (nil)');
  await expect(line('lost').first()).toContainText('backs off 250 ms');
  // The winner releases with the script; the loser's retry gets the lock.
  const safe = line('safe');
  await expect(safe.first().locator('.lcmd')).toContainText("EVAL \"if redis.call('GET',KEYS[1])==ARGV[1]");
  await expect(safe.first().locator('.lreply')).toHaveText('→ (integer) 1', { timeout: 30_000 });
  await expect(log.locator('.lockline.won', { hasText: 'Client 2 has the lock now' })).toBeVisible({ timeout: 30_000 });
  // The lock expires under a stalled Client 2; Client 1 takes it; Client 2's
  // compare-and-DEL answers 0 and leaves it alone.
  await expect(safe.nth(1).locator('.lreply')).toHaveText('→ (integer) 0', { timeout: 30_000 });
  await expect(safe.nth(2)).toContainText('Client 1 still holds its lock', { timeout: 30_000 });
  // Act 3: the plain DEL deletes the other tab's lock, visibly.
  const clobbered = line('clobbered');
  await expect(clobbered.first().locator('.lcmd')).toHaveText('DEL lock', { timeout: 30_000 });
  await expect(clobbered.first().locator('.lreply')).toHaveText('→ (integer) 1');
  await expect(clobbered.first()).toContainText("deleted Client 2's lock");
  await expect(clobbered.nth(1).locator('.lreply')).toHaveText('→ (nil)', { timeout: 30_000 });
  await expect(page.locator('.lockdone')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.lockstate')).toHaveText('lock: free (no key)');
  // Every command went through the console: both transcripts have them.
  await page.locator('.ctab').first().click();
  await expect(page.locator('.entry .cmdline', { hasText: 'EVAL "if redis.call' })).toHaveCount(1);
  await expect(page.locator('.entry .cmdline').last()).toContainText('DEL lock');
  await page.locator('.ctab').nth(1).click();
  await expect(page.locator('.entry .cmdline', { hasText: 'SET lock B-' }).first()).toBeVisible();
  await expect(page.locator('.entry .cmdline').last()).toContainText('GET lock');
  await expect(lastReply(page)).toHaveText('(nil)');
});

test('a WATCH broken from a second tab: the watch turns dirty and EXEC prints (nil)', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SET balance 100');
  await run(page, 'WATCH balance');
  await run(page, 'MULTI');
  await expect(lastReply(page)).toHaveText('OK');
  // redis-cli's prompt inside MULTI.
  await expect(page.locator('.inputline .prompt')).toHaveText('127.0.0.1:6379(TX)>');
  await run(page, 'DECRBY balance 30');
  await expect(lastReply(page)).toHaveText('QUEUED');
  await expect(page.locator('.entry .prompt').last()).toHaveText('127.0.0.1:6379(TX)>');
  const mine = page.getByLabel('Client 1 transaction');
  await expect(mine.locator('.txstate')).toHaveText('in MULTI (TX)');
  await expect(mine.getByLabel('Client 1 queue', { exact: true }).locator('.qcmd')).toHaveText(['DECRBY balance 30']);
  await expect(mine.locator('.wkey')).toHaveText(['balance']);
  await expect(mine.locator('.wkey.dirty')).toHaveCount(0);
  // Another tab writes the watched key.
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'SET balance 0');
  await expect(lastReply(page)).toHaveText('OK');
  await openPanel(page);
  await expect(mine.locator('.wkey.dirty')).toHaveText(['balance']);
  await expect(mine.locator('.broken')).toContainText('Client 2 ran SET balance 0');
  // Back in the first tab, EXEC runs nothing.
  await page.locator('.ctab').first().click();
  await run(page, 'EXEC');
  await expect(lastReply(page)).toHaveText('(nil)');
  await expect(mine.locator('.verdict.aborted')).toContainText('EXEC → (nil)');
  await expect(mine.locator('.verdict.aborted')).toContainText('Client 2');
  await expect(page.locator('.inputline .prompt')).toHaveText('127.0.0.1:6379>');
  await run(page, 'GET balance');
  await expect(lastReply(page)).toHaveText('"0"');
  // A queueing error: EXEC will abort.
  await run(page, 'MULTI');
  await run(page, 'NOSUCHCOMMAND');
  await expect(mine.locator('.abort')).toContainText('EXECABORT');
  await run(page, 'EXEC');
  await expect(lastReply(page)).toContainText('EXECABORT');
});

test('a script trace: every call with its reply, where it stopped, and the writes that stay', async ({ page }) => {
  await page.goto('./');
  await run(page, 'DEL stock orders');
  await run(page, `EVAL "redis.call('SET', KEYS[1], 10) redis.call('INCR', KEYS[2]) redis.call('LPUSH', KEYS[1], 'x') return 'done'" 2 stock orders`);
  await expect(lastReply(page)).toContainText('WRONGTYPE');
  const trace = page.getByLabel('Script trace');
  await expect(trace.locator('.call')).toHaveCount(3);
  await expect(trace.locator('.call .args')).toHaveText(['SET stock 10', 'INCR orders', 'LPUSH stock x']);
  await expect(trace.locator('.call .creply')).toHaveText(['OK', '(integer) 1', /WRONGTYPE/]);
  await expect(trace.locator('.call.wrote')).toHaveCount(2);
  await expect(trace.locator('.call.stopped')).toHaveCount(1);
  await expect(trace.locator('.call.stopped')).toContainText('LPUSH stock x');
  await expect(trace.locator('.norollback')).toContainText('2 write(s) before the error stay written');
  await run(page, 'MGET stock orders');
  await expect(lastReply(page)).toHaveText('1) "10"\n2) "1"');
  // redis.pcall hands the error back and the script carries on.
  await openPanel(page);
  await page.getByRole('button', { name: 'Demo: redis.pcall carries on' }).click();
  await expect(lastReply(page)).toHaveText(/^"caught: WRONGTYPE/);
  await expect(trace.locator('.call')).toHaveCount(2);
  await expect(trace.locator('.call.error .badge.caught')).toHaveCount(1);
  await expect(trace.locator('.call.stopped')).toHaveCount(0);
});

test('Lua in the console: a multi-line paste is one EVAL, the editor runs and loads scripts, a SHA-1 fills EVALSHA', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SET greeting hello');
  await page.getByLabel('Command').focus();
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text', `EVAL "local v = redis.call('GET', KEYS[1])\nreturn v .. ' world'" 1 greeting\nSTRLEN greeting\n`);
    document.getElementById('console-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.locator('.entry')).toHaveCount(3);
  await expect(page.locator('.entry .reply').nth(1)).toHaveText('"hello world"');
  await expect(lastReply(page)).toHaveText('(integer) 5');
  // The editor: a two-line script, run with EVAL, then cached with SCRIPT LOAD.
  await page.getByText('Lua script editor').click();
  await page.getByLabel('Lua script').fill("local n = redis.call('INCR', KEYS[1])\nreturn n * 2");
  await page.getByLabel('Script keys and arguments').fill('1 hits');
  await page.getByRole('button', { name: 'EVAL', exact: true }).click();
  await expect(lastReply(page)).toHaveText('(integer) 2');
  await expect(page.locator('.entry .cmdline').last()).toContainText('EVAL "local n = redis.call(\'INCR\', KEYS[1])\\nreturn n * 2" 1 hits');
  await page.getByRole('button', { name: 'SCRIPT LOAD' }).click();
  const sha = page.locator('.entry .reply .sha').last();
  await expect(sha).toHaveText(/^"[0-9a-f]{40}"$/);
  const hex = (await sha.textContent()).replace(/"/g, '');
  await sha.click();
  await expect(page.getByLabel('Command')).toHaveValue(`EVALSHA ${hex} 0`);
  await run(page, `EVALSHA ${hex} 1 hits`);
  await expect(lastReply(page)).toHaveText('(integer) 4');
});
