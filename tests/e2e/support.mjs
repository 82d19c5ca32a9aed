// Starts the real keyscope binary on a fresh data directory and Debian's
// Chromium, headless, with a fresh profile. Only loopback is ever a target.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const repo = resolve(import.meta.dirname, '..', '..');

export async function startServer({ demo }) {
  const bin = process.env.KEYSCOPE_BIN ?? join(repo, 'target', 'debug', 'keyscope');
  const dataDir = mkdtempSync(join(tmpdir(), 'keyscope-e2e-'));
  // dist/ is `make web`'s split build; KEYSCOPE_WEB_DIR points the tests at
  // another (a plain `trunk build`, say).
  const webDir = process.env.KEYSCOPE_WEB_DIR ?? join(repo, 'dist');
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--web-dir', webDir];
  if (demo) args.push('--demo');
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } });
  let stderr = '';
  // The owner's one-time credentials, as the first start prints them.
  const owner = {};
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const address = await new Promise((resolveAddress, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) { clearTimeout(timer); resolveAddress(match[1]); }
      owner.email ??= stdout.match(/email:\s+(\S+)/)?.[1];
      owner.password ??= stdout.match(/password:\s+(\S+)/)?.[1];
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${stderr}`)); });
  });
  return {
    address,
    owner,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// A page that records console errors, page errors and failed requests, so a
// test can assert the app ran cleanly. Whatever the test asserts, `close()`
// fails it if the console's Content-Security-Policy refused anything: the
// browser's own console message, or the `securitypolicyviolation` event.
export async function openPage(browser) {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.effectiveDirective} refused `
        + `${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  const page = await context.newPage();
  const violations = [];
  page.on('console', (message) => {
    if (/content security policy/i.test(message.text())) violations.push(message.text());
  });
  // Fail a step in seconds rather than hang the suite.
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // A request cut off by the page's own navigation (ERR_ABORTED) is not a
  // failure of the app; every other failed request is.
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (!reason.includes('ERR_ABORTED')) problems.push(`failed: ${request.url()} ${reason}`);
  });
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`); });
  async function close() {
    await context.close();
    if (violations.length > 0) {
      throw new Error(`Content Security Policy violations:\n${violations.join('\n')}`);
    }
  }
  return { page, problems, close };
}

// Signs in through the sign-in page, as a person would.
export async function signIn(page, server) {
  await page.getByLabel('E-mail').fill(server.owner.email);
  await page.getByLabel('Password').fill(server.owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// A suite's browser and real servers: `servers` names each server and its
// startServer options. All start before the suite's first test and stop after
// its last; tests read them from the returned object (`suite.server`).
export function suiteWith(servers) {
  const suite = {};
  const names = Object.keys(servers);
  before(async () => {
    const [browser, ...started] = await Promise.all([
      launchBrowser(),
      ...names.map((name) => startServer(servers[name])),
    ]);
    suite.browser = browser;
    names.forEach((name, index) => { suite[name] = started[index]; });
  });
  after(async () => {
    await suite.browser?.close();
    await Promise.all(names.map((name) => suite[name]?.stop()));
  });
  return suite;
}
