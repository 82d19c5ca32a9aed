// Scrolling the request log with 100,000 rows loaded, in headless Chromium
// against the real server (`keyscope serve --demo`).
//
// The demo holds 50,000 records; the rest are real traffic made here: one key
// created through the API calls `GET /v1/key` until the log holds ROWS
// records (calls past the key's rate limit are answered 429 and logged too,
// as they would be). The page then loads the log 1,000 records a page
// (`/requests?limit=1000`, the API's largest page) by scrolling to the end
// until ROWS rows are held, and scrolls through them programmatically: one
// step a frame, set on requestAnimationFrame, whose callbacks also time each
// frame. Long animation frames are counted with a PerformanceObserver.
//
// Baseline in the same run, same browser, same steps: the log holding 1,000
// rows (the newest 1,000, by a `from` filter at the 1,000th record's time).
//
// `KEYSCOPE_BIN=target/server/keyscope node scripts/bench/log-scroll.mjs`
// (`make bench-browser` runs it). ROWS=100000, FRAMES=1000 a fling and
// ROUNDS=3 by default.
import { cpus, loadavg, totalmem } from 'node:os';
import { launchBrowser, openPage, signIn, startServer } from '../../tests/e2e/support.mjs';

const ROWS = Number(process.env.ROWS ?? 100_000);
const FRAMES = Number(process.env.FRAMES ?? 1_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PAGE_SIZE = 1_000;
/// The style sheet's row height, px (`ROW_HEIGHT` in src/widgets/request_log.rs).
const ROW_HEIGHT = 36;

const server = await startServer({ demo: true });
const browser = await launchBrowser();
try {
  const { page, problems } = await openPage(browser);
  page.setDefaultTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${server.address}/requests`);
  await signIn(page, server);
  await page.locator('[data-testid="log-table"] [data-request-id]').first().waitFor();

  const held = async () => (await logTotal(page)).count;
  const trafficStarted = performance.now();
  const secret = await createKey(page);
  let calls = 0;
  while ((await held()) < ROWS) {
    const missing = ROWS - (await held());
    calls += await callKey(server.address, secret, Math.min(missing + 100, 10_000));
    // The log writer stores what is queued in a moment.
    await new Promise((done) => setTimeout(done, 300));
  }
  const trafficSeconds = (performance.now() - trafficStarted) / 1000;
  const stored = await held();
  console.error(`log holds ${stored} records after ${calls} calls (${trafficSeconds.toFixed(1)} s)`);

  // Baseline: the newest 1,000 records, in a second page of its own.
  const newest = await page.evaluate(async () => (await fetch('/v1/requests?limit=1000')).json());
  const from = newest.data[newest.data.length - 1].timestamp;
  const baselinePage = await openPage(browser);
  await baselinePage.page.setViewportSize({ width: 1280, height: 900 });
  await baselinePage.page.goto(`${server.address}/requests`);
  await signIn(baselinePage.page, server);
  await baselinePage.page.locator('[data-testid="log-table"] [data-request-id]').first().waitFor();
  const small = await loadRows(baselinePage.page, `?limit=${PAGE_SIZE}&from=${encodeURIComponent(from)}`, 1_000);

  // The large list.
  const loadStarted = performance.now();
  const large = await loadRows(page, `?limit=${PAGE_SIZE}`, ROWS);
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  // Rounds alternate between the two lists, so a neighbour's load on the
  // shared machine falls on both alike.
  const smallRounds = [];
  const largeRounds = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await baselinePage.page.bringToFront();
    smallRounds.push(await scrollRuns(baselinePage.page));
    await page.bringToFront();
    largeRounds.push(await scrollRuns(page));
    const brief = (runs) => `fling p99 ${runs.fling.p99.toFixed(1)} max ${runs.fling.max.toFixed(1)}, steady p99 ${runs.steady.p99.toFixed(1)} max ${runs.steady.max.toFixed(1)}`;
    console.error(`round ${round + 1} (load ${loadavg()[0].toFixed(1)}): 1,000 rows: ${brief(smallRounds[round])}; ${ROWS} rows: ${brief(largeRounds[round])}`);
  }
  const smallRuns = combine(smallRounds);
  const largeRuns = combine(largeRounds);
  const blank = await blankSamples(page);
  problems.push(...baselinePage.problems);

  if (problems.length > 0) throw new Error(`the page had problems: ${problems.join('; ')}`);

  const cpu = cpus();
  console.log(`Machine: ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; Chromium ${browser.version()} headless; ${new Date().toISOString().slice(0, 10)}; load average at the end ${loadavg()[0].toFixed(1)}`);
  console.log(`${ROUNDS} rounds, alternating the two lists; frame times pooled over the rounds`);
  console.log(`Rows held: ${large.rows} (baseline ${small.rows}); ${large.rendered} row elements in the page at the end (baseline ${small.rendered}); loading ${large.rows} rows took ${loadSeconds.toFixed(1)} s`);
  console.log(`Blank views while sampling 20 positions of the large list: ${blank}`);
  console.log('');
  console.log('| scroll | rows held | frames | p50 | p99 | max | frames > 50 ms | long animation frames | ratio p99 / max to baseline |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [name, baseline, measured] of [
    ['fling, 3,600 px a frame', smallRuns.fling, largeRuns.fling],
    ['steady, 40 px a frame', smallRuns.steady, largeRuns.steady],
  ]) {
    const row = (label, held, run, ratio) =>
      console.log(`| ${name}${label} | ${held} | ${run.frames} | ${run.p50.toFixed(1)} ms | ${run.p99.toFixed(1)} ms | ${run.max.toFixed(1)} ms | ${run.over50} | ${run.loafs} | ${ratio} |`);
    row(' (baseline)', small.rows, baseline, '1.00 / 1.00');
    row('', large.rows, measured, `${(measured.p99 / baseline.p99).toFixed(2)} / ${(measured.max / baseline.max).toFixed(2)}`);
  }
} finally {
  await browser.close();
  await server.stop();
}

async function logTotal(page) {
  const answer = await page.evaluate(async () => (await fetch('/v1/requests?limit=1')).json());
  return answer.total;
}

async function createKey(page) {
  return page.evaluate(async () => {
    const me = await (await fetch('/v1/me')).json();
    const response = await fetch('/v1/keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.data.csrf_token },
      body: JSON.stringify({ name: 'scroll benchmark traffic', scopes: ['read'] }),
    });
    return (await response.json()).data.secret;
  });
}

// `count` calls of GET /v1/key, 32 at a time; any answer is a logged call.
async function callKey(address, secret, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${address}/v1/key`, { headers: { Authorization: `Bearer ${secret}` } });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return count;
}

// Opens the log at `search` and scrolls to the end until `wanted` rows are
// held (or the log has no more).
async function loadRows(page, search, wanted) {
  await page.goto(`${page.url().split('/requests')[0]}/requests${search}`);
  const table = page.locator('[data-testid="log-table"]');
  await table.locator('[data-request-id]').first().waitFor();
  const rows = async () => Number(await table.getAttribute('aria-rowcount')) - 1;
  for (;;) {
    const before = await rows();
    const more = await page.getByRole('button', { name: 'Load more' }).count();
    if (before >= wanted || more === 0) break;
    await page.locator('.ks-log__viewport').evaluate((viewport) => { viewport.scrollTop = viewport.scrollHeight; });
    await page.waitForFunction(
      (count) => Number(document.querySelector('[data-testid="log-table"]').getAttribute('aria-rowcount')) - 1 > count
        || !document.querySelector('.ks-log__more button'),
      before,
    );
  }
  return { rows: await rows(), rendered: await table.locator('[data-request-id]').count() };
}

async function scrollRuns(page) {
  return {
    fling: await scroll(page, 100 * ROW_HEIGHT, FRAMES),
    steady: await scroll(page, 40, Math.min(FRAMES, 600)),
  };
}

// `frames` frames, each moving the log down `step` px (back to the top at
// the end), timed by requestAnimationFrame.
async function scroll(page, step, frames) {
  const result = await page.evaluate(async ({ step, frames }) => {
    const viewport = document.querySelector('.ks-log__viewport');
    const end = viewport.scrollHeight - viewport.clientHeight;
    viewport.scrollTop = 0;
    const nextFrame = () => new Promise((done) => requestAnimationFrame(done));
    await nextFrame();
    await nextFrame();
    const longFrames = [];
    let observer;
    try {
      observer = new PerformanceObserver((list) => longFrames.push(...list.getEntries().map((entry) => entry.duration)));
      observer.observe({ type: 'long-animation-frame' });
    } catch {
      observer = undefined;
    }
    const durations = [];
    let position = 0;
    let last = await nextFrame();
    for (let frame = 0; frame < frames; frame += 1) {
      position += step;
      if (position > end) position = 0;
      viewport.scrollTop = position;
      const now = await nextFrame();
      durations.push(now - last);
      last = now;
    }
    // Long frames are reported a moment after they end.
    await new Promise((done) => setTimeout(done, 200));
    observer?.disconnect();
    return { durations, longFrames: longFrames.length };
  }, { step, frames });
  return summarise(result.durations, result.longFrames);
}

function combine(rounds) {
  const pool = (name) => summarise(
    rounds.flatMap((round) => round[name].durations),
    rounds.reduce((sum, round) => sum + round[name].loafs, 0),
  );
  return { fling: pool('fling'), steady: pool('steady') };
}

function summarise(durations, longFrames) {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (share) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
  return {
    frames: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted[sorted.length - 1],
    over50: sorted.filter((duration) => duration > 50).length,
    loafs: longFrames,
    durations,
  };
}

// Twenty positions through the list: each must show rows, not spacer.
async function blankSamples(page) {
  return page.evaluate(async () => {
    const viewport = document.querySelector('.ks-log__viewport');
    const box = viewport.getBoundingClientRect();
    let blank = 0;
    for (let sample = 0; sample < 20; sample += 1) {
      viewport.scrollTop = ((viewport.scrollHeight - viewport.clientHeight) * sample) / 19;
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const hit = document.elementFromPoint(box.left + 40, box.top + box.height / 2);
      if (!hit?.closest('[data-request-id]')) blank += 1;
    }
    return blank;
  });
}
