// SHUTDOWN in the page: the engine stops and starts again from its files, as a
// redis-server restarted on its dump.rdb would. Without save points, what changed
// since the last SAVE is gone; SHUTDOWN SAVE keeps it.
const { test, expect } = require('@playwright/test');
const { run, lastReply, open } = require('./console-helpers');

test('SHUTDOWN restarts the engine from what was saved', async ({ page }) => {
  await open(page);
  await run(page, 'CONFIG SET save ""');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'SET kept 1');
  await run(page, 'SAVE');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'SET lost 1');
  await expect(lastReply(page)).toHaveText('OK');
  await run(page, 'SHUTDOWN');
  await run(page, 'EXISTS kept lost');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  await run(page, 'SET saved 1');
  await run(page, 'SHUTDOWN SAVE');
  await run(page, 'EXISTS kept saved');
  await expect(lastReply(page)).toHaveText('(integer) 2');
  await run(page, 'SHUTDOWN NOSAVE SAVE');
  await expect(lastReply(page)).toHaveText('(error) ERR syntax error');
});
