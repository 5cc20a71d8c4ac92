// The bitmap panel: the bit grid, hover offsets, ranges, BITOP view, zoom, the cap.
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

const panel = (page) => page.locator('.panel[data-panel="Bitmap"]');

test('SETBIT shows the bit grid, and hovering a cell tells its offset', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SETBIT visits 7 1');
  await expect(lastReply(page)).toHaveText('(integer) 0');
  await expect(panel(page).locator('.toolbar')).toContainText('visits — 1 bytes, 8 bits, 1 set');
  await run(page, 'SETBIT visits 12 1');
  await expect(panel(page).locator('.toolbar')).toContainText('2 bytes, 16 bits, 2 set');
  const grid = panel(page).locator('canvas.bitgrid');
  // 32 cells per row of 16 canvas pixels: bit 12 is the 13th cell of the first row.
  const scale = (await grid.boundingBox()).width / 512;
  await grid.hover({ position: { x: (12 * 16 + 8) * scale, y: 8 * scale } });
  await expect(panel(page).locator('.hover')).toHaveText('bit 12 (byte 1, bit 4 from its MSB) = 1');
  await run(page, 'BITCOUNT visits 0 10 BIT');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  await expect(panel(page).locator('.mark')).toHaveText('BITCOUNT covered bits 0..10: 1 set');
  await run(page, 'BITFIELD visits GET u4 4 GET i8 #1');
  await expect(panel(page).locator('.mark')).toContainText('u4 at bit 4: bits 4..7');
});

test('the daily-active-users demo shows BITOP inputs and output', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SETBIT x 0 1');
  await panel(page).getByRole('button', { name: 'Demo: daily active users' }).click();
  await expect(page.locator('.entry .cmdline').last()).toContainText('BITCOUNT dau:retained');
  const retained = Number((await lastReply(page).textContent()).replace('(integer) ', ''));
  expect(retained).toBeGreaterThan(0);
  await run(page, 'BITOP AND dau:retained dau:2024-06-01 dau:2024-06-02 dau:2024-06-03');
  await expect(panel(page).locator('.bitop .strip')).toHaveCount(4);
});

test('large bitmaps become a density map that zooms', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SETBIT big 1000000 1');
  await expect(panel(page)).toContainText('bits per cell');
  await panel(page).locator('canvas.bitgrid').click({ position: { x: 200, y: 100 } });
  await expect(panel(page)).toContainText('one cell per bit');
  await expect(panel(page).getByRole('button', { name: 'zoom out' })).toBeVisible();
  await panel(page).getByRole('button', { name: 'zoom out' }).click();
  await expect(panel(page).getByRole('button', { name: 'zoom out' })).toHaveCount(0);
});

test('a 512 MB bitmap is refused in the browser, the key unchanged and the tab alive', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SET bm x');
  await run(page, 'SETBIT bm 4294967295 1');
  await expect(lastReply(page)).toContainText("over the playground's value size limit");
  await run(page, 'GET bm');
  await expect(lastReply(page)).toHaveText('"x"');
  await run(page, 'SETBIT fresh 4294967295 1');
  await run(page, 'EXISTS fresh');
  await expect(lastReply(page)).toHaveText('(integer) 0');
  await run(page, 'PING');
  await expect(lastReply(page)).toHaveText('PONG');
});
