// Browser figures for docs/BENCHMARKS.md, measured in headless Chromium on the release
// build (dist/, served by e2e/serve.js). Run by scripts/bench-browser.sh:
//
//   node scripts/bench-browser.js <port> <mix file>
//
// 1. The command mix of src/workload.rs (examples/mix.rs times it natively): the engine
//    alone in the page (kvlab.benchEngine: a private engine, tokenize → execute →
//    format, as natively), through the page's runner with its feed to the panels
//    (kvlab.execMany, one call for the whole script), and through window.kvlab.exec (one
//    JS → wasm call per command, as devtools would); best of two or three, fresh pages.
// 2. With DEBUG POPULATE 100000 and 10,000 keys whose TTLs run out over the next minute:
//    frames per second while a panel is in front (requestAnimationFrame callbacks counted
//    over 5 s, TTL panel and keyspace panel), and the median time from Enter to the
//    rendered reply over 21 commands typed into the console.
//
// Prints one JSON object. Nothing here is a test: it measures, it asserts nothing.
const fs = require('fs');
const { chromium } = require('@playwright/test');

const port = Number(process.argv[2] || 8089);
const mixFile = process.argv[3] || 'target/mix.txt';
const url = `http://127.0.0.1:${port}/`;

async function freshPage(browser) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByLabel('Command').waitFor();
  return page;
}

async function typed(page, line) {
  const input = page.getByLabel('Command');
  await input.fill(line);
  await input.press('Enter');
}

// Runs the mix through the page's runner: once to warm up (V8 compiles wasm lazily and
// tiers up; native code is compiled ahead), then, after FLUSHALL, timed. Returns both.
async function mix(browser, lines, fn) {
  const page = await freshPage(browser);
  const times = await page.evaluate(([lines, fn]) => {
    const run = () => {
      const t0 = performance.now();
      if (fn === 'exec') {
        for (const l of lines) window.kvlab.exec(l);
      } else if (window.kvlab.execMany) {
        window.kvlab.execMany(lines.join('\n'));
      } else {
        return NaN;
      }
      return performance.now() - t0;
    };
    const first = run();
    window.kvlab.exec('FLUSHALL');
    return [first, run()];
  }, [lines, fn]);
  await page.close();
  return times;
}

async function fps(page, panel) {
  await page.getByRole('tab', { name: panel, exact: true }).click();
  return page.evaluate(() => new Promise((done) => {
    let frames = 0;
    const t0 = performance.now();
    function frame(t) {
      frames++;
      if (t - t0 < 5000) requestAnimationFrame(frame);
      else done(frames * 1000 / (t - t0));
    }
    requestAnimationFrame(frame);
  }));
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const out = {};
  const lines = fs.readFileSync(mixFile, 'utf8').split('\n');
  out.mix_lines = lines.length;
  [out.mix_exec_first_ms, out.mix_exec_ms] = await mix(browser, lines, 'exec');
  [out.mix_exec_many_first_ms, out.mix_exec_many_ms] = await mix(browser, lines, 'many');
  {
    let best = Infinity;
    const page = await freshPage(browser);
    // The first run also pays for compiling the wasm code it reaches (V8 compiles lazily
    // and tiers up); native code is compiled ahead. Both first and warm figures are kept.
    const engine = (n) => (window.kvlab.benchEngine ? window.kvlab.benchEngine(n) : NaN);
    out.mix_engine_only_first_ms = await page.evaluate(engine, lines.length);
    for (let run = 0; run < 3; run++) {
      best = Math.min(best, await page.evaluate(engine, lines.length));
    }
    await page.close();
    out.mix_engine_only_ms = best;
  }

  const page = await freshPage(browser);
  await typed(page, 'DEBUG POPULATE 100000');
  await page.evaluate(() => {
    for (let i = 0; i < 10000; i++) {
      window.kvlab.exec(`SET ttl:${i} v PX ${1000 + Math.floor(Math.random() * 59000)}`);
    }
  });
  out.fps_ttl_panel = await fps(page, 'TTL');
  out.fps_keyspace_panel = await fps(page, 'Keyspace');
  const times = [];
  for (let i = 0; i < 21; i++) {
    await typed(page, `GET key:${i * 4567}`);
    await page.waitForFunction((n) => document.querySelectorAll('.entry').length >= n, i + 2);
    times.push(await page.evaluate(() => window.kvlab.lastReplyMs));
  }
  times.sort((a, b) => a - b);
  out.enter_to_reply_median_ms = times[10];
  out.enter_to_reply_max_ms = times[times.length - 1];
  await browser.close();
  console.log(JSON.stringify(out));
})();
