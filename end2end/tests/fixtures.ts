import { test as base, expect, Page } from '@playwright/test';

// Every test fails if the page logs an error or throws: a page that
// "works" while its console fills with errors is not working.
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      await use(errors);
      expect(errors, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the WASM has hydrated the page, so clicks reach the app. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

/** Makes the browser's fetches of `chunk` fail until the returned function is called. */
export async function failChunk(page: Page, chunk: string): Promise<() => void> {
  let failing = true;
  await page.route(`**/pkg/${chunk}`, (route) => (failing ? route.abort() : route.continue()));
  return () => {
    failing = false;
  };
}

/** The console errors of failed fetches are expected; nothing else is (no panic). */
export function onlyFailedFetches(consoleErrors: string[]) {
  expect(consoleErrors.length).toBeGreaterThan(0);
  for (const error of consoleErrors) expect(error).toMatch(/Failed to (load resource|fetch)/);
  consoleErrors.length = 0;
}
