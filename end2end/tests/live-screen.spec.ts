import { Page } from '@playwright/test';
import { ACCESS_KEY, QUESTION_PORT } from '../env';
import { test, expect, hydrated } from './fixtures';

// A CLI that shows something Dispatch does not know before its link: its
// screen comes to the page, and is answered from there (on a phone too)
// until the link appears.

const BASE = `http://127.0.0.1:${QUESTION_PORT}`;

async function toLiveScreen(page: Page) {
  await page.goto(`${BASE}/settings#key=${ACCESS_KEY}`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByRole('heading', { name: 'The Claude CLI is asking something' })).toBeVisible();
}

test('an unknown question is answered with the key buttons until the link comes', async ({ page }, info) => {
  await toLiveScreen(page);
  const screen = page.getByTestId('live-screen');
  await expect(screen).toContainText('❯ 1. Dark mode');
  // The token on the CLI's screen is masked before it leaves the server.
  await expect(screen).toContainText('An old token was found ********');
  await expect(screen).not.toContainText('QUESTION');
  await expect(page.getByTestId('announcer')).toHaveText(
    'The Claude CLI is asking something: its screen is shown below.',
  );

  // Nothing scrolls sideways, and every key is a finger's size.
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(fits).toBeTruthy();
  for (const name of ['Enter', 'Escape', 'Up arrow', 'Down arrow', 'Left arrow', 'Right arrow', 'Backspace', 'Tab']) {
    const box = await page.getByRole('button', { name, exact: true }).boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
    expect(box?.width ?? 0).toBeGreaterThanOrEqual(44);
  }
  const font = await page.getByLabel('Text for the CLI').evaluate((el) => getComputedStyle(el).fontSize);
  expect(parseFloat(font)).toBeGreaterThanOrEqual(16);
  await info.attach('live-screen', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  await page.getByRole('button', { name: 'Down arrow', exact: true }).click();
  await expect(screen).toContainText('❯ 2. Light mode');
  await page.getByRole('button', { name: 'Enter', exact: true }).click();
  // The link came: the sign-in goes on as usual.
  await expect(page.getByTestId('auth-link')).toHaveAttribute('href', /^https:\/\/claude\.ai\/oauth\/authorize\?/);
  await expect(page.getByTestId('live-screen')).toHaveCount(0);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
});

test('text typed on the live screen goes in with Enter; control characters are refused here', async ({ page }) => {
  await toLiveScreen(page);
  const text = page.getByLabel('Text for the CLI');
  await text.fill('2');
  await page.getByRole('button', { name: 'Type it and press Enter' }).click();
  await expect(page.getByTestId('auth-link')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Login with Claude' }).click();
  await expect(page.getByTestId('live-screen')).toBeVisible();
  await page.getByRole('button', { name: 'Type it and press Enter' }).click();
  await expect(page.getByTestId('live-error')).toHaveText('There is nothing to type.');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Login with Claude' })).toBeVisible();
});
