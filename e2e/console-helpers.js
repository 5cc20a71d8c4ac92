// What most specs do with the console: type a line into the active tab, read the last
// reply, open the app and wait until it can take commands.
const { expect } = require('@playwright/test');

async function run(page, line) {
  const input = page.getByLabel('Command');
  await input.fill(line);
  await input.press('Enter');
}

const lastReply = (page) => page.locator('.entry .reply').last();

async function open(page, url = './') {
  await page.goto(url);
  await expect(page.getByLabel('Command')).toBeVisible();
}

module.exports = { run, lastReply, open };
