import { test, expect, hydrated, failChunk, onlyFailedFetches } from './fixtures';

test('the home page (Projects) loads and hydrates without console errors', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Dispatch');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
  // The page names its own chunk, so the browser fetches it with the main module.
  const html = await (await page.request.get('/')).text();
  expect(html).toContain('href="/pkg/split_projects_page.wasm"');
});

test('the settings page is reachable from the header', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Projects' })).toHaveAttribute('aria-current', 'page');
  await expect(nav.getByRole('link', { name: 'Settings' })).not.toHaveAttribute('aria-current');
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  // The router took the click (no new page load), and the header follows it.
  await expect(nav.getByRole('link', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
  await expect(nav.getByRole('link', { name: 'Projects' })).not.toHaveAttribute('aria-current');
});

test('a page whose code could not be fetched says so, and loads when tried again', async ({ page, consoleErrors }) => {
  await page.goto('/settings');
  await hydrated(page);
  const back = await failChunk(page, 'split_projects_page.wasm');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
  await expect(page.getByRole('alert')).toHaveText(/could not be loaded/);
  // The page goes on (no panic stopped the WASM): the router still works.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('alert')).toHaveText(/could not be loaded/);
  onlyFailedFetches(consoleErrors);
  back();
  await page.getByRole('button', { name: 'Try again' }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a first load whose page code could not be fetched hydrates once it can', async ({ page, consoleErrors }) => {
  const back = await failChunk(page, 'split_projects_page.wasm');
  await page.goto('/');
  // The chunk loader's own fetch failed (not only the page's preload link).
  await expect.poll(() => consoleErrors.some((e) => e.startsWith('TypeError: Failed to fetch'))).toBe(true);
  // The server's page stays on screen meanwhile, not yet hydrated.
  await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);
  back();
  await hydrated(page);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  onlyFailedFetches(consoleErrors);
});

test('an unknown address says so', async ({ page, consoleErrors }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  // The browser logs the 404 of the page itself; that one is expected.
  expect(consoleErrors).toEqual([expect.stringContaining('404')]);
  consoleErrors.length = 0;
});

for (const width of [320, 375]) {
  test(`nothing scrolls sideways at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 740 });
    await page.goto('/settings');
    await hydrated(page);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });
}
