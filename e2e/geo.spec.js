// The geo panel: the map, places, the search circle, the scanned cells, clicks.
const { test, expect } = require('@playwright/test');
const { run, lastReply } = require('./console-helpers');

const panel = (page) => page.locator('.panel[data-panel="Geo"]');

test('GEOADD puts places on the map and GEOSEARCH draws its circle, cells and matches', async ({ page }) => {
  await page.goto('./');
  await run(page, 'GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania');
  await expect(lastReply(page)).toHaveText('(integer) 2');
  await expect(panel(page).locator('path.land')).toHaveCount(1);
  await expect(panel(page).locator('circle.place')).toHaveCount(2);
  await run(page, 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 100 km ASC WITHDIST');
  await expect(lastReply(page)).toHaveText('1) 1) "Catania"\n   2) "56.4413"');
  await expect(panel(page).locator('polyline.shape')).toHaveCount(1);
  await expect(panel(page).locator('rect.cell')).not.toHaveCount(0);
  await expect(panel(page).locator('circle.place.hit')).toHaveCount(1);
  await expect(panel(page).locator('.geomatches')).toContainText('Catania 56.4413 km');
});

test('a click on the map fills GEOADD, or GEOSEARCH when asked', async ({ page }) => {
  await page.goto('./');
  await run(page, 'GEOADD places 0 0 origin');
  const map = panel(page).locator('svg.worldmap');
  const box = await map.boundingBox();
  await map.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(page.getByLabel('Command')).toHaveValue(/^GEOADD places -?0\.\d{4} -?0\.\d{4} $/);
  await panel(page).getByLabel(/a click on the map fills GEOSEARCH/).check();
  await map.click({ position: { x: box.width * 0.75, y: box.height / 2 } });
  await expect(page.getByLabel('Command')).toHaveValue(/^GEOSEARCH places FROMLONLAT 9\d\.\d{4} -?0\.\d{4} BYRADIUS 1000 km ASC WITHDIST$/);
});

test('the world cities demo finds the cities near Paris', async ({ page }) => {
  await page.goto('./');
  await run(page, 'GEOADD x 0 0 a');
  await panel(page).getByRole('button', { name: 'Demo: world cities' }).click();
  await expect(page.locator('.entry .cmdline').last()).toContainText('GEOSEARCH cities FROMMEMBER Paris');
  await expect(lastReply(page)).toContainText('"London"');
  await expect(panel(page).locator('circle.place')).toHaveCount(40);
  await expect(panel(page).locator('.geomatches li').first()).toContainText('Paris 0.0000 km');
});
