// A new user's path through the console, in headless Chromium against the
// real server with demo data: the whole life of a key, and a project's API tab
// with its credentials. Calls a customer would make go from this test over HTTP.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, signIn, suiteWith } from './support.mjs';

describe('console: key lifecycle and the Project API tab', { timeout: 240_000 }, () => {
  const suite = suiteWith({ server: { demo: true } });

  // A customer's call, from outside the browser.
  const callWithKey = (secret, path = '/v1/key', init = {}) =>
    fetch(`${suite.server.address}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', ...init.headers },
    });

  const keyRow = (page, name) => page.locator('[data-testid="keys-table"] tbody tr', { hasText: name });

  test('generate a read key, copy it, use it, see it used, be refused a write, rotate it, delete it', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.server.address });
    await page.goto(`${suite.server.address}/keys`);
    await signIn(page, suite.server);
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();

    await page.getByRole('button', { name: 'Generate API Key' }).click();
    const form = page.getByRole('dialog', { name: 'Generate API Key' });
    // A blank name is caught at its field before anything is sent.
    await form.getByRole('button', { name: 'Generate key' }).click();
    await form.locator('#error-name').getByText('name is required').waitFor();
    await form.getByLabel('Name').fill('e2e reader');
    // A rule only the server checks comes back at its field too.
    await form.getByLabel('Description (optional)').fill('x'.repeat(300));
    await form.getByRole('button', { name: 'Generate key' }).click();
    await form.locator('#error-description').getByText('at most 256 characters').waitFor();
    await form.getByLabel('Description (optional)').fill('Reads orders for the e2e walk');
    // Admin ticks and locks every other scope; unticking it gives them back.
    const write = form.getByLabel('Write: POST, PUT and PATCH');
    await form.getByLabel('Admin: everything').check();
    assert.equal(await write.isChecked(), true);
    assert.equal(await write.isDisabled(), true);
    await form.getByLabel('Admin: everything').uncheck();
    assert.equal(await write.isChecked(), false);
    assert.equal(await form.getByLabel('Read: GET and HEAD').isChecked(), true);
    await form.getByRole('button', { name: 'Generate key' }).click();

    const created = page.getByRole('dialog', { name: 'Your new API key' });
    await created.getByText('It will not be shown again').waitFor();
    const secret = (await created.getByTestId('secret').textContent()).trim();
    assert.match(secret, /^ks_live_/);
    const copy = created.getByRole('button', { name: 'Copy API key' });
    await copy.click();
    await created.locator('button.ks-copy', { hasText: 'Copied' }).first().waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    assert.equal(await copy.getAttribute('data-copy-value'), secret);
    // "Copied" gives way again after about two seconds.
    await created.locator('button.ks-copy', { hasText: 'Copied' }).waitFor({ state: 'detached', timeout: 4_000 });
    for (const language of ['curl', 'Python', 'JavaScript']) {
      await created.getByRole('tab', { name: language }).click();
      const snippet = await created.locator('.ks-snippet pre').textContent();
      assert.ok(snippet.includes(`Bearer ${secret}`), `${language}: ${snippet}`);
      assert.ok(snippet.includes(`${suite.server.address}/v1/key`), `${language}: ${snippet}`);
    }
    await created.getByRole('button', { name: 'Done' }).click();
    await created.waitFor({ state: 'detached' });

    const row = keyRow(page, 'e2e reader');
    await row.waitFor();
    assert.equal((await row.locator('td[data-column="last-used"]').textContent()).trim(), 'Never');

    // The customer calls with the key; the page shows it was used.
    const read = await callWithKey(secret);
    assert.equal(read.status, 200);
    const deadline = Date.now() + 15_000;
    for (;;) {
      await page.reload();
      await row.waitFor();
      const lastUsed = (await row.locator('td[data-column="last-used"]').textContent()).trim();
      if (lastUsed !== 'Never') {
        assert.equal(lastUsed, 'just now');
        break;
      }
      assert.ok(Date.now() < deadline, 'last used never changed');
      await page.waitForTimeout(500);
    }

    // A read key may not write.
    const writeAttempt = await callWithKey(secret, '/v1/keys', { method: 'POST', body: JSON.stringify({ name: 'nope' }) });
    assert.equal(writeAttempt.status, 403);
    const refusal = (await writeAttempt.json()).error;
    assert.equal(refusal.code, 'INSUFFICIENT_SCOPE');
    assert.equal(refusal.details.required_scope, 'write:keys');

    // Rotate with no grace: the old secret stops at once, the new one works.
    await row.getByRole('button', { name: 'Regenerate e2e reader' }).click();
    const rotate = page.getByRole('dialog', { name: 'Regenerate “e2e reader”' });
    await rotate.getByLabel('Stop the old secret now').check();
    await rotate.getByRole('button', { name: 'Regenerate key' }).click();
    await rotate.getByTestId('secret').waitFor();
    const rotated = (await rotate.getByTestId('secret').textContent()).trim();
    assert.notEqual(rotated, secret);
    assert.equal((await callWithKey(secret)).status, 401);
    assert.equal((await callWithKey(rotated)).status, 200);
    await rotate.getByRole('button', { name: 'Done' }).click();

    // Delete, after a confirmation that names the key and says it is final.
    await row.getByRole('button', { name: 'Delete e2e reader' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete “e2e reader”?' });
    await confirm.getByText('This cannot be undone').waitFor();
    await confirm.getByRole('button', { name: 'Delete key' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await callWithKey(rotated)).status, 401);

    // The one refusal this walk asked for: the over-long description.
    const askedFor = (problem) => problem === `HTTP 400: ${suite.server.address}/v1/keys` || problem.includes('status of 400');
    assert.equal(problems.filter(askedFor).length, 2, problems.join('\n'));
    assert.deepEqual(problems.filter((problem) => !askedFor(problem)), []);
    await close();
  });

  test('signing in comes back to the address asked for, query included', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/usage?range=24h`);
    await page.getByRole('heading', { name: 'Sign in to keyscope' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('next'), '/usage?range=24h');
    await signIn(page, suite.server);
    await page.waitForURL(`${suite.server.address}/usage?range=24h`);
    assert.deepEqual(problems, []);
    await close();
  });

  test('dialogs keep focus inside, close on Escape and give focus back', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/keys`);
    await signIn(page, suite.server);
    const opener = page.getByRole('button', { name: 'Generate API Key' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Generate API Key' });
    await dialog.waitFor();
    for (let step = 0; step < 20; step += 1) {
      await page.keyboard.press('Tab');
      const inside = await page.evaluate(() => Boolean(document.activeElement?.closest('dialog[open]')));
      assert.ok(inside || (await page.evaluate(() => document.activeElement === document.body)), `focus left the dialog at step ${step}`);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Generate API Key');
    assert.deepEqual(problems, []);
    await close();
  });

  test('the Project API tab shows the quota and recent requests, and credentials can be regenerated', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/projects`);
    await signIn(page, suite.server);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    const firstProject = page.locator('.ks-project-list li').first();
    const projectId = await firstProject.getAttribute('data-project-id');
    await firstProject.getByRole('link', { name: 'API' }).click();
    await page.getByTestId('quota-cards').waitFor();
    assert.equal(new URL(page.url()).pathname, `/projects/${projectId}/api`);

    const quota = await page.evaluate(async (id) => (await (await fetch(`/v1/projects/${id}/quota`)).json()).data, projectId);
    const total = (await page.getByTestId('quota-total').locator('.ks-card__value').textContent()).trim();
    const available = (await page.getByTestId('quota-available').locator('.ks-card__value').textContent()).trim();
    if (quota.unlimited) {
      assert.equal(total, 'Unlimited');
      assert.equal(available, 'Unlimited');
    } else {
      assert.equal(total.replaceAll(',', ''), String(quota.total));
      assert.equal(available.replaceAll(',', ''), String(quota.available));
    }
    assert.match(await page.getByTestId('quota-period').textContent(), /[A-Z][a-z]{2} 1 → [A-Z][a-z]{2} (28|29|30|31)/);

    // The week's chart: a bar a day, drawn, with the project's traffic on it.
    const week = page.locator('[data-testid="project-week"] .ks-chart[data-ready="true"]');
    await week.waitFor();
    const days = JSON.parse(await week.getAttribute('data-series'));
    assert.ok(days.length >= 7 && days.length <= 8, `${days.length} bars`);
    assert.ok(days.reduce((sum, day) => sum + day.count, 0) > 0, 'the demo project had requests this week');
    assert.ok(await page.evaluate(() => Boolean(window.echarts.getInstanceByDom(document.querySelector('[data-testid="project-week"] .ks-chart__canvas')))));

    const recent = page.getByTestId('recent-requests').locator('li');
    await recent.first().waitFor();
    const methods = await recent.locator('.ks-method').allTextContents();
    assert.ok(methods.length > 0 && methods.length <= 10);
    const get = page.locator('.ks-method', { hasText: /^GET$/ }).first();
    if (await get.count()) assert.match(await get.getAttribute('class'), /ks-method--green/);

    // A key of this project, to verify through the project's backend door.
    const secret = await page.evaluate(async (id) => {
      const me = (await (await fetch('/v1/me')).json()).data;
      const response = await fetch('/v1/keys', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ name: 'verify probe', project_id: id }),
      });
      return (await response.json()).data.secret;
    }, projectId);
    const verify = (projectKey) => callWithKey(projectKey, '/v1/keys/verify', { method: 'POST', body: JSON.stringify({ key: secret }) });

    await page.getByRole('button', { name: 'Get Credentials' }).click();
    const dialog = page.getByRole('dialog', { name: 'Project credentials' });
    await dialog.getByTestId('project-key').waitFor();
    const apiId = (await dialog.getByTestId('api-id').textContent()).trim();
    const oldKey = (await dialog.getByTestId('project-key').textContent()).trim();
    assert.equal(await dialog.getByRole('button', { name: 'Copy Project Key' }).getAttribute('data-copy-value'), oldKey);
    assert.equal(await dialog.getByRole('button', { name: 'Copy API ID' }).getAttribute('data-copy-value'), apiId);
    assert.ok(await dialog.getByRole('link', { name: 'How to call the API' }).count());
    assert.equal((await verify(oldKey)).status, 200);

    await dialog.getByRole('button', { name: 'Regenerate…' }).click();
    await dialog.getByText('stop working at once').waitFor();
    await dialog.getByRole('button', { name: 'Regenerate credentials' }).click();
    await page.waitForFunction((old) => document.querySelector('[data-testid="project-key"]')?.textContent.trim() !== old, oldKey);
    const newKey = (await dialog.getByTestId('project-key').textContent()).trim();
    assert.notEqual((await dialog.getByTestId('api-id').textContent()).trim(), apiId);
    const refused = await verify(oldKey);
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).error.code, 'INVALID_PROJECT_KEY');
    assert.equal((await verify(newKey)).status, 200);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    assert.deepEqual(problems, []);
    await close();
  });

  test('a Member is told they need Admin or Manager access', async () => {
    const owner = await openPage(suite.browser);
    await owner.page.goto(`${suite.server.address}/keys`);
    await signIn(owner.page, suite.server);
    await owner.page.locator('[data-testid="keys-table"]').waitFor();
    const member = await owner.page.evaluate(async () => {
      const me = (await (await fetch('/v1/me')).json()).data;
      const response = await fetch('/v1/users', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ email: 'member@e2e.test', role: 'member' }),
      });
      const added = (await response.json()).data;
      return { email: added.user.email, password: added.password };
    });
    await owner.close();

    const { page, problems, close } = await openPage(suite.browser);
    await page.goto(`${suite.server.address}/keys`);
    await signIn(page, { owner: member });
    await page.getByRole('heading', { name: 'You need Admin or Manager access' }).waitFor();
    assert.equal(await page.locator('[data-testid="keys-table"]').count(), 0);
    await page.goto(`${suite.server.address}/projects`);
    await page.getByRole('heading', { name: 'You need Admin or Manager access' }).waitFor();
    assert.deepEqual(problems, []);
    await close();
  });

  test('the layout holds at 360 px and follows a dark system theme', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${suite.server.address}/keys`);
    await signIn(page, suite.server);
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(15, 20, 28)');
    await page.getByRole('button', { name: 'Generate API Key' }).click();
    const box = await page.getByRole('dialog', { name: 'Generate API Key' }).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `dialog spans ${box.x}..${box.x + box.width}`);
    assert.deepEqual(problems, []);
    await close();
  });
});
