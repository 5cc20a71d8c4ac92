const { test, expect } = require('@playwright/test');
const { run } = require('./console-helpers');

function lastReply(page) {
  return page.locator('.entry .reply').last();
}

test('SET then GET prints what redis-cli prints', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByLabel('Command')).toBeVisible();
  await run(page, 'SET greeting hello');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'GET greeting');
  await expect(lastReply(page)).toHaveText('"hello"');
  await run(page, 'INCR greeting');
  await expect(lastReply(page)).toHaveText('(error) ERR value is not an integer or out of range');
  await expect(lastReply(page)).toHaveClass(/error/);
  await run(page, 'MGET greeting nosuch');
  await expect(lastReply(page)).toHaveText('1) "hello"\n2) (nil)');
});

test('window.kvlab.exec shares the keyspace with the console', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByLabel('Command')).toBeVisible();
  const out = await page.evaluate(() => window.kvlab.exec('SET fromdevtools 42'));
  expect(out).toBe('OK\n');
  await run(page, 'GET fromdevtools');
  await expect(lastReply(page)).toHaveText('"42"');
});

test('history with the arrow keys survives a reload', async ({ page }) => {
  await page.goto('./');
  await run(page, 'ECHO first');
  await run(page, 'ECHO second');
  await page.reload();
  const input = page.getByLabel('Command');
  await expect(input).toBeVisible();
  await input.press('ArrowUp');
  await expect(input).toHaveValue('ECHO second');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('ECHO first');
  await input.press('ArrowDown');
  await expect(input).toHaveValue('ECHO second');
});

test('the build works under a sub-path', async ({ page }) => {
  await page.goto('/kvlab/');
  await run(page, 'PING');
  await expect(lastReply(page)).toHaveText('PONG');
});
