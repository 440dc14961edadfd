import { APIRequestContext, Page, TestInfo } from '@playwright/test';
import { ACCESS_KEY, PANE_PORTS } from '../env';
import { test, expect, hydrated } from './fixtures';

// The Projects page and the Claude pane, on a server of their own per
// profile (they sign in and out). The fake CLI answers `claude -p`: its
// script follows the prompt's first word (tests/support/fake_claude/print.rs).
test.describe.configure({ mode: 'serial' });

const AUTH = { Authorization: `Bearer ${ACCESS_KEY}` };
const API_KEY = 'sk-ant-api03-e2epane0123456789abcdefghijklmnopqrstuvwxyz';

function base(info: TestInfo): string {
  const port = PANE_PORTS[info.project.name as keyof typeof PANE_PORTS];
  return `http://127.0.0.1:${port}`;
}

async function signOut(request: APIRequestContext, info: TestInfo) {
  const answer = await request.delete(`${base(info)}/api/claude/auth`, { headers: AUTH });
  expect(answer.ok()).toBeTruthy();
}

async function signInWithApiKey(request: APIRequestContext, info: TestInfo) {
  const answer = await request.post(`${base(info)}/api/claude/auth`, { headers: AUTH, data: { apiKey: API_KEY } });
  expect(answer.ok()).toBeTruthy();
}

async function ensureProject(request: APIRequestContext, info: TestInfo, name: string) {
  const answer = await request.post(`${base(info)}/api/projects`, { headers: AUTH, data: { name } });
  expect([201, 409]).toContain(answer.status());
}

async function openProject(page: Page, info: TestInfo, name: string) {
  await page.goto(`${base(info)}/projects/${name}#key=${ACCESS_KEY}`);
  await hydrated(page);
  await expect(page.getByTestId('pane-input')).toBeVisible();
}

async function shot(page: Page, info: TestInfo, name: string) {
  await info.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
}

const input = (page: Page) => page.getByTestId('pane-input');

async function ask(page: Page, prompt: string) {
  await input(page).fill(prompt);
  await page.getByTestId('pane-send').click();
}

test('signed out, the projects page lists projects, creates one, and shows the login prompt', async ({ page, request }, info) => {
  await signOut(request, info);
  await page.goto(`${base(info)}/#key=${ACCESS_KEY}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Claude AI Authentication Required' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();

  const name = `p${Date.now().toString(36)}`;
  await page.getByLabel('New project').fill('../escape');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('alert')).toContainText('letter or a digit');
  await page.getByLabel('New project').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  const item = page.getByTestId('project').filter({ hasText: name });
  await expect(item).toBeVisible();
  // Not signed in: no "New Claude session" until the login is done.
  await expect(item.getByRole('link', { name: 'New Claude session' })).toHaveCount(0);
  await shot(page, info, 'projects-signed-out');

  await signInWithApiKey(request, info);
  await page.reload();
  await hydrated(page);
  await expect(item.getByRole('link', { name: 'New Claude session' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Claude AI Authentication Required' })).toHaveCount(0);
  await item.getByRole('link', { name: 'New Claude session' }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${name}$`));
  await expect(input(page)).toBeVisible();
});

test('with no credential, the pane signs in inline and the prompt runs again', async ({ page, request }, info) => {
  await signOut(request, info);
  await ensureProject(request, info, 'demo');
  await openProject(page, info, 'demo');
  await ask(page, 'hello there');
  await expect(page.getByTestId('entry-prompt').first()).toHaveText('hello there');
  const link = page.getByTestId('pane-auth-link');
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute('href', /^https:\/\/claude\.ai\/oauth\/authorize\?/);
  await expect(page.getByTestId('entry-notice').first()).toContainText('Not logged in');
  await expect(input(page)).toHaveAttribute('placeholder', 'Paste the authorization code here');
  await expect(page.getByTestId('pane-send')).toHaveText('Confirm code');
  await shot(page, info, 'pane-sign-in');

  await input(page).fill('success-abc#def');
  await page.getByTestId('pane-send').click();
  await expect(page.getByTestId('conversation').getByText('Signed in. Running your prompt again.')).toBeVisible();
  await expect(page.getByTestId('entry-answer').last()).toHaveText('You said: hello there');
  await expect(page.getByTestId('entry-done').last()).toContainText('Done in');
  await expect(page.getByTestId('pane-sign-in')).toHaveCount(0);
  await expect(page.getByTestId('pane-send')).toHaveText('Send');
  await shot(page, info, 'pane-answered-after-sign-in');

  // The status everywhere says so.
  const status = await request.get(`${base(info)}/api/claude/auth`, { headers: AUTH });
  expect((await status.json()).authenticated).toBe(true);
});

test('a stored sign-in Claude refuses is named in the pane, and a new one replaces it', async ({ page, request }, info) => {
  // The fake CLI answers a credential holding "revoked" as a revoked token.
  const revoked = 'sk-ant-api03-revoked0123456789abcdefghijklmnopqrstuvwxyz';
  const stored = await request.post(`${base(info)}/api/claude/auth`, { headers: AUTH, data: { apiKey: revoked } });
  expect(stored.ok()).toBeTruthy();
  await ensureProject(request, info, 'demo');
  await openProject(page, info, 'demo');
  await ask(page, 'still there?');
  await expect(page.getByTestId('entry-notice').first()).toContainText(
    'Claude no longer accepts the sign-in stored on this server (OAuth token revoked',
  );
  await expect(page.getByTestId('pane-auth-link')).toBeVisible();
  await shot(page, info, 'pane-rejected');
  await input(page).fill('success-abc#def');
  await page.getByTestId('pane-send').click();
  await expect(page.getByTestId('entry-answer').last()).toHaveText('You said: still there?');
  const status = await request.get(`${base(info)}/api/claude/auth`, { headers: AUTH });
  expect((await status.json()).credential.state).toBe('ok');
});

test('a refused code is told in the pane, and the pane can still sign in', async ({ page, request }, info) => {
  await signOut(request, info);
  await ensureProject(request, info, 'demo');
  await openProject(page, info, 'demo');
  await ask(page, 'hi');
  await expect(page.getByTestId('pane-auth-link')).toBeVisible();
  await input(page).fill('rejected-abc#def');
  await page.getByTestId('pane-send').click();
  await expect(page.getByTestId('pane-auth-error')).toContainText('did not accept that code');
  const firstLink = await page.getByTestId('pane-auth-link').getAttribute('href');
  await page.getByRole('button', { name: 'Get a new link' }).click();
  await expect(page.getByTestId('pane-auth-link')).not.toHaveAttribute('href', firstLink!);
  await expect(page.getByTestId('pane-auth-error')).toHaveCount(0);
  await input(page).fill('success-abc#def');
  await page.getByTestId('pane-send').click();
  await expect(page.getByTestId('entry-answer').last()).toHaveText('You said: hi');
});

test('answers stream with tool uses, follow-ups continue, and Stop stops', async ({ page, request }, info) => {
  await signInWithApiKey(request, info);
  await ensureProject(request, info, 'demo');
  await openProject(page, info, 'demo');
  await ask(page, 'tool please');
  await expect(page.getByTestId('entry-tool')).toHaveText('Bash ls -la');
  await expect(page.getByTestId('entry-answer').last()).toHaveText('There is a README.');
  await expect(page.getByTestId('entry-done')).toHaveCount(1);

  // Enter sends.
  await input(page).fill('and then?');
  await input(page).press('Enter');
  await expect(page.getByTestId('entry-answer').last()).toHaveText('You said: and then?');
  await expect(page.getByTestId('entry-done')).toHaveCount(2);

  // An answer that quotes the CLI's line is only an answer.
  await ask(page, 'mention it');
  await expect(page.getByTestId('entry-done')).toHaveCount(3);
  await expect(page.getByTestId('pane-sign-in')).toHaveCount(0);

  await ask(page, 'hang on');
  await expect(page.getByTestId('pane-running')).toBeVisible();
  await expect(page.getByTestId('pane-send')).toBeDisabled();
  await shot(page, info, 'pane-running');
  await page.getByTestId('pane-stop').click();
  await expect(page.getByTestId('entry-problem').last()).toHaveText('Stopped.');
  await expect(page.getByTestId('pane-running')).toHaveCount(0);
  await ask(page, 'still here?');
  await expect(page.getByTestId('entry-answer').last()).toHaveText('You said: still here?');
});

test('nothing scrolls sideways in the pane', async ({ page, request }, info) => {
  await signInWithApiKey(request, info);
  await ensureProject(request, info, 'demo');
  await openProject(page, info, 'demo');
  await ask(page, 'tool please');
  await expect(page.getByTestId('entry-done')).toHaveCount(1);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
});
