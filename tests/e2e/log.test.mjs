// The request log page in headless Chromium against the real server with
// demo data: filters narrow the log exactly and live in the URL, the view
// survives reloads and history, columns are remembered, live mode shows a
// new call within two seconds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, signIn, suiteWith } from './support.mjs';

const rowIds = (page) =>
  page.locator('[data-testid="log-table"] [data-request-id]').evaluateAll((rows) => rows.map((row) => row.dataset.requestId));

// The same query the page asked, answered by the API from inside the page
// (with its session): the rows the log must show, in order.
async function apiPage(page, search) {
  const params = new URLSearchParams(search);
  if (!params.has('limit')) params.set('limit', '100');
  return page.evaluate(async (query) => (await fetch(`/v1/requests?${query}`)).json(), params.toString());
}

// Waits until the log shows exactly the first rows the API lists for the
// page's current URL, then returns that API answer.
async function logMatchesApi(page) {
  const search = new URL(page.url()).search;
  const expected = await apiPage(page, search);
  await page.waitForFunction(
    (ids) => {
      const shown = [...document.querySelectorAll('[data-testid="log-table"] [data-request-id]')].map((row) => row.dataset.requestId);
      return shown.length > 0 && shown.length <= ids.length && shown.every((id, index) => id === ids[index]);
    },
    expected.data.map((entry) => entry.id),
  );
  const shown = await rowIds(page);
  assert.deepEqual(shown, expected.data.slice(0, shown.length).map((entry) => entry.id), search);
  return { expected, shown };
}

async function openLog(browser, server, search = '') {
  const opened = await openPage(browser);
  await opened.page.goto(`${server.address}/requests`);
  await signIn(opened.page, server);
  await opened.page.getByRole('heading', { name: 'Request log' }).waitFor();
  // Signed in, a link with a query opens that view. (Sign-in's way back
  // drops the query today: RequireSession joins pathname and search without
  // the `?`, which the shell owns.)
  if (search) await opened.page.goto(`${server.address}/requests${search}`);
  await opened.page.locator('[data-testid="log-table"] [data-request-id]').first().waitFor();
  return opened;
}

describe('Request log page', { timeout: 240_000 }, () => {
  const suite = suiteWith({ server: { demo: true }, emptyServer: { demo: false } });

  test('each filter alone narrows the log to exactly the matching rows and lands in the URL', async () => {
    const { page, problems, close } = await openLog(suite.browser, suite.server);
    const { expected: everything } = await logMatchesApi(page);
    assert.match(await page.getByTestId('log-total').textContent(), /About 50,000 requests/);
    const sample = everything.data.find((entry) => entry.resource_id && entry.key_id);
    assert.ok(sample, 'a record with a resource and a key');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    const local = (date) => {
      const pad = (number) => String(number).padStart(2, '0');
      return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
    };

    const cases = [
      { name: 'resource_id', fill: sample.resource_id, check: (entry) => entry.resource_id === sample.resource_id },
      { name: 'key_id', fill: sample.key_id, check: (entry) => entry.key_id === sample.key_id },
      { name: 'from', fill: local(twoDaysAgo), check: (entry) => Date.parse(entry.timestamp) >= Math.floor(twoDaysAgo / 1000) * 1000 },
      { name: 'to', fill: local(twoDaysAgo), check: (entry) => Date.parse(entry.timestamp) < Math.floor(twoDaysAgo / 1000) * 1000 },
      { name: 'status', select: 'rate_limited', check: (entry) => entry.outcome === 'rate_limited' },
      { name: 'method', select: 'DELETE', check: (entry) => entry.method === 'DELETE' },
      { name: 'endpoint', fill: '/v1/forecasts/', check: (entry) => entry.endpoint.includes('/v1/forecasts/') },
      { name: 'response_code', fill: '404', check: (entry) => entry.response_code === 404 },
    ];
    for (const filter of cases) {
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.waitForURL((url) => url.search === '');
      const field = page.locator(`#ks-log-filter-${filter.name}`);
      if (filter.select) await field.selectOption(filter.select);
      else await field.fill(filter.fill);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL((url) => url.searchParams.has(filter.name));
      const params = new URL(page.url()).searchParams;
      assert.deepEqual([...params.keys()], [filter.name], `only ${filter.name} is in the URL`);
      if (filter.name === 'from' || filter.name === 'to') {
        assert.equal(Date.parse(params.get(filter.name)), Math.floor(twoDaysAgo / 1000) * 1000, 'the URL holds the time in UTC');
      } else {
        assert.equal(params.get(filter.name), filter.fill ?? filter.select);
      }
      const { expected, shown } = await logMatchesApi(page);
      assert.ok(shown.length > 0, `${filter.name}: rows shown`);
      assert.ok(expected.data.every(filter.check), `${filter.name}: the API's rows match the filter`);
      assert.ok(expected.total.count < everything.total.count, `${filter.name} narrows the log`);
      const total = await page.getByTestId('log-total').textContent();
      assert.ok(total.includes(expected.total.count.toLocaleString('en-US')), `${filter.name}: ${total} vs ${expected.total.count}`);
      // What the rows show, read off the screen for the badges.
      if (filter.name === 'status') {
        const outcomes = await page.locator('[data-testid="log-table"] [data-outcome]').evaluateAll((badges) => badges.map((badge) => badge.dataset.outcome));
        assert.ok(outcomes.length > 0 && outcomes.every((outcome) => outcome === 'rate_limited'), outcomes.join());
      }
      if (filter.name === 'method') {
        const methods = await page.locator('[data-testid="log-table"] [data-column="method"]').allTextContents();
        assert.ok(methods.every((method) => method === 'DELETE'), methods.join());
      }
    }
    const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.equal(exportHref, '/v1/requests/export?format=csv&response_code=404');
    assert.deepEqual(problems, []);
    await close();
  });

  test('a filter the server refuses is named at its field', async () => {
    const { page, problems, close } = await openLog(suite.browser, suite.server);
    await page.locator('#ks-log-filter-response_code').fill('99');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('#ks-log-filter-response_code-error').waitFor();
    assert.match(await page.locator('#ks-log-filter-response_code-error').textContent(), /between 100 and 599/);
    assert.equal(await page.locator('#ks-log-filter-response_code').getAttribute('aria-invalid'), 'true');
    // The 400 is the answer this test asked for; nothing else may fail.
    assert.deepEqual(problems.filter((problem) => !/400/.test(problem)), []);
    await close();
  });

  test('reloading restores the view and back and forward walk the filters', async () => {
    const { page, problems, close } = await openLog(suite.browser, suite.server);
    await page.locator('#ks-log-filter-status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.search === '?status=failed');
    await logMatchesApi(page);
    await page.locator('#ks-log-filter-method').selectOption('GET');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.search === '?status=failed&method=GET');
    const { shown: bothShown } = await logMatchesApi(page);

    await page.reload();
    await page.locator('[data-testid="log-table"] [data-request-id]').first().waitFor();
    assert.equal(new URL(page.url()).search, '?status=failed&method=GET');
    const { shown: afterReload } = await logMatchesApi(page);
    assert.deepEqual(afterReload.slice(0, 10), bothShown.slice(0, 10));
    assert.equal(await page.locator('#ks-log-filter-status').inputValue(), 'failed');
    assert.equal(await page.locator('#ks-log-filter-method').inputValue(), 'GET');

    await page.goBack();
    await page.waitForURL((url) => url.search === '?status=failed');
    await logMatchesApi(page);
    await page.waitForFunction(() => document.querySelector('#ks-log-filter-method').value === '');

    await page.goBack();
    await page.waitForURL((url) => url.search === '');
    await logMatchesApi(page);
    await page.waitForFunction(() => document.querySelector('#ks-log-filter-status').value === '');

    await page.goForward();
    await page.waitForURL((url) => url.search === '?status=failed');
    await logMatchesApi(page);
    await page.goForward();
    await page.waitForURL((url) => url.search === '?status=failed&method=GET');
    await logMatchesApi(page);
    assert.deepEqual(problems, []);
    await close();
  });

  test('a record opens in a panel that Escape closes, giving focus back', async () => {
    const { page, problems, close } = await openLog(suite.browser, suite.server);
    const [first] = await rowIds(page);
    const button = page.locator(`#ks-log-open-${first}`);
    await button.focus();
    await page.keyboard.press('Enter');
    const details = page.getByTestId('log-details');
    await details.getByText('Client IP').waitFor();
    const api = await page.evaluate(async (id) => (await fetch(`/v1/requests/${id}`)).json(), first);
    const text = await details.textContent();
    // A record without a key or a project (a workspace-wide key's) shows a dash there.
    const orDash = (value) => value ?? '—';
    for (const value of [api.data.id, api.data.route, api.data.endpoint, String(api.data.response_code), `${api.data.latency_ms} ms`, orDash(api.data.key_id), orDash(api.data.project_id)]) {
      assert.ok(text.includes(value), `details show ${value}`);
    }
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement.id), `ks-log-open-${first}`);
    assert.deepEqual(problems, []);
    await close();
  });

  test('chosen columns and their order survive a reload', async () => {
    const { page, problems, close } = await openLog(suite.browser, suite.server);
    const headers = () => page.locator('[data-testid="log-table"] [role="columnheader"]').allTextContents();
    assert.deepEqual(await headers(), ['Request ID', 'Time', 'Method', 'Endpoint', 'Status', 'Code']);
    await page.getByRole('button', { name: 'Edit columns' }).click();
    await page.getByRole('checkbox', { name: 'Time' }).uncheck();
    await page.getByRole('checkbox', { name: 'Latency' }).check();
    await page.getByRole('button', { name: 'Move Endpoint up' }).click();
    const chosen = ['Request ID', 'Endpoint', 'Method', 'Status', 'Code', 'Latency'];
    assert.deepEqual(await headers(), chosen);
    const cells = await page.locator('[data-testid="log-table"] [data-request-id]').first().locator('[role="cell"]').count();
    assert.equal(cells, chosen.length);

    await page.reload();
    await page.locator('[data-testid="log-table"] [data-request-id]').first().waitFor();
    await page.waitForFunction((wanted) => {
      const shown = [...document.querySelectorAll('[data-testid="log-table"] [role="columnheader"]')].map((header) => header.textContent);
      return JSON.stringify(shown) === JSON.stringify(wanted);
    }, chosen);
    assert.deepEqual(problems, []);
    await close();
  });

  test('with live mode on, a call made now appears within two seconds, and waits while scrolled away', async () => {
    const { page, problems, close } = await openLog(suite.browser, suite.server);
    // A key made through the API with the page's own session.
    const created = await page.evaluate(async () => {
      const me = await (await fetch('/v1/me')).json();
      const response = await fetch('/v1/keys', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.data.csrf_token },
        body: JSON.stringify({ name: 'live-mode test', scopes: ['read'] }),
      });
      return (await response.json()).data;
    });
    const call = async () => {
      const response = await fetch(`${suite.server.address}/v1/key`, { headers: { Authorization: `Bearer ${created.secret}` } });
      assert.equal(response.status, 200);
      return response.headers.get('x-request-id');
    };

    await page.getByRole('button', { name: 'Live', exact: true }).click();
    await page.getByRole('button', { name: 'Live: on' }).waitFor();
    const calledAt = Date.now();
    const requestId = await call();
    await page.locator(`[data-request-id="${requestId}"]`).waitFor({ timeout: 2_000 });
    assert.ok(Date.now() - calledAt < 2_000);
    assert.equal((await rowIds(page))[0], requestId, 'the new call is on top');

    // Scrolled away from the top, new rows wait behind a button.
    await page.locator('.ks-log__viewport').evaluate((viewport) => { viewport.scrollTop = 400; });
    await page.waitForFunction(() => document.querySelector('.ks-log__viewport').scrollTop >= 400);
    const heldId = await call();
    await page.getByTestId('log-resume').waitFor({ timeout: 2_000 });
    assert.match(await page.getByTestId('log-resume').textContent(), /1 new — resume/);
    assert.equal(await page.locator(`[data-request-id="${heldId}"]`).count(), 0);
    await page.getByTestId('log-resume').click();
    await page.locator(`[data-request-id="${heldId}"]`).waitFor();
    assert.equal((await rowIds(page))[0], heldId);

    // Off: the feed is closed, so no new row arrives.
    await page.getByRole('button', { name: 'Live: on' }).click();
    await page.getByRole('button', { name: 'Live', exact: true }).waitFor();
    const unseenId = await call();
    await page.waitForTimeout(1_000);
    assert.equal(await page.locator(`[data-request-id="${unseenId}"]`).count(), 0);
    assert.deepEqual(problems, []);
    await close();
  });

  test('loading further pages by scrolling keeps only the visible rows in the page', async () => {
    const { page, problems, close } = await openLog(suite.browser, suite.server, '?limit=1000');
    const viewport = page.locator('.ks-log__viewport');
    for (let pages = 1; pages < 3; pages += 1) {
      await viewport.evaluate((element) => { element.scrollTop = element.scrollHeight; });
      await page.waitForFunction((wanted) => document.querySelector('[data-testid="log-total"]').textContent.includes(`${wanted} loaded`), `${(pages + 1).toLocaleString('en-US')},000`);
    }
    const rendered = await page.locator('[data-testid="log-table"] [data-request-id]').count();
    assert.ok(rendered > 10 && rendered < 100, `${rendered} rows in the page for 3,000 loaded`);
    const ids = await rowIds(page);
    const api = await page.evaluate(async () => {
      const first = await (await fetch('/v1/requests?limit=1000')).json();
      const second = await (await fetch(`/v1/requests?limit=1000&cursor=${first.next_cursor}`)).json();
      const third = await (await fetch(`/v1/requests?limit=1000&cursor=${second.next_cursor}`)).json();
      return [...first.data, ...second.data, ...third.data].map((entry) => entry.id);
    });
    const start = api.indexOf(ids[0]);
    assert.ok(start > 1_000, 'the rows at the bottom are from the third page');
    assert.deepEqual(ids, api.slice(start, start + ids.length));
    assert.deepEqual(problems, []);
    await close();
  });

  test('an empty log says how to make the first request', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.emptyServer.address}/requests`);
    await signIn(page, suite.emptyServer);
    const empty = page.getByTestId('log-empty');
    await empty.waitFor();
    assert.match(await empty.textContent(), /No requests yet/);
    assert.match(await empty.textContent(), new RegExp(`curl -H "Authorization: Bearer <your key>" ${suite.emptyServer.address}/v1/key`));
    assert.deepEqual(problems, []);
    await close();
  });
});
