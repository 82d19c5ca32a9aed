// The console's first visit in headless Chromium, against the real server
// with demo data (only loopback is ever a target):
//   (a) every file the first visit to a dashboard transfers, per file and in
//       total: as sent (the server gzips the web app), and gzip -9 for reference;
//   (b) time from navigation to a rendered workspace dashboard (cards filled,
//       all three charts drawn), cold cache, RUNS times: median and worst,
//       each against baselines navigated in the same loop: the sign-in page
//       rendered (the same HTML, wasm, CSS and ECharts, no usage data) and one
//       static file (the server's round trip).
// Usage: KEYSCOPE_BIN=target/server/keyscope node scripts/bench/first-visit.mjs
//        (make bench-browser builds that binary and dist/ first). RUNS=10 by default.
import { gzipSync } from 'node:zlib';
import { launchBrowser, startServer } from '../../tests/e2e/support.mjs';

const runs = Number(process.env.RUNS ?? 10);
const dashboardPath = '/usage';

const server = await startServer({ demo: true });
const browser = await launchBrowser();

// A fresh context is a first visit: empty cache, no service worker. Signing
// in through the API gives it the session cookie without visiting a page.
async function signedInContext() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const response = await context.request.post(`${server.address}/v1/session`, {
    data: { email: server.owner.email, password: server.owner.password },
  });
  if (!response.ok()) throw new Error(`sign-in failed: HTTP ${response.status()}`);
  return context;
}

// Milliseconds since navigation start when `ready` first holds in the page.
async function timeUntil(page, url, ready) {
  await page.goto(url, { waitUntil: 'commit' });
  return page.waitForFunction(ready, null, { polling: 'raf', timeout: 30_000 })
    .then((handle) => handle.jsonValue());
}

const dashboardDrawn = () => {
  const dashboard = document.querySelector('[data-testid="usage-dashboard"][data-state="ready"]');
  const charts = document.querySelectorAll('.ks-chart[data-ready="true"]');
  return dashboard && charts.length === 3 ? performance.now() : false;
};
const signInRendered = () => (document.querySelector('form.ks-form button[type="submit"]') ? performance.now() : false);
const staticFileLoaded = () => {
  const [navigation] = performance.getEntriesByType('navigation');
  return navigation && navigation.responseEnd > 0 ? navigation.responseEnd : false;
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const kb = (bytes) => (bytes / 1024).toFixed(1);
const ms = (value) => value.toFixed(0);

try {
  // (a) What the first visit transfers.
  const context = await signedInContext();
  const page = await context.newPage();
  const transfers = [];
  page.on('requestfinished', async (request) => {
    const response = await request.response();
    if (!response) return;
    const sizes = await request.sizes();
    const body = await response.body().catch(() => Buffer.alloc(0));
    transfers.push({
      path: new URL(request.url()).pathname,
      encoding: response.headers()['content-encoding'] ?? '',
      bytes: body.length,
      sent: sizes.responseBodySize,
      gzip: gzipSync(body, { level: 9 }).length,
    });
  });
  await timeUntil(page, `${server.address}${dashboardPath}`, dashboardDrawn);
  await page.waitForLoadState('networkidle');
  await context.close();

  const isApi = (transfer) => transfer.path.startsWith('/v1/');
  const files = transfers.filter((transfer) => !isApi(transfer)).sort((a, b) => b.gzip - a.gzip);
  const calls = transfers.filter(isApi);
  const sum = (list, field) => list.reduce((total, transfer) => total + transfer[field], 0);
  console.log(`## First visit to ${dashboardPath}: files (KB; "sent" is the body as transferred)\n`);
  console.log('| file | bytes | sent | encoding | gzip -9 |');
  console.log('| --- | ---: | ---: | --- | ---: |');
  for (const file of files) {
    const name = file.path.replace(/-[0-9a-f]{16}(?=[._])/, '-<hash>');
    console.log(`| ${name} | ${kb(file.bytes)} | ${kb(file.sent)} | ${file.encoding || '–'} | ${kb(file.gzip)} |`);
  }
  console.log(`| **static total** (${files.length} files) | ${kb(sum(files, 'bytes'))} | **${kb(sum(files, 'sent'))}** | | **${kb(sum(files, 'gzip'))}** |`);
  console.log(`| API calls (${calls.map((call) => call.path).join(', ')}) | ${kb(sum(calls, 'bytes'))} | ${kb(sum(calls, 'sent'))} | | ${kb(sum(calls, 'gzip'))} |`);

  // (b) Time to a rendered dashboard, against baselines in the same loop.
  const favicon = files.find((file) => file.path.includes('favicon'))?.path ?? '/healthz';
  const samples = { dashboard: [], signIn: [], staticFile: [] };
  for (let run = 0; run <= runs; run += 1) {
    const measured = {};
    for (const [name, path, ready, signedIn] of [
      ['dashboard', dashboardPath, dashboardDrawn, true],
      ['signIn', '/sign-in', signInRendered, false],
      ['staticFile', favicon, staticFileLoaded, false],
    ]) {
      const runContext = signedIn ? await signedInContext() : await browser.newContext();
      const runPage = await runContext.newPage();
      measured[name] = await timeUntil(runPage, `${server.address}${path}`, ready);
      await runContext.close();
    }
    // The first round warms the server and the OS caches; it is not counted.
    if (run > 0) for (const [name, value] of Object.entries(measured)) samples[name].push(value);
  }
  const row = (label, values, baseline) => {
    const ratio = baseline ? `${(median(values) / median(baseline)).toFixed(2)}` : '1.00';
    return `| ${label} | ${ms(median(values))} | ${ms(Math.max(...values))} | ${ratio} |`;
  };
  console.log(`\n## Navigation to a rendered page, cold cache, ${runs} runs (ms)\n`);
  console.log('| page | median | worst | ratio to the sign-in page |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(row('static file (favicon), response end', samples.staticFile, samples.signIn));
  console.log(row('sign-in page, form rendered (baseline)', samples.signIn));
  console.log(row(`workspace dashboard ${dashboardPath}, cards and 3 charts drawn`, samples.dashboard, samples.signIn));
} finally {
  await browser.close();
  await server.stop();
}
