import { APIRequestContext, Page, TestInfo } from '@playwright/test';
import { ACCESS_KEY, LIFE_PORTS } from '../env';
import { test, expect, hydrated } from './fixtures';

// The stored sign-in's life as Settings shows it, on a server of its own
// per profile: when it was stored and until when it holds, what the CLI
// itself sees, who changed it, and the banner from 30 days before it ends.
test.describe.configure({ mode: 'serial' });

const AUTH = { Authorization: `Bearer ${ACCESS_KEY}` };
const API_KEY = 'sk-ant-api03-e2elife0123456789abcdefghijklmnopqrstuvwxyz';
const DAY = 86_400_000;

function base(info: TestInfo): string {
  return `http://127.0.0.1:${LIFE_PORTS[info.project.name as keyof typeof LIFE_PORTS]}`;
}

async function signOut(request: APIRequestContext, info: TestInfo) {
  const answer = await request.delete(`${base(info)}/api/claude/auth`, { headers: AUTH });
  expect(answer.ok()).toBeTruthy();
}

async function open(page: Page, info: TestInfo, path: string) {
  await page.goto(`${base(info)}${path}#key=${ACCESS_KEY}`);
  await hydrated(page);
}

async function shot(page: Page, info: TestInfo, name: string) {
  await info.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
}

/** `3 Dec 2026`, as the page writes a UTC date. */
function dayMonthYear(ms: number): string {
  const d = new Date(ms);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${d.getUTCDate()} ${month} ${d.getUTCFullYear()}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The status as the server says it, with the stored sign-in's dates and
 * state replaced: the page is shown a credential stored `daysAgo` (the
 * server's own windows are tested with its clock, in the Rust tests). */
async function storedLike(page: Page, state: string, daysAgo: number, expires = true) {
  await page.route('**/api/claude/auth', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const storedAt = Date.now() - daysAgo * DAY;
    body.credential = { storedAt: iso(storedAt), expiresAt: expires ? iso(storedAt + 365 * DAY) : null, state };
    await route.fulfill({ response, json: body });
  });
}

test.beforeEach(async ({ request }, info) => {
  await signOut(request, info);
});

test('Settings says when the sign-in was stored, what the CLI sees, and who changed it', async ({ page }, info) => {
  await open(page, info, '/settings');
  await expect(page.getByTestId('activity').or(page.getByTestId('activity-empty'))).toBeVisible();
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByTestId('auth-link')).toBeVisible();
  await page.getByRole('textbox', { name: 'Authorization code' }).fill('success-abc#def');
  await page.getByRole('button', { name: 'Confirm Authentication' }).click();
  await page.getByRole('button', { name: 'Done' }).click();

  const now = Date.now();
  await expect(page.getByTestId('claude-credential')).toHaveText(
    `Signed in on ${dayMonthYear(now)} · valid until about ${dayMonthYear(now + 365 * DAY)}.`,
  );
  await expect(page.getByTestId('credential-banner')).toHaveCount(0);

  await page.getByRole('button', { name: 'Check sign-in' }).click();
  await expect(page.getByTestId('sign-in-check')).toHaveText(
    'The Claude CLI sees the sign-in Dispatch gives it: Claude account (long-lived token).',
  );

  const latest = page.getByTestId('activity').getByRole('listitem').first();
  await expect(latest).toContainText('Signed in with a Claude account · from 127.0.0.1');
  await expect(latest.locator('time')).toHaveText(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$/);
  await shot(page, info, 'stored-sign-in');

  await page.getByRole('button', { name: 'Log out of Claude' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
  await expect(latest).toContainText('Signed out · from 127.0.0.1');
  await expect(page.getByTestId('activity').getByRole('listitem')).toHaveCount(2);
  await page.getByRole('button', { name: 'Check sign-in' }).click();
  await expect(page.getByTestId('sign-in-check')).toHaveText(
    'The Claude CLI is not signed in, and Dispatch has no sign-in to give it: sign in above.',
  );
});

test('from 30 days before it expires, every page has a banner and Settings offers a new sign-in', async ({ page, request }, info) => {
  const stored = await request.post(`${base(info)}/api/claude/auth`, { headers: AUTH, data: { apiKey: API_KEY } });
  expect(stored.ok()).toBeTruthy();
  await storedLike(page, 'expiring', 345);
  const until = dayMonthYear(Date.now() - 345 * DAY + 365 * DAY);

  await open(page, info, '/');
  const banner = page.getByTestId('credential-banner');
  await expect(banner).toContainText(`The Claude sign-in stored on this server expires on ${until}.`);
  await shot(page, info, 'banner-projects');
  await banner.getByRole('link', { name: 'Sign in again' }).click();
  await expect(page).toHaveURL(/\/settings$/);

  await expect(page.getByTestId('claude-credential')).toContainText(`expires on ${until}: sign in again before then.`);
  await expect(banner).toBeVisible();
  await expect(banner.getByRole('link')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Sign in again' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Log out of Claude' })).toBeVisible();
  await shot(page, info, 'banner-settings');
});

test('a sign-in Claude refused is said on every page', async ({ page, request }, info) => {
  const stored = await request.post(`${base(info)}/api/claude/auth`, { headers: AUTH, data: { apiKey: API_KEY } });
  expect(stored.ok()).toBeTruthy();
  await storedLike(page, 'rejected', 5, false);
  await open(page, info, '/settings');
  await expect(page.getByTestId('credential-banner')).toHaveText(
    'Claude no longer accepts the sign-in stored on this server. Sign in again to replace it.',
  );
  await expect(page.getByTestId('claude-credential')).toContainText('Claude no longer accepts it: sign in again.');
});

test('an API key in good standing shows no banner', async ({ page, request }, info) => {
  const stored = await request.post(`${base(info)}/api/claude/auth`, { headers: AUTH, data: { apiKey: API_KEY } });
  expect(stored.ok()).toBeTruthy();
  await open(page, info, '/settings');
  await expect(page.getByTestId('claude-credential')).toContainText('an API key does not expire.');
  await expect(page.getByTestId('credential-banner')).toHaveCount(0);
  await expect(page.getByTestId('activity').getByRole('listitem').first()).toContainText('API key stored');
});
