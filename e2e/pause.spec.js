// CLIENT PAUSE between console tabs: each tab is a client. A command the pause holds
// waits in its tab (shown paused, the input closed) and runs when the pause ends or
// another tab lifts it, as Redis 7.0 postpones a connection's command. WRITE pauses let
// reads through; a plain (ALL) pause holds every client's commands, the pausing client's
// own and another's CLIENT UNPAUSE included (checked against redis-server 7.0.15).
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

const tab = (page, i) => page.locator('.ctab').nth(i);
const input = (page) => page.getByLabel('Command');
const PAUSED = '(paused… CLIENT PAUSE holds it';

async function newTab(page, count) {
  await page.getByRole('button', { name: '+ client' }).click();
  await expect(page.locator('.ctab')).toHaveCount(count);
}

async function expectPaused(page) {
  await expect(lastReply(page)).toContainText(PAUSED);
  await expect(input(page)).toBeDisabled();
  await expect(input(page)).toHaveAttribute('placeholder', /^paused: CLIENT PAUSE holds this client's command/);
}

test('CLIENT PAUSE WRITE holds another tab\'s write, lets reads run, and CLIENT UNPAUSE releases it', async ({ page }) => {
  await page.goto('./');
  await run(page, 'CLIENT PAUSE 60000 WRITE');
  await expect(lastReply(page)).toHaveText('OK');
  // A second tab's write waits.
  await newTab(page, 2);
  await run(page, 'SET a 1');
  await expectPaused(page);
  // A read in the first tab runs meanwhile, and does not see the held write.
  await tab(page, 0).click();
  await expect(input(page)).toBeEnabled();
  await run(page, 'GET a');
  await expect(lastReply(page)).toHaveText('(nil)');
  await tab(page, 1).click();
  await expectPaused(page);
  // The first tab lifts the pause: the held SET runs and its reply fills its entry.
  await tab(page, 0).click();
  await run(page, 'CLIENT UNPAUSE');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'GET a');
  await expect(lastReply(page)).toHaveText('"1"');
  await tab(page, 1).click();
  await expect(lastReply(page)).toHaveText('OK');
  await expect(page.locator('.entry .reply.pending')).toHaveCount(0);
  await expect(input(page)).toBeEnabled();
  await expect(page.locator('.entry .cmdline').last()).toContainText('SET a 1');

  // A short pause ends by itself (the engine's clock, checked each tick): the held
  // write runs then, with no one lifting it.
  await tab(page, 0).click();
  await run(page, 'CLIENT PAUSE 300 WRITE');
  await expect(lastReply(page)).toHaveText('OK');
  await tab(page, 1).click();
  await run(page, 'SET b 2');
  await expect(lastReply(page)).toHaveText('OK');
  await expect(input(page)).toBeEnabled();
  await run(page, 'GET b');
  await expect(lastReply(page)).toHaveText('"2"');
});

test('CLIENT PAUSE (ALL) holds reads too, the pausing tab\'s own, and another tab\'s CLIENT UNPAUSE', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SET a 1');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'CLIENT PAUSE 60000');
  await expect(lastReply(page)).toHaveText('OK');
  await newTab(page, 2);
  await run(page, 'GET a');
  await expectPaused(page);
  // Redis 7.0 postpones CLIENT UNPAUSE itself under an ALL pause.
  await newTab(page, 3);
  await run(page, 'CLIENT UNPAUSE');
  await expectPaused(page);
  // The pausing client is held as well.
  await tab(page, 0).click();
  await expect(input(page)).toBeEnabled();
  await run(page, 'GET a');
  await expectPaused(page);
  await tab(page, 1).click();
  await expectPaused(page);
});

test('a short CLIENT PAUSE (ALL) ends by itself and the held commands run in order', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SET a 1');
  await run(page, 'CLIENT PAUSE 300');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'GET a');
  await expect(lastReply(page)).toHaveText('"1"');
  await expect(input(page)).toBeEnabled();
  await run(page, 'INCR a');
  await expect(lastReply(page)).toHaveText('(integer) 2');
});

test('a held BLPOP that runs when the pause is lifted blocks, and its reply comes when another tab pushes', async ({ page }) => {
  await page.goto('./');
  await run(page, 'CLIENT PAUSE 60000 WRITE');
  await expect(lastReply(page)).toHaveText('OK');
  await newTab(page, 2);
  await run(page, 'BLPOP q 0');
  await expectPaused(page);
  await tab(page, 0).click();
  await run(page, 'CLIENT UNPAUSE');
  await expect(lastReply(page)).toHaveText('OK');
  // Released, the BLPOP runs and blocks: its tab now waits as a blocked client's.
  await tab(page, 1).click();
  await expect(input(page)).toHaveAttribute('placeholder', /^blocked: waiting for data/);
  await expect(input(page)).toBeDisabled();
  await expect(lastReply(page)).not.toContainText(PAUSED);
  await tab(page, 0).click();
  await run(page, 'RPUSH q x');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  await tab(page, 1).click();
  await expect(lastReply(page)).toHaveText('1) "q"\n2) "x"');
  await expect(input(page)).toBeEnabled();
});
