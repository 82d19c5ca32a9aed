// The API keys page in headless Chromium against the real server with demo data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, signIn, suiteWith } from './support.mjs';

describe('API keys page', { timeout: 180_000 }, () => {
  const suite = suiteWith({ server: { demo: true }, emptyServer: { demo: false } });

  test('a visitor is sent to sign in and comes back to the keys the API lists', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/keys`);
    await page.getByRole('heading', { name: 'Sign in to keyscope' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/keys');
    await signIn(page, suite.server);

    const rows = page.locator('[data-testid="keys-table"] tbody tr');
    await rows.first().waitFor();
    assert.equal(new URL(page.url()).pathname, '/keys');
    assert.equal(await rows.count(), 12);
    const api = await page.evaluate(async () => (await fetch('/v1/keys?limit=20')).json());
    assert.equal(api.data.length, 12);
    assert.equal(await page.getByTestId('signed-in-as').textContent(), suite.server.owner.email);

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
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/projects`);
    await signIn(page, suite.server);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    assert.equal(new URL(page.url()).pathname, '/keys');

    await page.goBack();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to keyscope' }).waitFor();
    await page.goto(`${suite.server.address}/keys`);
    await page.getByRole('heading', { name: 'Sign in to keyscope' }).waitFor();
    assert.deepEqual(problems, []);
    await close();
  });

  test('a session that ends while the page is open sends the visitor to sign in again', async () => {
    const { page, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/keys`);
    await signIn(page, suite.server);
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    // End the session behind the page's back, as an expiry would.
    await page.evaluate(async () => {
      const me = await (await fetch('/v1/me')).json();
      await fetch('/v1/session', { method: 'DELETE', headers: { 'X-CSRF-Token': me.data.csrf_token } });
    });
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'Sign in to keyscope' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('next'), '/keys');
    await signIn(page, suite.server);
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    await close();
  });

  test('a wrong password is refused with a clear message', async () => {
    const { page, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/sign-in`);
    await page.getByLabel('E-mail').fill(suite.server.owner.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('wrong e-mail or password').waitFor();
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    await close();
  });

  test('an empty workspace says there are no keys yet', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.emptyServer.address}/`);
    await signIn(page, suite.emptyServer);
    await page.getByText('No API keys yet').waitFor();
    assert.equal(new URL(page.url()).pathname, '/keys');
    assert.deepEqual(problems, []);
    await close();
  });
});
