import AxeBuilder from '@axe-core/playwright';
import { APIRequestContext, Page, TestInfo } from '@playwright/test';
import { A11Y_PORTS, ACCESS_KEY, DISABLED_PORT, NO_CLI_PORT, QUESTION_PORT, SLOW_URL_PORT } from '../env';
import { test, expect, hydrated } from './fixtures';

// WCAG 2.1 A and AA, as axe-core checks them, on every page and every state
// of the sign-in and the pane, in the light and the dark scheme, on each
// profile. A violation fails with its rule and the elements it found.
// The walk signs in and out: a server of its own per profile.
// Each audit runs axe three times; on a busy machine that takes seconds.
test.describe.configure({ mode: 'serial', timeout: 180_000 });

const AUTH = { Authorization: `Bearer ${ACCESS_KEY}` };
const API_KEY = 'sk-ant-api03-e2ea11y0123456789abcdefghijklmnopqrstuvwxyz';
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

function base(info: TestInfo): string {
  return `http://127.0.0.1:${A11Y_PORTS[info.project.name as keyof typeof A11Y_PORTS]}`;
}

async function signOut(request: APIRequestContext, info: TestInfo) {
  expect((await request.delete(`${base(info)}/api/claude/auth`, { headers: AUTH })).ok()).toBeTruthy();
}

async function signInWithApiKey(request: APIRequestContext, info: TestInfo) {
  const answer = await request.post(`${base(info)}/api/claude/auth`, { headers: AUTH, data: { apiKey: API_KEY } });
  expect(answer.ok()).toBeTruthy();
}

async function open(page: Page, url: string) {
  await page.goto(url);
  await hydrated(page);
}

/** Runs axe on the page as it is, in both colour schemes (and, once, the
 * heading order, which axe files under best practice). */
async function audit(page: Page, state: string) {
  const order = await new AxeBuilder({ page }).withRules(['heading-order']).analyze();
  expect.soft(order.violations.map((v) => v.nodes.map((n) => n.target.join(' ')).join(', ')), `${state}: heading order`).toEqual([]);
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).withTags(WCAG_AA).analyze();
    const found = violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    expect.soft(found, `${state}, ${colorScheme} scheme`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const codeInput = (page: Page) => page.getByRole('textbox', { name: 'Authorization code' });
const confirm = (page: Page) => page.getByRole('button', { name: 'Confirm Authentication' });

async function toCodeStep(page: Page) {
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByTestId('auth-link')).toBeVisible();
}

test('the access-key step and the wrong-key message', async ({ page, consoleErrors }, info) => {
  await open(page, `${base(info)}/settings`);
  await expect(page.getByRole('textbox', { name: 'Access key' })).toBeVisible();
  await audit(page, 'access-key step');
  await page.getByRole('textbox', { name: 'Access key' }).fill('not-the-right-key-at-all');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('alert')).toContainText('That access key is not right.');
  await audit(page, 'wrong key');
  // The browser logs the server's 401 for the wrong key.
  expect(consoleErrors).toEqual([expect.stringContaining('401')]);
  consoleErrors.length = 0;
});

test('signed out: Settings, the API-key form and Projects', async ({ page, request }, info) => {
  await signOut(request, info);
  await open(page, `${base(info)}/settings#key=${ACCESS_KEY}`);
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
  await expect(page.getByTestId('activity').or(page.getByTestId('activity-empty'))).toBeVisible();
  await audit(page, 'signed out');
  await page.getByText('Use an Anthropic API key instead').click();
  await expect(page.getByLabel('API key')).toBeVisible();
  await audit(page, 'API-key form');
  await open(page, `${base(info)}/#key=${ACCESS_KEY}`);
  await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
  await audit(page, 'Projects, signed out');
});

test('the link and the code, a refused code, a network failure', async ({ page, request }, info) => {
  await signOut(request, info);
  await open(page, `${base(info)}/settings#key=${ACCESS_KEY}`);
  await toCodeStep(page);
  await audit(page, 'link and code');

  await codeInput(page).fill('rejected-abc#def');
  await confirm(page).click();
  await expect(page.getByTestId('auth-error')).toBeVisible();
  await audit(page, 'refused code');

  await codeInput(page).fill('network-abc#def');
  await confirm(page).click();
  await expect(page.getByTestId('auth-error')).toContainText('could not reach');
  await audit(page, 'network error');
});

test('validating, and a CLI that ended', async ({ page, request }, info) => {
  await signOut(request, info);
  await open(page, `${base(info)}/settings#key=${ACCESS_KEY}`);
  await toCodeStep(page);
  await codeInput(page).fill('hang-abc#def');
  await confirm(page).click();
  await expect(page.getByText('Validating authorization code…')).toBeVisible();
  await audit(page, 'validating');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();

  await toCodeStep(page);
  await codeInput(page).fill('crash-abc#def');
  await confirm(page).click();
  await expect(page.getByTestId('auth-error')).toBeVisible();
  await audit(page, 'the CLI ended');
});

test('the success, and Settings signed in', async ({ page, request }, info) => {
  await signOut(request, info);
  await open(page, `${base(info)}/settings#key=${ACCESS_KEY}`);
  await toCodeStep(page);
  await codeInput(page).fill('success-abc#def');
  await confirm(page).click();
  await expect(page.getByRole('heading', { name: 'Claude AI Connected Successfully!' })).toBeVisible();
  await audit(page, 'success');

  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('button', { name: 'Check sign-in' }).click();
  await expect(page.getByTestId('sign-in-check')).not.toBeEmpty();
  await expect(page.getByTestId('activity')).toBeVisible();
  await audit(page, 'signed in, checked');
});

test('preparing, and the CLI asking something', async ({ page }) => {
  await open(page, `http://127.0.0.1:${SLOW_URL_PORT}/settings#key=${ACCESS_KEY}`);
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByText('Preparing authentication…')).toBeVisible();
  await audit(page, 'preparing');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await open(page, `http://127.0.0.1:${QUESTION_PORT}/settings#key=${ACCESS_KEY}`);
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByTestId('live-screen')).toBeVisible();
  await audit(page, 'live screen');
  await page.getByRole('button', { name: 'Cancel' }).click();
});

test('a server that cannot sign in says so', async ({ page }) => {
  await open(page, `http://127.0.0.1:${DISABLED_PORT}/settings#key=${ACCESS_KEY}`);
  await expect(page.getByTestId('config-error')).toBeVisible();
  await audit(page, 'login turned off');
  await open(page, `http://127.0.0.1:${NO_CLI_PORT}/settings#key=${ACCESS_KEY}`);
  await expect(page.getByTestId('config-error')).toBeVisible();
  await audit(page, 'no CLI');
});

test('the pane: a conversation, and a sign-in inside it', async ({ page, request }, info) => {
  const made = await request.post(`${base(info)}/api/projects`, { headers: AUTH, data: { name: 'demo' } });
  expect([201, 409]).toContain(made.status());
  await signInWithApiKey(request, info);
  await open(page, `${base(info)}/projects/demo#key=${ACCESS_KEY}`);
  await page.getByTestId('pane-input').fill('tool list the files');
  await page.getByTestId('pane-send').click();
  await expect(page.getByTestId('entry-done').last()).toContainText('Done in');
  await audit(page, 'a conversation');

  await open(page, `${base(info)}/#key=${ACCESS_KEY}`);
  await expect(page.getByRole('link', { name: 'demo' })).toBeVisible();
  await audit(page, 'Projects with a project');

  await signOut(request, info);
  await open(page, `${base(info)}/projects/demo#key=${ACCESS_KEY}`);
  await page.getByTestId('pane-input').fill('hello');
  await page.getByTestId('pane-send').click();
  await expect(page.getByTestId('pane-auth-link')).toBeVisible();
  await audit(page, 'signing in in the pane');
});

test('the banner of a sign-in about to end', async ({ page, request }, info) => {
  await signInWithApiKey(request, info);
  await page.route('**/api/claude/auth', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.credential = { storedAt: '2025-12-20T10:00:00Z', expiresAt: '2026-12-20T10:00:00Z', state: 'expiring' };
    await route.fulfill({ response, json: body });
  });
  await open(page, `${base(info)}/#key=${ACCESS_KEY}`);
  await expect(page.getByTestId('credential-banner')).toBeVisible();
  await audit(page, 'banner');
  await open(page, `${base(info)}/settings#key=${ACCESS_KEY}`);
  await expect(page.getByRole('heading', { name: 'Sign in again' })).toBeVisible();
  await audit(page, 'sign in again');
});

/** What a tab switch does to the page left behind, then coming back to it. */
async function backFromAnotherTab(page: Page) {
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })));
}

test('the focus goes where the person goes next, and outcomes are announced', async ({ page, context, request }, info) => {
  await signOut(request, info);
  await context.route('https://claude.ai/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<title>Sign in</title>' }),
  );
  await open(page, `${base(info)}/settings#key=${ACCESS_KEY}`);
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  // The link first: it is what the person opens.
  const link = page.getByRole('link', { name: 'Open Anthropic Login' });
  await expect(link).toBeFocused();
  await expect(link).toHaveAttribute('href', /^https:\/\/claude\.ai\//);
  const [signInTab] = await Promise.all([page.waitForEvent('popup'), link.click()]);
  await signInTab.close();
  await page.bringToFront();
  await backFromAnotherTab(page);
  await expect(codeInput(page)).toBeFocused();

  // An error takes the focus, and is an alert.
  await codeInput(page).fill('rejected-abc#def');
  await confirm(page).click();
  await expect(page.getByRole('alert')).toBeFocused();
  await expect(page.getByRole('alert')).toContainText('did not accept that code');

  await codeInput(page).fill('network-abc#def');
  await confirm(page).click();
  await expect(page.getByTestId('auth-error')).toBeFocused();
  await expect(page.getByTestId('announcer')).toHaveText('Sign-in failed.');
  await page.getByRole('button', { name: 'Retry' }).click();

  await codeInput(page).fill('success-abc#def');
  await confirm(page).click();
  await expect(page.getByTestId('announcer')).toHaveText('Claude AI connected successfully.');
});

test('the pane announces finished answers, not every piece, and signs in with the focus in place', async ({ page, context, request }, info) => {
  const made = await request.post(`${base(info)}/api/projects`, { headers: AUTH, data: { name: 'demo' } });
  expect([201, 409]).toContain(made.status());
  await signOut(request, info);
  await context.route('https://claude.ai/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<title>Sign in</title>' }),
  );
  await open(page, `${base(info)}/projects/demo#key=${ACCESS_KEY}`);
  await expect(page.getByTestId('conversation')).not.toHaveAttribute('aria-live', /.+/);
  await page.getByTestId('pane-input').fill('hello');
  await page.getByTestId('pane-send').click();
  const link = page.getByTestId('pane-auth-link');
  await expect(link).toBeFocused();
  await expect(page.getByTestId('pane-announcer')).toContainText('Claude is not signed in on this server');
  await backFromAnotherTab(page);
  await expect(page.getByTestId('pane-input')).toBeFocused();
  await page.keyboard.type('success-abc#def');
  await page.getByTestId('pane-send').click();
  await expect(page.getByTestId('entry-done').last()).toContainText('Done in');
  await expect(page.getByTestId('pane-announcer')).toHaveText(/^Claude answered: You said: hello Done in \d+\.\d s\.$/);
});
