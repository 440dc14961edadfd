import { defineConfig, devices } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  A11Y_PORTS,
  ACCESS_KEY,
  DISABLED_PORT,
  FAKE_CLI,
  LIFE_PORTS,
  NO_CLI_PORT,
  PANE_PORTS,
  PROFILE_PORTS,
  SERVER_BIN,
  SHORT_FLOW_PORT,
  SLOW_URL_PORT,
  QUIET_SOCKET_PORT,
  QUESTION_PORT,
} from './env';

// Tests run against the release build (`make build`) and the fake CLI
// (`make fake-cli`), started here with a known key and empty credentials.
// Servers run from this folder, not the repository root: they must find
// their site on their own.

/** A server on `port`; with `realCli` it finds the CLI the repository pins
 * (node_modules/.bin/claude, above its binary) instead of the fake. */
function server(port: number, env: Record<string, string> = {}, realCli = false) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-e2e-'));
  const cli: Record<string, string> = realCli ? {} : { CLAUDE_CLI: FAKE_CLI };
  return {
    command: SERVER_BIN,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      // The host's own CLAUDE_CLI must not leak in when the real CLI is meant.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CLAUDE_CLI')) as Record<string, string>,
      DISPATCH_ADDR: `127.0.0.1:${port}`,
      DISPATCH_KEY: ACCESS_KEY,
      ...cli,
      // The fake's settings reach it as an operator's would (no other
      // server variable reaches a CLI).
      DISPATCH_CLI_ENV: 'FAKE_CLAUDE_*',
      FAKE_CLAUDE_SCENARIO: 'success',
      CLAUDE_CREDENTIALS_PATH: path.join(scratch, 'credentials'),
      DISPATCH_CREDENTIALS_KEY_FILE: path.join(scratch, 'key/credentials.key'),
      HOME: scratch,
      CLAUDE_CODE_OAUTH_TOKEN: '',
      ANTHROPIC_API_KEY: '',
      RUST_LOG: 'warn',
      // Every test here starts flows from 127.0.0.1.
      DISPATCH_STARTS_PER_MINUTE: '1000',
      ...env,
    },
  };
}

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

const url = (port: number) => `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // Login tests change what a server stores: within a profile they run one
  // after another; the profiles run side by side, each on its own server.
  fullyParallel: false,
  workers: 3,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], ...chromium, baseURL: url(PROFILE_PORTS.desktop) } },
    { name: 'pixel', use: { ...devices['Pixel 7'], ...chromium, baseURL: url(PROFILE_PORTS.pixel) } },
    // iPhone profiles default to WebKit; here they run in Chromium with the iPhone's size and touch.
    { name: 'iphone', use: { ...devices['iPhone 13'], ...chromium, baseURL: url(PROFILE_PORTS.iphone) } },
  ],
  webServer: [
    server(PROFILE_PORTS.desktop),
    server(PROFILE_PORTS.pixel),
    server(PROFILE_PORTS.iphone),
    server(PANE_PORTS.desktop),
    server(PANE_PORTS.pixel),
    server(PANE_PORTS.iphone),
    server(LIFE_PORTS.desktop),
    server(LIFE_PORTS.pixel),
    server(LIFE_PORTS.iphone),
    server(A11Y_PORTS.desktop),
    server(A11Y_PORTS.pixel),
    server(A11Y_PORTS.iphone),
    server(DISABLED_PORT, { CLAUDE_AUTH_ENABLED: 'false' }, true),
    server(NO_CLI_PORT, { CLAUDE_CLI: '/nonexistent/claude' }),
    server(SHORT_FLOW_PORT, { CLAUDE_AUTH_TIMEOUT: '3000' }),
    // A CLI that takes 30 s to show its link: "Preparing…" stays on screen.
    server(SLOW_URL_PORT, { FAKE_CLAUDE_SCENARIO: 'slow-url', FAKE_CLAUDE_URL_DELAY_MS: '30000' }),
    // Sockets with nothing to do are closed after 1.5 s (not 10 minutes).
    server(QUIET_SOCKET_PORT, { DISPATCH_SOCKET_IDLE_MS: '1500' }),
    // A CLI that asks a question Dispatch does not know before its link;
    // its screen goes to the page after 1 s (not 20).
    server(QUESTION_PORT, { FAKE_CLAUDE_SCENARIO: 'question', DISPATCH_NO_LINK_MS: '1000' }),
  ],
});
