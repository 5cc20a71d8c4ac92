// The app's own words in English and Korean: the language switch in the header changes
// the console's and the panels' texts (never Redis's replies), and switching back
// brings English back.
const { test, expect } = require('@playwright/test');

const input = (page) => page.locator('#console-input');

async function run(page, line) {
  await input(page).fill(line);
  await input(page).press('Enter');
}

const panels = (page) => page.locator('aside.panels');
const panelTab = (page, title) => page.locator(`button.ptab[data-panel="${title}"]`);

// Per panel: Korean texts that must show, and English sentences that must be gone.
const KOREAN = {
  Stats: {
    shows: ['키스페이스 적중률', '사용 메모리', '축출된 키', '1초에 한 번 측정'],
    gone: ['keyspace hit rate', 'used memory', 'evicted keys', 'expired keys', 'one sample a second'],
  },
  Memory: {
    shows: ['시뮬레이터: 데이터베이스 앞의 캐시', '데모: LFU는 핫 키를 남긴다', '모든 정책 비교', '별도의 엔진에서 가상 시계로 실행합니다'],
    gone: [
      'Simulator: a cache in front of a database',
      'Eviction runs before each command',
      'Demo: LFU keeps the hot keys',
      'Compare all policies',
      'Runs in its own engine on a simulated clock',
      'What LRU and LFU see',
      'None yet. When memory goes over maxmemory',
    ],
  },
  'Transactions & scripts': {
    shows: ['콘솔 탭마다 별도의 클라이언트입니다', '트랜잭션 밖', '두 클라이언트 사이의 분산 락', 'lock: 비어 있음 (키 없음)'],
    gone: [
      'Each console tab is its own client',
      'not in a transaction',
      'A lock between two clients',
      'Demo: check-and-set with WATCH',
      'Demo: two tabs race for a lock',
      'lock: free (no key)',
      'Either way what was written stays',
    ],
  },
  'Pub/Sub': {
    shows: ['최대 한 번', '최근 메시지', '발행자', '데모: 전달과 유실'],
    gone: [
      'Pub/Sub delivers at most once',
      'Recent messages',
      'Nothing published yet',
      'No subscriptions. Try SUBSCRIBE',
      'Demo: delivered vs lost',
      'received by',
    ],
  },
  Keyspace: {
    shows: ['빅 키 찾기', '타입', '인코딩', 'SCAN 커서', '바이트, TTL'],
    gone: ['Find big keys', 'cluster mode', 'SCAN cursor', 'previous', ' bytes, TTL'],
  },
};

test('the language switch turns the console and the panels to Korean and back', async ({ page }) => {
  await page.goto('./');
  await expect(input(page)).toBeVisible();
  await page.getByRole('button', { name: '한국어' }).click();
  await expect(page.locator('header.top')).toContainText('브라우저 속 Redis 7.0');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko');

  // The console's own words are Korean; Redis's replies stay Redis's.
  const transcript = page.locator('.transcript');
  await expect(transcript).toContainText('KV Lab은 Redis 7.0으로 대화합니다');
  await expect(transcript).not.toContainText('KV Lab speaks Redis 7.0');
  await expect(page.locator('.newtab')).toHaveText('+ 클라이언트');
  await expect(page.getByLabel('명령', { exact: true })).toBeVisible();
  await run(page, 'SET greeting hello');
  await expect(page.locator('.entry .reply').last()).toHaveText('OK');
  await run(page, 'GET nosuchkey');
  await expect(page.locator('.entry .reply').last()).toHaveText('(nil)');
  await run(page, 'INCR greeting');
  await expect(page.locator('.entry .reply').last()).toHaveText('(error) ERR value is not an integer or out of range');
  await expect(page.locator('.activity')).toContainText('활동 (키 이벤트');

  for (const [title, { shows, gone }] of Object.entries(KOREAN)) {
    await panelTab(page, title).click();
    if (title === 'Keyspace') {
      // Open the key's detail too.
      await panels(page).locator('tr.keyrow', { hasText: 'greeting' }).click();
    }
    for (const text of shows) {
      await expect(panels(page), `${title}: ${text}`).toContainText(text);
    }
    for (const text of gone) {
      await expect(panels(page), `${title}: ${text}`).not.toContainText(text);
    }
  }

  // The choice survives a reload.
  await page.reload();
  await expect(page.locator('header.top')).toContainText('브라우저 속 Redis 7.0');
  await expect(page.locator('.transcript')).toContainText('KV Lab은 Redis 7.0으로 대화합니다');

  // And back to English: the same panels speak English again.
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('.transcript')).toContainText('KV Lab speaks Redis 7.0');
  await expect(page.getByLabel('Command')).toBeVisible();
  await panelTab(page, 'Stats').click();
  await expect(panels(page)).toContainText('keyspace hit rate');
  await expect(panels(page)).not.toContainText('키스페이스 적중률');
  await panelTab(page, 'Memory').click();
  await expect(panels(page)).toContainText('Simulator: a cache in front of a database');
  await expect(panels(page)).not.toContainText('시뮬레이터');
  await panelTab(page, 'Transactions & scripts').click();
  await expect(panels(page)).toContainText('Each console tab is its own client');
  await expect(panels(page)).not.toContainText('콘솔 탭마다');
  await panelTab(page, 'Pub/Sub').click();
  await expect(panels(page)).toContainText('Pub/Sub delivers at most once');
  await expect(panels(page)).not.toContainText('최대 한 번');
  await panelTab(page, 'Keyspace').click();
  await expect(panels(page)).toContainText('Find big keys');
  await expect(panels(page)).not.toContainText('빅 키 찾기');
});

test('notices follow the language after they were raised', async ({ page }) => {
  await page.goto('./');
  await expect(input(page)).toBeVisible();
  // Share with nothing run yet raises a notice.
  await page.getByRole('button', { name: 'Share' }).click();
  const notice = page.locator('.notice .text').last();
  await expect(notice).toHaveText("Run a few commands first: the share link replays this tab's commands.");
  await page.getByRole('button', { name: '한국어' }).click();
  await expect(notice).toHaveText('먼저 명령을 몇 개 실행하세요: 공유 링크는 이 탭의 명령을 다시 실행합니다.');
  await expect(page.getByRole('button', { name: '닫기', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'English' }).click();
  await expect(notice).toHaveText("Run a few commands first: the share link replays this tab's commands.");
});
