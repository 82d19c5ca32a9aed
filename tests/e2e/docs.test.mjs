// The API reference (/docs), in headless Chromium against the real server
// with no session: every operation of the server's own OpenAPI document is
// on the page, with calls in curl, Python and JavaScript that work as
// written, and the page asks nothing of any origin but the server's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, suiteWith } from './support.mjs';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// Runs a JavaScript example as written (top-level await and all) and
// returns what it logged.
async function runExample(code) {
  const logged = [];
  const AsyncFunction = (async () => {}).constructor;
  await new AsyncFunction('console', code)({ log: (...values) => logged.push(values) });
  return logged;
}

describe('API reference', { timeout: 120_000 }, () => {
  const suite = suiteWith({ server: { demo: false } });

  test('lists every path and method of /v1/openapi.json, with no session and no other origin', async () => {
    const origin = suite.server.address;
    const document = await (await fetch(`${origin}/v1/openapi.json`)).json();
    const expected = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) if (item[method]) expected.push(`${method.toUpperCase()} ${path}`);
    }
    assert.ok(expected.length >= 30, `only ${expected.length} operations in the document`);

    const { page, problems, close } = await openPage(suite.browser);
    const requested = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${origin}/docs`);
    await page.locator('[data-testid="api-reference"][data-state="ready"]').waitFor();

    const shown = await page.locator('[data-testid="operation"]')
      .evaluateAll((operations) => operations.map((operation) => `${operation.dataset.method} ${operation.dataset.path}`));
    assert.deepEqual([...shown].sort(), [...expected].sort());
    // Each as a heading a person (and a screen reader) finds by its method and path.
    for (const operation of expected) {
      assert.equal(await page.getByRole('heading', { level: 3, name: operation, exact: true }).count(), 1, operation);
    }
    // And each tag's operations listed in the contents.
    const contents = page.getByRole('navigation', { name: 'Contents' });
    assert.equal(await contents.locator('.ks-docs__toc-operations a').count(), expected.length);

    // Headings go down one level at a time.
    const levels = await page.locator('main').locator('h1, h2, h3, h4, h5, h6')
      .evaluateAll((headings) => headings.map((heading) => Number(heading.tagName[1])));
    assert.equal(levels[0], 1);
    levels.reduce((previous, level) => {
      assert.ok(level <= previous + 1, `h${previous} followed by h${level}`);
      return level;
    });

    assert.ok(requested.length > 0);
    const elsewhere = requested.filter((url) => !url.startsWith(`${origin}/`));
    assert.deepEqual(elsewhere, [], 'the page asked another origin');
    assert.deepEqual(problems, []);
    await close();
  });

  test('an operation shows its credentials, body, responses and working calls in three languages', async () => {
    const origin = suite.server.address;
    const { page, problems, close } = await openPage(suite.browser);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    // A link to one operation lands on it once the reference is drawn.
    await page.goto(`${origin}/docs#post-v1-keys-verify`);
    await page.locator('[data-testid="api-reference"][data-state="ready"]').waitFor();
    const verify = page.locator('#post-v1-keys-verify');
    await verify.getByRole('heading', { name: 'POST /v1/keys/verify' }).waitFor();
    await page.waitForFunction(() => {
      const box = document.getElementById('post-v1-keys-verify').getBoundingClientRect();
      return box.top >= 0 && box.top < window.innerHeight;
    });

    // Credentials, the request body's fields, the 200 open and a 401 drawn when opened.
    await verify.getByText('Authorization: Bearer …').waitFor();
    const body = verify.locator('.ks-schema__property', { has: page.locator('.ks-schema__name', { hasText: /^key$/ }) }).first();
    await body.getByText('required').waitFor();
    assert.equal(await verify.locator('details[data-status="200"]').getAttribute('open'), '');
    const unauthorized = verify.locator('details[data-status="401"]');
    assert.equal(await unauthorized.locator('.ks-schema').count(), 0);
    await unauthorized.locator('summary').click();
    await unauthorized.locator('.ks-schema__name', { hasText: /^code$/ }).first().waitFor();
    await unauthorized.getByRole('rowheader', { name: 'X-Request-Id' }).waitFor();

    // The three calls, the chosen one shown, each with its copy button.
    const panel = (language) => verify.locator(`[role="tabpanel"][data-language="${language}"]`);
    const code = async (language) => (await panel(language).locator('pre code').textContent());
    const curl = await code('curl');
    const python = await code('python');
    const javascript = await code('javascript');
    assert.ok(curl.startsWith(`curl -X POST '${origin}/v1/keys/verify'`), curl);
    assert.match(curl, /-H 'Authorization: Bearer YOUR_PROJECT_KEY'/);
    // The body is the schema's example (the server's own types, serialised).
    assert.match(curl, /-d '\{\n {2}"endpoint": "\/orders\/7",\n {2}"key": "ks_live_/);
    assert.match(python, /^import requests\n\nresponse = requests\.post\(\n/);
    assert.ok(python.includes(`"${origin}/v1/keys/verify"`), python);
    assert.match(python, /json=\{\n {8}"endpoint": "\/orders\/7",\n {8}"key": "ks_live_/);
    assert.ok(javascript.startsWith(`const response = await fetch("${origin}/v1/keys/verify", {`), javascript);
    assert.match(javascript, /body: JSON\.stringify\(/);
    assert.equal(await panel('curl').isVisible(), true);
    assert.equal(await panel('python').isVisible(), false);

    // Keyboard: the Python tab is reached and chosen without a mouse, and
    // the choice holds for every operation.
    await verify.getByRole('tab', { name: 'Python' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await panel('python').isVisible(), true);
    assert.equal(await panel('curl').isVisible(), false);
    assert.equal(await page.locator('#get-v1-keys [data-language="python"]').isVisible(), true);
    const copy = panel('python').getByRole('button', { name: 'Copy Python example' });
    assert.equal(await copy.getAttribute('data-copy-value'), python);
    await copy.click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), python);

    // The JavaScript calls run as written: the document itself, and verify,
    // refused for the placeholder Project Key with the error envelope.
    const documentCall = await page.locator('#get-v1-openapi-json [data-language="javascript"] pre code').textContent();
    const [[status, answer]] = await runExample(documentCall);
    assert.equal(status, 200);
    assert.equal(answer.openapi, '3.1.0');
    const [[refused, envelope]] = await runExample(javascript);
    assert.equal(refused, 401);
    assert.equal(envelope.success, false);
    assert.equal(envelope.error.code, 'INVALID_PROJECT_KEY');

    assert.deepEqual(problems, []);
    await close();
  });

  test('reached from the console, readable in the dark and at 360 px', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${suite.server.address}/sign-in`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API docs' }).click();
    await page.locator('[data-testid="api-reference"][data-state="ready"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    const operation = page.locator('[data-testid="operation"]').first();
    assert.equal(await operation.evaluate((element) => getComputedStyle(element).backgroundColor), 'rgb(22, 29, 40)');
    assert.equal(await operation.locator('pre').first().evaluate((element) => getComputedStyle(element).color), 'rgb(230, 233, 239)');
    assert.deepEqual(problems, []);
    await close();
  });
});
