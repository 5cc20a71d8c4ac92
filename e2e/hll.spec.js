// The HyperLogLog panel: registers, the last element's hash, estimate against exact.
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

test('PFADD brings the HLL panel forward and shows registers, hash and estimate', async ({ page }) => {
  await page.goto('./');
  await run(page, 'PFADD visitors alice bob carol');
  await expect(lastReply(page)).toHaveText('(integer) 1');
  const panel = page.locator('.panel[data-panel="HyperLogLog"]');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.toolbar')).toContainText('visitors — sparse');
  await expect(panel).toContainText('3 of 16384 registers set');
  await expect(panel.locator('.est')).toHaveText('3');
  await expect(panel.locator('.exact')).toHaveText('3');
  // The last element's hash: 14 index bits, then the run of zeros.
  await expect(panel.locator('.hash')).toContainText('last element carol');
  await expect(panel.locator('.bits .index')).toHaveText(/^[01]{14}$/);
  const heat = await panel.locator('canvas.heat').first().evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, 128, 128).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 40 || d[i + 1] > 40) lit++;
    return lit;
  });
  expect(heat).toBeGreaterThanOrEqual(3);
});

test('adding random elements grows the estimate, promotes to dense, and stays near the truth', async ({ page }) => {
  await page.goto('./');
  await run(page, 'PFADD visitors seed');
  const panel = page.locator('.panel[data-panel="HyperLogLog"]');
  await panel.getByRole('button', { name: 'Add 1000', exact: true }).click();
  await expect(panel.locator('.exact')).toHaveText('1001');
  await expect(panel.locator('.toolbar')).toContainText('sparse');
  await panel.getByRole('button', { name: 'Add 10000', exact: true }).click();
  await expect(panel.locator('.exact')).toHaveText('11001');
  await expect(panel.locator('.toolbar')).toContainText('dense, 12304 bytes');
  const est = Number(await panel.locator('.est').textContent());
  expect(Math.abs(est - 11001) / 11001).toBeLessThan(0.03);
  await expect(panel.locator('.errchart .promo')).toHaveCount(1);
  await run(page, 'PFCOUNT visitors');
  await expect(lastReply(page)).toHaveText(`(integer) ${est}`);
  // The PFMERGE view shows the register-wise maximum of two HLLs.
  await run(page, 'PFADD other x y z');
  await run(page, 'PFCOUNT visitors');
  await panel.getByLabel('Second HLL key').fill('other');
  await expect(panel.locator('.merge canvas')).toHaveCount(2);
});
