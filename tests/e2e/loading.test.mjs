// How the console's code reaches the browser, in headless Chromium against
// the real server with demo data: `make web` splits the wasm into one chunk
// per screen (src/app.rs's lazy routes, crates/wasm-split), so a first visit
// fetches the shell and that screen, and another screen's code only when it
// is first shown.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, signIn, suiteWith } from './support.mjs';

describe('loading the console', { timeout: 120_000 }, () => {
  const suite = suiteWith({ server: { demo: true } });

  test('each screen\'s chunk is fetched on its first visit, not before', async () => {
    const { page, problems, close } = await openPage(suite.browser);
    const screensFetched = [];
    page.on('requestfinished', (request) => {
      const screen = new URL(request.url()).pathname.match(/^\/wasm-split\/split___(\w+)_screen_view_\d+\.wasm$/);
      if (screen) screensFetched.push(screen[1]);
    });

    await page.goto(`${suite.server.address}/usage`);
    await signIn(page, suite.server);
    await page.locator('[data-testid="usage-dashboard"][data-state="ready"]').waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(screensFetched.sort(), ['sign_in', 'workspace_usage']);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.locator('[data-testid="keys-table"] tbody tr').first().waitFor();
    assert.deepEqual(screensFetched.filter((screen) => screen === 'keys'), ['keys']);

    // Back to a screen already loaded: nothing is fetched again.
    const before = screensFetched.length;
    await page.goBack();
    await page.locator('[data-testid="usage-dashboard"][data-state="ready"]').waitFor();
    assert.equal(screensFetched.length, before);

    assert.deepEqual(problems, []);
    await close();
  });
});
