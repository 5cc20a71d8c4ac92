// Guided lessons in the browser: three lessons walked end to end, in English and in
// Korean, with a hint, a wrong answer that does not pass, a reset, undo, a deep link, two
// tabs, and the pipelining lab. Every wait polls until the page shows the state.
const { test, expect } = require('@playwright/test');
const { run } = require('./console-helpers');

const pane = (page) => page.locator('section.lessons');
const exec = async (page, line) => (await page.evaluate((l) => window.kvlab.exec(l), line)).trim();

test('English: lesson 1 from the list, a hint, a wrong answer, reset, then every step', async ({ page }) => {
  await page.goto('./');
  await run(page, 'SET freeplay:key kept');
  await page.getByRole('button', { name: 'Lessons', exact: true }).click();
  await expect(pane(page).getByRole('heading', { name: 'Lessons' })).toBeVisible();
  await pane(page).locator('.open-lesson[data-id="first-keys"]').click();
  await expect(pane(page)).toHaveAttribute('data-step', '1');
  await expect(page).toHaveURL(/#\/lessons\/first-keys\/1$/);
  // The lesson's own keyspace: the free-play key is put aside.
  expect(await exec(page, 'EXISTS freeplay:key')).toBe('(integer) 0');
  await expect(pane(page).locator('.task')).toContainText('Store the name `Minji`');
  await pane(page).getByRole('button', { name: 'Hint' }).click();
  await expect(pane(page).locator('.hints li')).toHaveCount(1);
  await pane(page).getByRole('button', { name: 'Another hint' }).click();
  await expect(pane(page).locator('.hints li').nth(1)).toContainText('shop:user:1001:name');
  // A wrong answer is not accepted.
  await run(page, 'SET user1001name Minji');
  await expect(page.locator('.entry .reply').last()).toHaveText('OK');
  await expect(pane(page)).toHaveAttribute('data-step', '1');
  await pane(page).getByRole('button', { name: 'Show goal' }).click();
  await expect(pane(page).locator('.lesson-goal')).toContainText('0 / 1 checks met');
  // Reset: the start state again (the wrong key is gone).
  await pane(page).getByRole('button', { name: 'Reset lesson' }).click();
  expect(await exec(page, 'EXISTS user1001name')).toBe('(integer) 0');
  await run(page, 'SET shop:user:1001:name Minji');
  await expect(pane(page)).toHaveAttribute('data-step', '2');
  await expect(pane(page).locator('.lesson-done')).toContainText('One key, one value');
  await expect(page).toHaveURL(/#\/lessons\/first-keys\/2$/);
  await run(page, 'SET shop:user:1001:email minji@example.com');
  await run(page, 'SCAN 0 MATCH shop:user:1001:*');
  await expect(pane(page)).toHaveAttribute('data-step', '3');
  // The step's panel came forward by itself.
  await run(page, 'HSET shop:user:1002 name Jisoo email jisoo@example.com');
  await expect(pane(page).locator('.lesson-finished')).toContainText('Lesson complete!');
  await expect(page.getByRole('tabpanel')).toHaveAttribute('data-panel', 'Hash');
  // Back in the list, the lesson is ticked; free play brings the old keyspace back.
  await pane(page).getByRole('button', { name: '← Lessons' }).click();
  await expect(pane(page).locator('li.finished .open-lesson[data-id="first-keys"]')).toBeVisible();
  await pane(page).locator('.open-lesson[data-id="always-ttl"]').click();
  await pane(page).getByRole('button', { name: 'Free play' }).click();
  await expect(pane(page)).toHaveCount(0);
  expect(await exec(page, 'GET freeplay:key')).toBe('"kept"');
});

test('deep link: the lock lesson at step 3 opens two tabs with the earlier steps replayed', async ({ page }) => {
  await page.goto('./#/lessons/distributed-lock/3');
  await expect(pane(page)).toHaveAttribute('data-lesson', 'distributed-lock');
  await expect(pane(page)).toHaveAttribute('data-step', '3');
  await expect(page.locator('.ctab')).toHaveCount(2);
  // Steps 1 and 2 were replayed: tab 1 holds the lock.
  expect(await exec(page, 'GET lock:order:42')).toBe('"token-a"');
  // The solution, typed into tab 2 with the "type it" button.
  await pane(page).getByRole('button', { name: 'Show solution' }).click();
  await pane(page).locator('.lesson-solution .fill').first().click();
  await expect(page.locator('.ctab.active')).toContainText('Client 2');
  await page.getByLabel('Command').press('Enter');
  await expect(pane(page)).toHaveAttribute('data-step', '4');
  expect(await exec(page, 'GET lock:order:42')).toBe('"token-a"');
  // Undo takes the step back, and the lesson's state with it.
  await pane(page).getByRole('button', { name: 'Undo' }).click();
  await expect(pane(page)).toHaveAttribute('data-step', '3');
});

test('Korean: the switch, the pipelining lab, and a two-tab Pub/Sub lesson run by its solution', async ({ page }) => {
  await page.goto('./');
  await page.getByRole('button', { name: '한국어' }).click();
  await expect(page.locator('.tagline')).toContainText('브라우저 속 Redis 7.0');
  await page.getByRole('button', { name: '강의', exact: true }).click();
  await expect(pane(page).getByRole('heading', { name: '강의' })).toBeVisible();
  await pane(page).locator('.open-lesson[data-id="pipelining"]').click();
  await expect(pane(page).locator('.task')).toContainText('배치 크기 1');
  const lab = pane(page).getByLabel('파이프라이닝 실험실');
  await lab.locator('.lab-n').fill('10000');
  await lab.locator('.lab-batch').fill('1');
  await lab.getByRole('button', { name: '실행' }).click();
  await expect(lab.locator('.lab-report')).toContainText('10000 왕복');
  await expect(pane(page)).toHaveAttribute('data-step', '2');
  await expect(pane(page).locator('.lesson-done')).toContainText('1ms 왕복 10,000번');
  await lab.locator('.lab-batch').fill('500');
  await lab.getByRole('button', { name: '실행' }).click();
  await expect(pane(page).locator('.lesson-finished')).toContainText('강의 완료!');
  expect(await exec(page, 'GET hits')).toBe('"20000"');
  // The language is remembered.
  await page.reload();
  await expect(page.locator('.tagline')).toContainText('브라우저 속');
  // Pub/Sub between two tabs, from the lesson's own solution button.
  await page.goto('./#/lessons/pubsub/1');
  await expect(pane(page)).toHaveAttribute('data-lesson', 'pubsub');
  await expect(pane(page).locator('.task')).toContainText('탭 2에서 `news`를 구독');
  await pane(page).getByRole('button', { name: '해답 보기' }).click();
  await pane(page).getByRole('button', { name: '해답 실행' }).click();
  await expect(pane(page)).toHaveAttribute('data-step', '2');
  await expect(pane(page).locator('.lesson-done')).toContainText('즉시 전달');
  await expect(page.getByRole('tab', { name: 'Pub/Sub' })).toHaveAttribute('aria-selected', 'true');
});

test('ACL lesson: tab 2 logged in as reader shows it, and its SET gets a NOPERM in the console', async ({ page }) => {
  await page.goto('./#/lessons/acl/3');
  await expect(pane(page)).toHaveAttribute('data-step', '3');
  await expect(page.locator('.ctab').nth(1).locator('.user')).toHaveText('@reader');
  await page.locator('.ctab').nth(1).click();
  await run(page, 'GET cache:home');
  await expect(page.locator('.entry .reply').last()).toHaveText('"page-v1"');
  await run(page, 'SET cache:home hacked');
  await expect(page.locator('.entry .reply').last()).toContainText("(error) NOPERM this user has no permissions to run the 'set' command");
  await expect(pane(page)).toHaveAttribute('data-step', '4');
  expect(await exec(page, 'GET cache:home')).toBe('"page-v1"');
});
