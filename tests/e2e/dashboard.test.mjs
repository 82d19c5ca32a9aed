// The usage dashboards in headless Chromium against the real server with
// demo data: every number on screen is the one GET /v1/usage reports for the
// same range, read from the page's data attributes and ECharts' own options.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, signIn, suiteWith } from './support.mjs';

const dashboard = '[data-testid="usage-dashboard"]';

// Waits until the dashboard shows a summary for the range in the URL and all
// three charts have drawn it; `from` / `notFrom` pin which summary it is.
// Signs in from the keys list and answers the id of the newest key.
async function signInForNewestKey(page, server) {
  await page.goto(`${server.address}/keys`);
  await signIn(page, server);
  await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
  return page.evaluate(async () => (await (await fetch('/v1/keys?limit=20')).json()).data[0].id);
}

async function dashboardReady(page, { from, notFrom } = {}) {
  await page.waitForFunction(([from, notFrom]) => {
    const { dataset } = document.querySelector('[data-testid="usage-dashboard"]') ?? {};
    const chartsDrawn = document.querySelectorAll('.ks-chart[data-ready="true"]').length === 3;
    return dataset?.state === 'ready' && chartsDrawn
      && (from === null || dataset.from === from) && (notFrom === null || dataset.from !== notFrom);
  }, [from ?? null, notFrom ?? null]);
}

// The API's summary for exactly the span the dashboard shows.
async function apiSummaryForShownRange(page, scopeQuery) {
  const { from, to } = await page.locator(dashboard).evaluate((element) => element.dataset);
  const query = new URLSearchParams({ from, to, ...scopeQuery });
  return page.evaluate(async (url) => {
    const response = await fetch(url);
    return (await response.json()).data;
  }, `/v1/usage?${query}`);
}

async function shownCards(page) {
  const card = async (testId) => Number(await page.getByTestId(testId).getAttribute('data-value'));
  return {
    total: await card('usage-total'),
    completed: await card('usage-completed'),
    failed: await card('usage-failed'),
    rate_limited: await card('usage-rate-limited'),
  };
}

// A donut's slices from its data attribute and from the live ECharts instance.
async function shownSlices(page, testId) {
  return page.getByTestId(testId).locator('.ks-chart').evaluate((figure) => {
    const fromAttribute = JSON.parse(figure.dataset.slices).map(({ name, count }) => ({ name, count }));
    const chart = window.echarts.getInstanceByDom(figure.querySelector('.ks-chart__canvas'));
    const fromChart = chart.getOption().series[0].data.map(({ name, value }) => ({ name, count: value }));
    return { fromAttribute, fromChart };
  });
}

async function shownSeries(page) {
  return page.getByTestId('usage-series').locator('.ks-chart').evaluate((figure) => {
    const chart = window.echarts.getInstanceByDom(figure.querySelector('.ks-chart__canvas'));
    return {
      fromAttribute: JSON.parse(figure.dataset.series),
      fromChart: chart.getOption().series[0].data,
    };
  });
}

const totalsOf = (summary) => ({
  total: summary.totals.total,
  completed: summary.totals.completed,
  failed: summary.totals.failed,
  rate_limited: summary.totals.rate_limited,
});

const countsOf = (counts) => counts.map(({ name, count }) => ({ name, count }));

async function assertDashboardMatchesApi(page, scopeQuery) {
  const summary = await apiSummaryForShownRange(page, scopeQuery);
  assert.deepEqual(await shownCards(page), totalsOf(summary));
  for (const [testId, counts] of [
    ['usage-by-method', summary.by_method],
    ['usage-by-response-code', summary.by_response_code],
  ]) {
    const { fromAttribute, fromChart } = await shownSlices(page, testId);
    assert.deepEqual(fromAttribute, countsOf(counts), testId);
    assert.deepEqual(fromChart, countsOf(counts), `${testId} (ECharts)`);
  }
  const endpoints = await page.locator('.ks-endpoints__row').evaluateAll((rows) =>
    rows.map((row) => ({ name: row.dataset.endpoint, count: Number(row.dataset.count) })));
  assert.deepEqual(endpoints, countsOf(summary.top_endpoints));
  const series = await shownSeries(page);
  assert.deepEqual(series.fromAttribute, summary.series.map((point) => ({ start: point.start, count: point.totals.total })));
  assert.deepEqual(series.fromChart, summary.series.map((point) => point.totals.total));
  return summary;
}

describe('usage dashboards', { timeout: 180_000 }, () => {
  const suite = suiteWith({ server: { demo: true } });

  test('a key dashboard shows the totals and breakdowns the API reports for the same range', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/keys`);
    await signIn(page, suite.server);
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    // The demo key with the most traffic this week.
    const busiest = await page.evaluate(async () => {
      const keys = (await (await fetch('/v1/keys?limit=20')).json()).data;
      const totals = await Promise.all(keys.map(async (key) => {
        const usage = (await (await fetch(`/v1/usage?key_id=${key.id}`)).json()).data;
        return { key, total: usage.totals.total };
      }));
      return totals.sort((a, b) => b.total - a.total)[0];
    });
    assert.ok(busiest.total > 0, 'the demo has a key with traffic');

    await page.getByRole('link', { name: `Usage of ${busiest.key.name}` }).click();
    await dashboardReady(page);
    assert.equal(new URL(page.url()).pathname, `/keys/${busiest.key.id}/usage`);
    await page.getByRole('heading', { name: busiest.key.name }).waitFor();
    const summary = await assertDashboardMatchesApi(page, { key_id: busiest.key.id });
    assert.equal(summary.totals.total, busiest.total);
    assert.equal(summary.granularity, 'day');
    assert.equal(await page.getByTestId('usage-total').textContent(), busiest.total.toLocaleString('en-US'));

    // The charts follow their containers when the window narrows.
    await page.setViewportSize({ width: 480, height: 900 });
    await page.waitForFunction(() => [...document.querySelectorAll('.ks-chart__canvas')].every((container) => {
      const canvas = container.querySelector('canvas');
      return canvas && Math.abs(canvas.getBoundingClientRect().width - container.clientWidth) <= 1;
    }));
    assert.ok(await page.locator('.ks-chart__canvas').evaluateAll((containers) => containers.every((container) => container.clientWidth < 480)));

    await page.getByRole('link', { name: 'Back to API Keys' }).click();
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    assert.deepEqual(problems, []);
    await close();
  });

  test('changing the range changes the URL and every number, and Back restores them', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/usage`);
    await signIn(page, suite.server);
    await dashboardReady(page);
    const week = await assertDashboardMatchesApi(page, {});
    assert.equal(week.series.length >= 7, true);

    await page.getByTestId('usage-range').selectOption('24h');
    await page.waitForURL((url) => url.searchParams.get('range') === '24h');
    await dashboardReady(page, { notFrom: week.from });
    const day = await assertDashboardMatchesApi(page, {});
    assert.equal(day.granularity, 'hour');
    assert.ok(day.totals.total < week.totals.total, `24 h (${day.totals.total}) < 7 days (${week.totals.total})`);

    // Custom dates: one whole UTC day, yesterday.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await page.getByTestId('usage-range').selectOption('days');
    await page.getByLabel('From (UTC)').fill(yesterday);
    await page.getByLabel('To (UTC)').fill(yesterday);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('from') === yesterday && url.searchParams.get('to') === yesterday);
    await dashboardReady(page, { from: `${yesterday}T00:00:00.000Z` });
    const custom = await assertDashboardMatchesApi(page, {});
    assert.equal(custom.series.length, 24);

    // A shared link reproduces the view; Back returns to the previous range.
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('range') === '24h');
    await dashboardReady(page, { from: day.from });
    assert.equal(await page.getByTestId('usage-range').inputValue(), '24h');
    await assertDashboardMatchesApi(page, {});
    assert.deepEqual(problems, []);
    await close();
  });

  test("a key's log below its dashboard keeps its own filter in the URL beside the range", async () => {
    const { page, problems, close } = await openPage(suite.browser);
    const keyId = await signInForNewestKey(page, suite.server);
    await page.goto(`${suite.server.address}/keys/${keyId}/usage?range=30d`);
    await dashboardReady(page);
    const filters = page.locator('form.ks-log-filters');
    await filters.locator('#ks-log-filter-method').selectOption('GET');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('log_method') === 'GET' && url.searchParams.get('range') === '30d');
    const methods = async () => page.locator('[data-testid="log-table"] [data-request-id] .ks-method').allTextContents();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-table"] [data-request-id]').length > 0);
    assert.ok((await methods()).every((method) => method === 'GET'));

    // Another range keeps the log's filter; a reload restores both.
    await page.getByTestId('usage-range').selectOption('7d');
    await page.waitForURL((url) => url.searchParams.get('range') === '7d' && url.searchParams.get('log_method') === 'GET');
    await page.reload();
    await dashboardReady(page);
    assert.equal(await filters.locator('#ks-log-filter-method').inputValue(), 'GET');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-table"] [data-request-id]').length > 0);
    assert.ok((await methods()).every((method) => method === 'GET'));
    assert.deepEqual(problems, []);
    await close();
  });

  test("the log below a key's dashboard lists what its cards count, for each range, until the viewer sets dates", async () => {
    const { page, problems, close } = await openPage(suite.browser);
    const keyId = await signInForNewestKey(page, suite.server);
    const log = page.locator('section.ks-log');
    // The log's dates in force once it has loaded them, and the API's total for them.
    const logLoaded = async (from) => {
      await page.waitForFunction((from) => {
        const section = document.querySelector('section.ks-log');
        const total = document.querySelector('[data-testid="log-total"]')?.textContent ?? '';
        return section && section.dataset.from === from && / requests?/.test(total) && !total.startsWith('Counting');
      }, from);
      const apiTotal = await page.evaluate(async ([keyId, from]) => {
        const answer = await (await fetch(`/v1/requests?key_id=${keyId}&from=${encodeURIComponent(from)}&limit=1`)).json();
        return answer.total;
      }, [keyId, from]);
      return { apiTotal, shown: await page.getByTestId('log-total').textContent() };
    };
    // A preset's log starts where the dashboard's summary does, at the start
    // of the hour its range begins in.
    const dashboardFrom = () => page.locator('[data-testid="usage-dashboard"]').getAttribute('data-from');

    let cards = 0;
    for (const range of ['24h', '30d']) {
      await page.goto(`${suite.server.address}/keys/${keyId}/usage?range=${range}`);
      await dashboardReady(page);
      const from = await dashboardFrom();
      const { apiTotal, shown } = await logLoaded(from);
      const total = Number(await page.getByTestId('usage-total').getAttribute('data-value'));
      assert.ok(apiTotal.exact, `${range}: an exact count`);
      assert.equal(apiTotal.count, total, `${range}: the log counts what the cards count`);
      assert.ok(shown.includes(total.toLocaleString('en-US')), `${range}: ${shown} shows ${total}`);
      await page.getByTestId('log-window').getByText("the dashboard's range").waitFor();
      assert.ok(total > cards, `${range}: a longer range, more requests`);
      cards = total;
    }

    // Dates of the viewer's own take over from the range.
    const yesterday = new Date(Date.now() - 86_400_000);
    const pad = (number) => String(number).padStart(2, '0');
    await log.locator('#ks-log-filter-from').fill(`${yesterday.getFullYear()}-${pad(yesterday.getMonth() + 1)}-${pad(yesterday.getDate())}T${pad(yesterday.getHours())}:00:00`);
    await log.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.has('log_from') && url.searchParams.get('range') === '30d');
    const ownFrom = new Date(new URL(page.url()).searchParams.get('log_from')).toISOString();
    const { apiTotal } = await logLoaded(ownFrom);
    assert.ok(apiTotal.count < cards, 'the own dates narrow the log below the 30 days');
    assert.equal(await page.getByTestId('log-window').count(), 0);
    assert.deepEqual(problems, []);
    await close();
  });

  test('a range without requests shows zeros, flat bars and how to make a first call', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    // Signed in first: coming back from the sign-in page keeps only the path
    // of a URL with a query (reported; src/session.rs is not this change's).
    await page.goto(`${suite.server.address}/usage`);
    await signIn(page, suite.server);
    await dashboardReady(page);
    await page.goto(`${suite.server.address}/usage?from=2020-01-01&to=2020-01-02`);
    await dashboardReady(page, { from: '2020-01-01T00:00:00.000Z' });
    assert.deepEqual(await shownCards(page), { total: 0, completed: 0, failed: 0, rate_limited: 0 });
    const curl = await page.getByTestId('usage-empty').locator('code').textContent();
    assert.equal(curl, `curl -H "Authorization: Bearer <your key>" ${suite.server.address}/v1/key`);
    const series = await shownSeries(page);
    assert.equal(series.fromChart.length, 48);
    assert.ok(series.fromChart.every((count) => count === 0));
    await assertDashboardMatchesApi(page, {});
    assert.deepEqual(problems, []);
    await close();
  });

  test('a project dashboard narrows to the project and keeps its layout at 360 px', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(`${suite.server.address}/keys`);
    await signIn(page, suite.server);
    await page.locator('[data-testid="keys-table"]').waitFor();
    const project = await page.evaluate(async () => (await (await fetch('/v1/projects')).json()).data[0]);
    await page.goto(`${suite.server.address}/projects/${project.id}/usage?range=30d`);
    await dashboardReady(page);
    await page.getByRole('heading', { name: project.name }).waitFor();
    const summary = await assertDashboardMatchesApi(page, { project_id: project.id });
    assert.ok(summary.totals.total > 0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    assert.deepEqual(problems, []);
    await close();
  });
});
