// What most specs do with the console: type a line into the active tab, read the last
// reply, open the app and wait until it can take commands; and what the page stores of
// its keyspace in IndexedDB (src/ui/idb.rs: database `kvlab`, store `files`).
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

// Runs `body(store)` on the page's IndexedDB store (in a transaction of `mode`) and
// resolves with what it returns once the transaction is done. Runs in the page.
function withStore(page, mode, body, arg) {
  return page.evaluate(([mode, body, arg]) => new Promise((resolve, reject) => {
    const req = indexedDB.open('kvlab', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('files');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('files', mode);
      const fn = new Function('store', 'arg', body);
      const out = fn(tx.objectStore('files'), arg);
      tx.oncomplete = () => { db.close(); Promise.resolve(out).then(resolve); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  }), [mode, body, arg]);
}

// A stored record: bytes as a binary string, text as text, null when missing.
function stored(page, name) {
  return withStore(page, 'readonly', `
    return new Promise((resolve) => {
      const get = store.get(arg);
      get.onsuccess = () => {
        const v = get.result;
        if (v === undefined) return resolve(null);
        if (typeof v === 'string') return resolve(v);
        let s = '';
        for (let i = 0; i < v.length; i += 0x8000) s += String.fromCharCode.apply(null, v.subarray(i, i + 0x8000));
        resolve(s);
      };
    });`, name);
}

// A stored record's size in bytes (0 when missing), without reading it into the test.
function storedSize(page, name) {
  return withStore(page, 'readonly', `
    return new Promise((resolve) => {
      const get = store.get(arg);
      get.onsuccess = () => resolve(get.result === undefined ? 0 : get.result.length);
    });`, name);
}

// Deletes stored records.
function unstore(page, names) {
  return withStore(page, 'readwrite', 'for (const n of arg) store.delete(n);', names);
}

// Stores a record (a binary string is stored as bytes when `bytes`).
function store(page, name, value, bytes = true) {
  return withStore(page, 'readwrite', `
    const [name, value, bytes] = arg;
    store.put(bytes ? Uint8Array.from(value, (c) => c.charCodeAt(0)) : value, name);`,
  [name, value, bytes]);
}

// Waits until the stored record `name` holds `text` (the page saves when something
// changed, asynchronously).
async function storedWith(page, name, text) {
  await expect.poll(async () => (await stored(page, name)) || '').toContain(text);
}

// Waits until the page has saved everything done so far, after which it saves again
// only after a change: a unique ECHO goes into the transcript, which each save writes
// after the keyspace.
let settles = 0;
async function settle(page) {
  const mark = `settled-${Date.now()}-${++settles}`;
  await run(page, `ECHO ${mark}`);
  await page.waitForFunction((m) => (localStorage.getItem('kvlab.transcript') || '').includes(m), mark);
}

// Reloads and waits for the page's first save (it saves once at start), after which it
// saves again only after a change.
async function reloadSaved(page) {
  const before = await page.evaluate(() => Date.now());
  await page.reload();
  await expect(page.getByLabel('Command')).toBeVisible();
  await expect.poll(async () => Number((await stored(page, 'saved.at')) || 0)).toBeGreaterThan(before);
}

module.exports = { run, lastReply, open, stored, storedSize, unstore, store, storedWith, settle, reloadSaved };
