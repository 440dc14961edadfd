import { ACCESS_KEY, DISABLED_PORT } from '../env';
import { test, expect, hydrated } from './fixtures';

import * as fs from 'node:fs';
import * as path from 'node:path';

// The CLI version the repository pins: the status must show that one.
const CLI_VERSION: string = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'),
).dependencies['@anthropic-ai/claude-code'];

test('the key from the link fragment shows the status and leaves the address bar', async ({ page }) => {
  await page.goto(`/settings#key=${ACCESS_KEY}`);
  await hydrated(page);
  await expect(page.getByTestId('claude-cli')).toContainText('Claude CLI');
  await expect(page.getByTestId('claude-account')).toBeVisible();
  await expect(page.getByTestId('claude-login-enabled')).toHaveText('Enabled.');
  expect(page.url()).not.toContain(ACCESS_KEY);
});

test('the status names the real CLI the repository pins', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${DISABLED_PORT}/settings#key=${ACCESS_KEY}`);
  await hydrated(page);
  await expect(page.getByTestId('claude-cli')).toContainText(`Claude CLI ${CLI_VERSION}`);
  await expect(page.getByTestId('claude-cli')).toContainText('node_modules/.bin/claude');
});

test('without a key the access-key step shows; a wrong key is refused, the right one accepted', async ({ page, consoleErrors }) => {
  await page.goto('/settings');
  await hydrated(page);
  const input = page.getByRole('textbox', { name: 'Access key' });
  await expect(input).toBeVisible();

  await input.fill('not-the-right-key-at-all');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('alert')).toHaveText('That access key is not right. Check it and try again.');
  await expect(page.getByTestId('claude-status')).toHaveCount(0);
  // The browser logs the server's 401 for the wrong key; nothing else may appear.
  expect(consoleErrors).toEqual([expect.stringContaining('401')]);
  consoleErrors.length = 0;

  await page.getByRole('textbox', { name: 'Access key' }).fill(ACCESS_KEY);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('claude-cli')).toContainText('Claude CLI');
  expect(page.url()).not.toContain(ACCESS_KEY);
});

test('the key is kept for the tab, and for the device only when asked', async ({ page, context }) => {
  await page.goto('/settings');
  await hydrated(page);
  await page.getByRole('textbox', { name: 'Access key' }).fill(ACCESS_KEY);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('claude-status')).toBeVisible();

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('claude-status')).toBeVisible();

  const other = await context.newPage();
  await other.goto('/settings');
  await hydrated(other);
  await expect(other.getByRole('textbox', { name: 'Access key' })).toBeVisible();

  await other.getByRole('textbox', { name: 'Access key' }).fill(ACCESS_KEY);
  await other.getByLabel('Remember on this device').check();
  await other.getByRole('button', { name: 'Continue' }).click();
  await expect(other.getByTestId('claude-status')).toBeVisible();

  const third = await context.newPage();
  await third.goto('/settings');
  await hydrated(third);
  await expect(third.getByTestId('claude-status')).toBeVisible();

  await third.getByRole('button', { name: 'Forget access key' }).click();
  await expect(third.getByRole('textbox', { name: 'Access key' })).toBeVisible();
});
