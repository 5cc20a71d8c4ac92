// Sorted sets in the browser: a blocking pop in one client tab woken by another tab.
const { test, expect } = require('@playwright/test');

async function run(page, line) {
  const input = page.getByLabel('Command');
  await input.fill(line);
  await input.press('Enter');
}
const lastReply = (page) => page.locator('.entry .reply').last();

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
  await run(page, 'BZPOPMAX nothing-here 0.4');
  await expect(lastReply(page)).toHaveText('(waiting… another client can wake this one)');
  await expect(lastReply(page)).toHaveText('(nil)', { timeout: 3000 });
});
