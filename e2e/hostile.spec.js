// Hostile console input: NULs, control bytes, lone quotes, a 1 MB line, a paste of
// 10,000 lines, through the console and through window.kvlab.exec. None of it may kill
// the page's wasm module, and the page must still answer afterwards.
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

async function open(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('./');
  await expect(page.getByLabel('Command')).toBeVisible();
  return errors;
}

test('NULs, control bytes and lone quotes through kvlab.exec leave the page alive', async ({ page }) => {
  const errors = await open(page);
  const out = await page.evaluate(() => {
    const lines = ['PING\u0000', '\u0000\u0001\u0002', 'GET \u0000\u00ff', '\u0000',
      'SET a "b', "SET a 'b", 'ECHO "a"b', '\u000bPING\u000b', 'PING\rX', '"', "'",
      '\u0007\u0008\u001b[2J', 'ECHO "\\x00\\xff"'];
    return lines.map((l) => window.kvlab.exec(l));
  });
  // redis-cli reads a C string: a NUL ends the line.
  expect(out[0]).toBe('PONG\n');
  expect(out[1]).toBe('');
  expect(out[2]).toBe("(error) ERR wrong number of arguments for 'get' command\n");
  expect(out[3]).toBe('');
  expect(out[4]).toBe('Invalid argument(s)\n');
  expect(out[5]).toBe('Invalid argument(s)\n');
  expect(out[6]).toBe('Invalid argument(s)\n');
  expect(out[7]).toBe("(error) ERR unknown command 'PING\u000b', with args beginning with: \n");
  expect(out[8]).toBe('"X"\n');
  expect(out[12]).toBe('"\\x00\\xff"\n');
  expect(await page.evaluate(() => window.kvlab.exec('PING'))).toBe('PONG\n');
  await run(page, 'PING');
  await expect(lastReply(page)).toHaveText('PONG');
  expect(errors).toEqual([]);
});

test('an HTTP line in the console is dropped as Redis drops it', async ({ page }) => {
  const errors = await open(page);
  await run(page, 'POST / HTTP/1.1');
  await expect(lastReply(page)).toHaveText('Error: Server closed the connection');
  await run(page, 'PING');
  await expect(lastReply(page)).toHaveText('PONG');
  expect(errors).toEqual([]);
});

test('NULs typed into the console and a 1 MB line', async ({ page }) => {
  const errors = await open(page);
  await run(page, 'PING\u0000junk');
  await expect(lastReply(page)).toHaveText('PONG');
  const big = 'x'.repeat(1 << 20);
  const len = await page.evaluate((v) => window.kvlab.exec(`SET big ${v}`), big);
  expect(len).toBe('OK\n');
  await run(page, 'STRLEN big');
  await expect(lastReply(page)).toHaveText('(integer) 1048576');
  await run(page, `ECHO ${big}`);
  await expect(lastReply(page)).toContainText('xxxx');
  await run(page, 'PING');
  await expect(lastReply(page)).toHaveText('PONG');
  expect(errors).toEqual([]);
});

test('a paste of 10,000 lines runs them all and the page still answers', async ({ page }) => {
  const errors = await open(page);
  await page.getByLabel('Command').focus();
  await page.evaluate(() => {
    const lines = [];
    for (let i = 0; i < 10000; i++) lines.push(i % 1000 === 7 ? 'SET x "\u0000' : 'INCR pasted');
    const dt = new DataTransfer();
    dt.setData('text', lines.join('\n'));
    document.getElementById('console-input').dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  // 10 of the lines are an unbalanced quote (a NUL inside it): 9,990 increments.
  await expect(lastReply(page)).toHaveText('(integer) 9990', { timeout: 60_000 });
  await run(page, 'GET pasted');
  await expect(lastReply(page)).toHaveText('"9990"');
  expect(errors).toEqual([]);
});
