// Pub/Sub, keyspace notifications, MONITOR and the slow log in the browser: messages
// arriving live in a subscribed tab (also while another tab is in front), the messaging
// panel's delivered-vs-lost demo, the session-expiry notification, MONITOR seeing another
// tab's command, Ctrl-C leaving reading mode, and the slow log's KEYS * demo.
const { test, expect } = require('@playwright/test');
const { run } = require('./console-helpers');

const tab = (page, i) => page.locator('.ctab').nth(i);
const transcript = (page) => page.locator('.transcript');
const streamed = (page) => page.locator('.entry.stream .reply');

test('a subscribed tab prints each message as redis-cli does, live, and counts unread ones while hidden', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SUBSCRIBE news');
  await expect(page.locator('.entry .reply').last()).toHaveText(
    'Reading messages... (press Ctrl-C to quit)\n1) "subscribe"\n2) "news"\n3) (integer) 1');
  await expect(tab(page, 0).locator('.mode')).toHaveText('SUB');
  await expect(page.getByRole('button', { name: 'Stop (Ctrl-C) 중지' })).toBeVisible();
  // A second tab publishes: PUBLISH answers 1 there.
  await page.getByRole('button', { name: '+ client' }).click();
  await expect(page.locator('.ctab')).toHaveCount(2);
  await run(page, 'PUBLISH news "hello there"');
  await expect(page.locator('.entry .reply').last()).toHaveText('(integer) 1');
  // Client 1 is not in front: its header counts the message.
  await expect(tab(page, 0).locator('.unread')).toHaveText('1');
  await run(page, 'PUBLISH news again');
  await expect(tab(page, 0).locator('.unread')).toHaveText('2');
  await tab(page, 0).click();
  await expect(tab(page, 0).locator('.unread')).toHaveCount(0);
  await expect(streamed(page)).toHaveText([
    '1) "message"\n2) "news"\n3) "hello there"',
    '1) "message"\n2) "news"\n3) "again"',
  ]);
  // In subscribed mode (RESP2) other commands are refused, as Redis refuses them.
  await run(page, 'GET x');
  await expect(page.locator('.entry .reply').last()).toContainText("Can't execute 'get'");
  // Ctrl-C leaves the mode: the tab's client is RESET, and the console says so.
  await page.getByLabel('Command').press('Control+c');
  await expect(page.locator('.entry .cmdline').last()).toContainText('RESET');
  await expect(streamed(page).last()).toContainText('left subscribed mode');
  await expect(tab(page, 0).locator('.mode')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Stop (Ctrl-C) 중지' })).toHaveCount(0);
  // Nobody listens now.
  await tab(page, 1).click();
  await run(page, 'PUBLISH news gone');
  await expect(page.locator('.entry .reply').last()).toHaveText('(integer) 0');
});

test('patterns: PSUBSCRIBE receives pmessage lines', async ({ page }) => {
  await page.goto('./');
  await run(page, 'PSUBSCRIBE news.*');
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'PUBLISH news.sport goal');
  await tab(page, 0).click();
  await expect(streamed(page).last()).toHaveText('1) "pmessage"\n2) "news.*"\n3) "news.sport"\n4) "goal"');
  // The Stop button leaves, like Ctrl-C.
  await page.getByRole('button', { name: 'Stop (Ctrl-C) 중지' }).click();
  await expect(tab(page, 0).locator('.mode')).toHaveCount(0);
});

test('messaging panel demo: the message published before anyone subscribed is lost, the one after is delivered', async ({ page }) => {
  await page.goto('./');
  await page.getByRole('tab', { name: 'Pub/Sub' }).click();
  await expect(page.locator('.msgp')).toContainText('at most once');
  // One language at a time (the Korean text is checked in i18n.spec.js).
  await expect(page.locator('.msgp')).not.toContainText('최대 한 번');
  await page.getByRole('button', { name: 'Demo: delivered vs lost' }).click();
  await expect(page.locator('.ctab')).toHaveCount(2);
  const rows = page.getByLabel('Recent messages').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  // Newest first: the second message reached Client 1, the first reached nobody.
  await expect(rows.nth(0)).toHaveClass(/delivered/);
  await expect(rows.nth(0)).toContainText('second: someone is listening now');
  await expect(rows.nth(0).locator('.to')).toHaveText('Client 1');
  await expect(rows.nth(0)).toContainText('Client 2');
  await expect(rows.nth(1)).toHaveClass(/lost/);
  await expect(rows.nth(1)).toContainText('first: nobody is listening yet');
  await expect(rows.nth(1).locator('.to')).toContainText('LOST');
  // The flow: news → Client 1; Client 2 published to news.
  await expect(page.locator('.msgp .channel[data-channel="news"]')).toContainText('Client 1');
  await expect(page.locator('.msgp .publisher')).toContainText('Client 2 → "news"');
  // Both transcripts have the commands; Client 1 got exactly one message.
  await tab(page, 0).click();
  await expect(streamed(page)).toHaveText(['1) "message"\n2) "news"\n3) "second: someone is listening now"']);
  await tab(page, 1).click();
  await expect(page.locator('.entry .reply')).toHaveText(['(integer) 0', '(integer) 1']);
});

test('session expiry demo: the expired event arrives in the subscribed tab and in the notification feed', async ({ page }) => {
  await page.goto('./');
  const notes = page.getByRole('region', { name: 'Keyspace notifications' });
  // Off by default: the feed says how to turn it on.
  await expect(notes.locator('.notify-off')).toContainText('CONFIG SET notify-keyspace-events KEA');
  await run(page, 'SET a 1');
  await expect(notes.locator('.noteline')).toHaveCount(0);
  await page.getByRole('button', { name: 'Demo: session expiry (세션 만료 알림)' }).click();
  await expect(page.locator('.ctab')).toHaveCount(2);
  await expect(notes.locator('h4')).toContainText('notify-keyspace-events xE');
  // Ex publishes expiries only: the SET itself is not announced.
  await expect(notes.locator('.noteline')).toHaveCount(0);
  // About 3 s later active expiry removes session:42 and publishes it.
  await expect(notes.locator('.noteline').first()).toHaveText('"__keyevent@0__:expired" "session:42"', { timeout: 30_000 });
  await expect(tab(page, 0).locator('.unread')).toHaveText('1');
  await tab(page, 0).click();
  await expect(streamed(page).last()).toHaveText('1) "message"\n2) "__keyevent@0__:expired"\n3) "session:42"');
  // With KEA every class shows, filtered live.
  await tab(page, 1).click();
  await run(page, 'CONFIG SET notify-keyspace-events KEA');
  await run(page, 'SET user:1 bob');
  await expect(notes.locator('.noteline').nth(0)).toHaveText('"__keyevent@0__:set" "user:1"');
  await expect(notes.locator('.noteline').nth(1)).toHaveText('"__keyspace@0__:user:1" "set"');
  await run(page, 'CONFIG SET notify-keyspace-events ""');
  await expect(notes.locator('.notify-off')).toBeVisible();
});

test('MONITOR in one tab shows another tab\'s command', async ({ page }) => {
  await page.goto('./');
  await run(page, 'MONITOR');
  await expect(page.locator('.entry .reply').last()).toHaveText('OK');
  await expect(tab(page, 0).locator('.mode')).toHaveText('MON');
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'SET monitored yes');
  await tab(page, 0).click();
  await expect(streamed(page).last()).toHaveText(/^\d+\.\d{6} \[0 console:2\] "SET" "monitored" "yes"$/);
  await page.getByLabel('Command').press('Control+c');
  await expect(streamed(page).last()).toContainText('left MONITOR');
  await tab(page, 1).click();
  await run(page, 'SET unseen 1');
  await tab(page, 0).click();
  await expect(transcript(page)).not.toContainText('"unseen"');
});

test('slow log demo: KEYS * over 100k keys is logged with its measured duration', async ({ page }) => {
  await page.goto('./');
  // The tab in front is subscribed (it may not run KEYS): the demo uses a free tab.
  await run(page, 'SUBSCRIBE news');
  await page.getByRole('button', { name: '+ client' }).click();
  await tab(page, 0).click();
  await page.getByRole('tab', { name: 'Slow log' }).click();
  await expect(page.locator('.slowp')).toContainText('No SLOWLOG GET yet');
  await page.getByRole('button', { name: 'Demo: a slow KEYS * over 100k keys' }).click();
  const table = page.getByLabel('Slow log entries');
  const keys = table.locator('.slowrow', { hasText: '"KEYS" "*"' });
  await expect(keys).toHaveCount(1, { timeout: 60_000 });
  await expect(keys.locator('.dur')).toHaveText(/^\d+ µs$/);
  const us = Number((await keys.locator('.dur').textContent()).replace(/\D/g, ''));
  expect(us).toBeGreaterThanOrEqual(1000);
  await expect(keys).toContainText('console:2');
  await expect(page.locator('.slowlen')).toHaveText(/SLOWLOG LEN: [1-9]/);
  // Client 2's console printed the same entries (the panel read the reply's data).
  await tab(page, 1).click();
  await expect(page.locator('.entry .cmdline', { hasText: 'SLOWLOG GET 10' })).toHaveCount(1);
  await expect(page.locator('.entry .cmdline', { hasText: 'KEYS *' })).toHaveCount(1);
  await page.getByRole('button', { name: 'SLOWLOG RESET (초기화)' }).click();
  await expect(page.locator('.slowlen')).toHaveText('SLOWLOG LEN: 0');
  await expect(page.locator('.slowp')).toContainText('The slow log is empty');
});

test('a subscriber over client-output-buffer-limit pubsub is disconnected: its tab says so and is reconnected (RESET)', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SUBSCRIBE news');
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'CONFIG SET client-output-buffer-limit "pubsub 1024 0 0"');
  await expect(page.locator('.entry .reply').last()).toHaveText('OK');
  await run(page, `PUBLISH news ${'x'.repeat(2000)}`);
  await expect(page.locator('.entry .reply').last()).toHaveText('(integer) 1');
  await tab(page, 0).click();
  await expect(streamed(page).last()).toContainText('Error: Server closed the connection');
  await expect(streamed(page).last()).toContainText('1 undelivered message(s) dropped');
  await expect(transcript(page)).not.toContainText('xxxxxxxxxx');
  await expect(tab(page, 0).locator('.mode')).toHaveCount(0);
  await run(page, 'PING');
  await expect(page.locator('.entry .reply').last()).toHaveText('PONG');
});

test('a RESP3 subscriber may publish to itself: the message is printed before the reply', async ({ page }) => {
  await page.goto('./');
  await run(page, 'HELLO 3');
  await run(page, 'SUBSCRIBE me');
  await run(page, 'PUBLISH me hi');
  await expect(page.locator('.entry .reply').last()).toHaveText('1) "message"\n2) "me"\n3) "hi"\n(integer) 1');
});

test('hostile: binary channel names and a burst of 40,000 notifications do not break the page', async ({ page }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('./');
  await run(page, 'PSUBSCRIBE *');
  await page.getByRole('button', { name: '+ client' }).click();
  await run(page, 'PUBLISH "\\x00\\xff bin" "\\xfe\\n"');
  await expect(page.locator('.entry .reply').last()).toHaveText('(integer) 1');
  await run(page, 'CONFIG SET notify-keyspace-events KEA');
  await run(page, `EVAL "for i=1,20000 do redis.call('SET','burst:'..i,i) end" 0`);
  await expect(page.locator('.entry .reply').last()).toHaveText('(nil)');
  // Client 1 got them all in one batch: the badge counts each message.
  await expect(tab(page, 0).locator('.unread')).toHaveText('40001');
  await tab(page, 0).click();
  await expect(streamed(page).first()).toHaveText('1) "pmessage"\n2) "*"\n3) "\\x00\\xff bin"\n4) "\\xfe\\n"');
  await expect(page.locator('.entry.stream .more')).toContainText('more lines');
  await page.getByRole('tab', { name: 'Pub/Sub' }).click();
  await expect(page.getByLabel('Recent messages').locator('tbody tr')).toHaveCount(50);
  await page.getByLabel('Command').press('Control+c');
  await run(page, 'PING');
  await expect(page.locator('.entry .reply').last()).toHaveText('PONG');
  expect(errors).toEqual([]);
});
