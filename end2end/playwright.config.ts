import { defineConfig, devices } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCESS_KEY, PORT } from './env';

// Tests run against the release build (`make build`), started here with a
// known key and an empty credentials folder. The server runs from this
// folder, not the repository root: it must find its site on its own.
const credentials = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-e2e-'));

// Debian's Chromium, never a downloaded browser (these machines cannot fetch one).
const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
};

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], ...chromium } },
    { name: 'pixel', use: { ...devices['Pixel 7'], ...chromium } },
    // iPhone profiles default to WebKit; here they run in Chromium with the iPhone's size and touch.
    { name: 'iphone', use: { ...devices['iPhone 13'], ...chromium } },
  ],
  webServer: {
    command: '../target/release/dispatch',
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      DISPATCH_ADDR: `127.0.0.1:${PORT}`,
      DISPATCH_KEY: ACCESS_KEY,
      CLAUDE_CREDENTIALS_PATH: credentials,
      CLAUDE_CODE_OAUTH_TOKEN: '',
      ANTHROPIC_API_KEY: '',
      RUST_LOG: 'warn',
    },
  },
});
