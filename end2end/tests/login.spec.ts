import { APIRequestContext, Page, TestInfo } from '@playwright/test';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ACCESS_KEY,
  DISABLED_PORT,
  FAKE_CLI,
  NO_CLI_PORT,
  SERVER_BIN,
  SHORT_FLOW_PORT,
  SLOW_URL_PORT,
  QUIET_SOCKET_PORT,
} from '../env';
import { test, expect, hydrated, failChunk, onlyFailedFetches } from './fixtures';

// These tests change what their profile's server stores: one at a time.
test.describe.configure({ mode: 'serial' });

const AUTH = { Authorization: `Bearer ${ACCESS_KEY}` };

/** Starts each test signed out. */
async function signOut(request: APIRequestContext, baseURL: string) {
  const answer = await request.delete(`${baseURL}/api/claude/auth`, { headers: AUTH });
  expect(answer.ok()).toBeTruthy();
}

async function openSettings(page: Page, base = '') {
  await page.goto(`${base}/settings#key=${ACCESS_KEY}`);
  await hydrated(page);
}

/** A screenshot of the state, kept with the test results. */
async function shot(page: Page, info: TestInfo, name: string) {
  await info.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
}

const codeInput = (page: Page) => page.getByRole('textbox', { name: 'Authorization code' });
const confirm = (page: Page) => page.getByRole('button', { name: 'Confirm Authentication' });

async function toCodeStep(page: Page) {
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByTestId('auth-link')).toBeVisible();
}

test.beforeEach(async ({ request, baseURL }) => {
  await signOut(request, baseURL!);
});

test('the status is checked on load and the login prompt shows', async ({ page }, info) => {
  await openSettings(page);
  await expect(page.getByRole('heading', { name: 'Claude AI Authentication Required' })).toBeVisible();
  await expect(page.getByTestId('claude-account')).toHaveText('Not signed in.');
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeEnabled();
  await shot(page, info, 'not-authenticated');
});

test('a valid code signs Claude in, and the sign-in is shown and can be undone', async ({ page }, info) => {
  await openSettings(page);
  await toCodeStep(page);
  const link = page.getByTestId('auth-link');
  await expect(link).toHaveAttribute('href', /^https:\/\/claude\.ai\/oauth\/authorize\?I[\w-]{43}$/);
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', /noopener/);
  // The person opens the link first; the code input takes the focus when
  // they come back (tests/a11y.spec.ts).
  await expect(link).toBeFocused();
  await expect(page.getByTestId('announcer')).toHaveText(/link is ready/);
  await shot(page, info, 'waiting-for-code');

  await expect(confirm(page)).toBeDisabled();
  await codeInput(page).fill('abc123def456');
  await expect(page.getByTestId('code-hint')).toContainText('#');
  await expect(confirm(page)).toBeDisabled();
  await codeInput(page).fill('  abc123#def456 ');
  await expect(page.getByTestId('code-hint')).toHaveText('Looks like a complete code.');
  await expect(confirm(page)).toBeEnabled();
  await confirm(page).click();
  await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
  await expect(page.getByTestId('success-method')).toHaveText('Signed in with: Claude account (long-lived token).');
  await shot(page, info, 'success');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('claude-account')).toHaveText(
    'Signed in: Claude account (long-lived token) (stored by Dispatch).',
  );
  await shot(page, info, 'authenticated');

  await page.getByRole('button', { name: 'Log out of Claude' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
});

test('the sign-in link opens in a new tab', async ({ page, context }) => {
  await context.route('https://claude.ai/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<title>Sign in</title>' }),
  );
  await openSettings(page);
  await toCodeStep(page);
  const href = await page.getByTestId('auth-link').getAttribute('href');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('auth-link').click()]);
  await popup.waitForLoadState();
  expect(popup.url()).toBe(href);
  // rel=noopener: the sign-in tab cannot reach back into Dispatch.
  expect(await popup.evaluate(() => window.opener)).toBeNull();
  await popup.close();
});

test('a refused code is reported, the input stays, and a new link can be had', async ({ page }, info) => {
  await openSettings(page);
  await toCodeStep(page);
  const firstLink = await page.getByTestId('auth-link').getAttribute('href');
  await codeInput(page).fill('rejected-abc#def');
  await confirm(page).click();
  await expect(page.getByTestId('auth-error')).toContainText('did not accept that code');
  await expect(codeInput(page)).toBeVisible();
  await shot(page, info, 'invalid-code');

  await page.getByRole('button', { name: 'Get a new link' }).click();
  await expect(page.getByTestId('auth-link')).not.toHaveAttribute('href', firstLink!);
  await expect(page.getByTestId('auth-error')).toHaveCount(0);
  await codeInput(page).fill('success-abc#def');
  await confirm(page).click();
  await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
});

test('a network failure shows the message, a Retry button and a connectivity hint', async ({ page }, info) => {
  await openSettings(page);
  await toCodeStep(page);
  await codeInput(page).fill('network-abc#def');
  await confirm(page).click();
  await expect(page.getByTestId('auth-error')).toContainText('could not reach');
  await expect(page.getByText('must reach claude.ai')).toBeVisible();
  await shot(page, info, 'network-error');
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(codeInput(page)).toBeVisible();
  await codeInput(page).fill('success-abc#def');
  await confirm(page).click();
  await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
});

test('preparing shows a spinner, and can be cancelled', async ({ page }, info) => {
  await openSettings(page, `http://127.0.0.1:${SLOW_URL_PORT}`);
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByText('Preparing authentication…')).toBeVisible();
  await expect(page.getByTestId('announcer')).toHaveText('Preparing authentication.');
  await shot(page, info, 'preparing');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
});

test('validating shows a spinner, and can be cancelled', async ({ page }, info) => {
  await openSettings(page);
  await toCodeStep(page);
  // The fake CLI never answers a code starting with "hang-".
  await codeInput(page).fill('hang-abc#def');
  await confirm(page).click();
  await expect(page.getByText('Validating authorization code…')).toBeVisible();
  await shot(page, info, 'validating');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
});

test('a dropped connection comes back to the same flow', async ({ page }) => {
  // Keep every socket the page opens, so the test can cut them.
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    const open: WebSocket[] = [];
    (window as unknown as { __sockets: WebSocket[] }).__sockets = open;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        open.push(this);
      }
    } as typeof WebSocket;
  });
  await openSettings(page);
  await toCodeStep(page);
  const link = await page.getByTestId('auth-link').getAttribute('href');
  await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.forEach((s) => s.close()));
  await expect(page.getByText(/reconnecting/)).toBeVisible();
  await expect(page.getByText(/reconnecting/)).toHaveCount(0);
  await expect(page.getByTestId('auth-link')).toHaveAttribute('href', link!);
  await codeInput(page).fill('success-abc#def');
  await confirm(page).click();
  await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
});

test('code that could not be fetched is fetched again, and the sign-in goes on', async ({ page, consoleErrors }) => {
  const socketBack = await failChunk(page, 'split_page_socket.wasm');
  const screensBack = await failChunk(page, 'split_later_screens.wasm');
  await openSettings(page);
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  // The socket's code: retried with the socket's own backoff.
  await expect(page.getByText(/reconnecting/)).toBeVisible();
  socketBack();
  // The later screens' code: the person is told, and asks again.
  await expect(page.getByRole('alert')).toHaveText(/could not be loaded/);
  screensBack();
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('auth-link')).toBeVisible();
  await codeInput(page).fill('success-abc#def');
  await confirm(page).click();
  await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
  onlyFailedFetches(consoleErrors);
});

test('an API key can be used instead', async ({ page, consoleErrors }) => {
  await openSettings(page);
  await page.getByText('Use an Anthropic API key instead').click();
  const field = page.getByRole('textbox', { name: 'API key' });
  await field.fill('not-a-key');
  await page.getByRole('button', { name: 'Save API key' }).click();
  await expect(page.getByRole('alert')).toContainText('sk-ant-');
  // The browser logs the server's 400 for the bad key; nothing else may appear.
  expect(consoleErrors).toEqual([expect.stringContaining('400')]);
  consoleErrors.length = 0;
  await field.fill('sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789');
  await page.getByRole('button', { name: 'Save API key' }).click();
  await expect(page.getByTestId('claude-account')).toHaveText('Signed in: Anthropic API key (stored by Dispatch).');
});

test('a click whose code could not be fetched says so, and works when tried again', async ({ page, consoleErrors }) => {
  const back = await failChunk(page, 'split_rest_actions.wasm');
  await openSettings(page);
  await page.getByText('Use an Anthropic API key instead').click();
  await page.getByRole('textbox', { name: 'API key' }).fill('sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789');
  await page.getByRole('button', { name: 'Save API key' }).click();
  await expect(page.getByRole('alert')).toHaveText(/could not be loaded/);
  onlyFailedFetches(consoleErrors);
  back();
  await page.getByRole('button', { name: 'Save API key' }).click();
  await expect(page.getByTestId('claude-account')).toHaveText('Signed in: Anthropic API key (stored by Dispatch).');
});

test('on a phone the code step is easy to use', async ({ page, isMobile }, info) => {
  test.skip(!isMobile, 'phone profiles only');
  await openSettings(page);
  await toCodeStep(page);
  const fontSize = await codeInput(page).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(fontSize).toBeGreaterThanOrEqual(16);
  for (const control of [
    codeInput(page),
    confirm(page),
    page.getByTestId('auth-link'),
    page.getByRole('button', { name: 'Copy link' }),
    page.getByRole('button', { name: 'Get a new link' }),
    page.getByRole('button', { name: 'Cancel' }),
  ]) {
    const box = await control.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
  }
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await codeInput(page).focus();
  await expect(codeInput(page)).toBeInViewport();
  await shot(page, info, 'phone-code-step');
});

test('on a slow phone, a tap as soon as the button shows gets the link', async ({ page, context, isMobile }) => {
  test.skip(!isMobile, 'phone profiles only');
  // make bench's phone profile: 1.6 Mbit/s down, 750 kbit/s up, 150 ms, CPU 4x slower.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: 200_000,
    uploadThroughput: 93_750,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  // No wait for hydration: the button is tapped the moment it can be.
  await page.goto(`/settings#key=${ACCESS_KEY}`);
  await page.getByRole('button', { name: 'Login with Claude' }).click({ timeout: 20_000 });
  await expect(page.getByTestId('auth-link')).toHaveAttribute('href', /^https:\/\/claude\.ai\//, { timeout: 20_000 });
});

test('everything works from the keyboard', async ({ page, isMobile }) => {
  test.skip(isMobile, 'desktop only');
  await openSettings(page);
  await page.getByRole('button', { name: 'Login with Claude' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('auth-link')).toBeFocused();
  await page.keyboard.press('Tab'); // Copy link
  await page.keyboard.press('Tab');
  await expect(codeInput(page)).toBeFocused();
  await page.keyboard.type('abc123#def456');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
});

test('an expired flow restarts itself', async ({ page }) => {
  await openSettings(page, `http://127.0.0.1:${SHORT_FLOW_PORT}`);
  await toCodeStep(page);
  const first = await page.getByTestId('auth-link').getAttribute('href');
  await expect(page.getByText(/A new sign-in link is on its way/)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('auth-link')).toBeVisible();
  await expect(page.getByTestId('auth-link')).not.toHaveAttribute('href', first!);
});

test('a socket the server closes as idle stays closed until it is needed', async ({ page, isMobile }) => {
  test.skip(isMobile, 'the socket is the same on every device: desktop only');
  const opened: string[] = [];
  const sent: string[] = [];
  page.on('websocket', (ws) => {
    opened.push(ws.url());
    ws.on('framesent', (frame) => sent.push(String(frame.payload)));
  });
  await openSettings(page, `http://127.0.0.1:${QUIET_SOCKET_PORT}`);
  await toCodeStep(page);
  // The page said hello with its key first.
  expect(JSON.parse(sent[0])).toEqual({ event: 'hello', data: { key: ACCESS_KEY } });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
  // Idle for 1.5 s, the socket is closed (4408); the page does not reconnect.
  await page.waitForTimeout(5_000);
  expect(opened).toHaveLength(1);
  await expect(page.getByText(/reconnecting/)).toHaveCount(0);
  // Needed again, it opens again and the sign-in works.
  await toCodeStep(page);
  expect(opened).toHaveLength(2);
});

test('a server with login turned off says so and offers no login', async ({ page }, info) => {
  await openSettings(page, `http://127.0.0.1:${DISABLED_PORT}`);
  await expect(page.getByTestId('config-error')).toContainText('turned off');
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeDisabled();
  await shot(page, info, 'configuration-error');
});

test('a server without the CLI says what it tried', async ({ page }) => {
  await openSettings(page, `http://127.0.0.1:${NO_CLI_PORT}`);
  await expect(page.getByTestId('config-error')).toContainText('/nonexistent/claude');
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeDisabled();
});

test('credentials persist across a server restart', async ({ page, isMobile, consoleErrors }) => {
  test.skip(isMobile, 'one restart is enough: desktop only');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-restart-'));
  const port = SHORT_FLOW_PORT + 10; // not a port of playwright.config.ts
  const env = {
    ...process.env,
    DISPATCH_ADDR: `127.0.0.1:${port}`,
    DISPATCH_KEY: ACCESS_KEY,
    CLAUDE_CLI: FAKE_CLI,
    DISPATCH_CLI_ENV: 'FAKE_CLAUDE_*',
    FAKE_CLAUDE_SCENARIO: 'success',
    CLAUDE_CREDENTIALS_PATH: path.join(scratch, 'credentials'),
    DISPATCH_CREDENTIALS_KEY_FILE: path.join(scratch, 'key'),
    CLAUDE_CODE_OAUTH_TOKEN: '',
    ANTHROPIC_API_KEY: '',
  };
  const start = async () => {
    const child = spawn(SERVER_BIN, [], { env, stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the server did not start');
  };
  const stop = (child: ReturnType<typeof spawn>) =>
    new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
  let server = await start();
  try {
    await openSettings(page, `http://127.0.0.1:${port}`);
    await toCodeStep(page);
    await codeInput(page).fill('abc#def');
    await confirm(page).click();
    await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
    // The status check that success starts has landed before the server stops.
    await expect(page.getByTestId('success-method')).toHaveText('Signed in with: Claude account (long-lived token).');
    await stop(server);
    server = await start();
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('claude-account')).toHaveText(
      'Signed in: Claude account (long-lived token) (stored by Dispatch).',
    );
    // While the server was down, the open page's socket may have tried to
    // reconnect and been refused: expected here, and nothing else is.
    const refused = /ERR_CONNECTION_REFUSED/;
    const others = consoleErrors.filter((error) => !refused.test(error));
    consoleErrors.length = 0;
    consoleErrors.push(...others);
  } finally {
    await stop(server);
  }
});
