// The API keys page in headless Chromium against the real server with demo data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, startServer } from './support.mjs';

describe('API keys page', () => {
  let server;
  let emptyServer;
  let browser;

  before(async () => {
    [server, emptyServer, browser] = await Promise.all([
      startServer({ demo: true }),
      startServer({ demo: false }),
      launchBrowser(),
    ]);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emptyServer?.stop();
  });

  test('shows the demo keys the API lists, in the same order', async () => {
    const api = await (await fetch(`${server.address}/v1/keys?limit=20`)).json();
    assert.equal(api.data.length, 12);

    const { page, problems, close } = await openPage(browser);
    await page.goto(`${server.address}/keys`);
    const rows = page.locator('[data-testid="keys-table"] tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 12);

    const names = await page.locator('[data-testid="keys-table"] .ks-key-name').allTextContents();
    assert.deepEqual(names, api.data.map((key) => key.name));
    const masks = await page.locator('.ks-key-mask').allTextContents();
    assert.deepEqual(masks, api.data.map((key) => `${key.prefix}…${key.last_four}`));
    const statuses = new Set(await page.locator('.ks-badge').allTextContents());
    for (const status of ['Active', 'Expired', 'Revoked', 'Disabled']) {
      assert.ok(statuses.has(status), `no ${status} badge among ${[...statuses]}`);
    }
    assert.match(await page.locator('.ks-pager').textContent(), /1–12 of 12/);
    assert.deepEqual(problems, []);
    await close();
  });

  test('client routes load directly and through the navigation', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${server.address}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    assert.equal(await page.getByText('Not built yet.').count(), 1);

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    assert.equal(new URL(page.url()).pathname, '/keys');

    await page.goBack();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    assert.deepEqual(problems, []);
    await close();
  });

  test('an empty workspace says there are no keys yet', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${emptyServer.address}/`);
    await page.getByText('No API keys yet').waitFor();
    assert.equal(new URL(page.url()).pathname, '/keys');
    assert.deepEqual(problems, []);
    await close();
  });
});
