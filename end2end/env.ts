// Values the config and the tests share.
import * as path from 'node:path';

export const ACCESS_KEY = 'e2e-access-key-0123456789';
const BASE = Number(process.env.E2E_PORT ?? 3917);

/** One server per browser profile: login tests change what it stores. */
export const PROFILE_PORTS = { desktop: BASE, pixel: BASE + 1, iphone: BASE + 2 } as const;
/** One more per profile for the Projects page and the Claude pane: its
 * tests sign in and out while the login tests run on the profile's server. */
export const PANE_PORTS = { desktop: BASE + 30, pixel: BASE + 31, iphone: BASE + 32 } as const;
/** One more per profile for the stored sign-in's life (Settings' dates,
 * check and activity, the banner). */
export const LIFE_PORTS = { desktop: BASE + 40, pixel: BASE + 41, iphone: BASE + 42 } as const;
/** One more per profile for the accessibility audit, which walks through
 * every state (signing in and out). */
export const A11Y_PORTS = { desktop: BASE + 50, pixel: BASE + 51, iphone: BASE + 52 } as const;
/** Servers whose set-up is the point of the test. */
export const DISABLED_PORT = BASE + 10; // CLAUDE_AUTH_ENABLED=false
export const NO_CLI_PORT = BASE + 11; // CLAUDE_CLI points nowhere
export const SHORT_FLOW_PORT = BASE + 12; // CLAUDE_AUTH_TIMEOUT=3000
export const SLOW_URL_PORT = BASE + 13; // the CLI shows its link after 30 s
export const QUIET_SOCKET_PORT = BASE + 14; // idle sockets closed after 1.5 s
export const QUESTION_PORT = BASE + 15; // the CLI asks something unknown before its link

export const REPO = path.resolve(__dirname, '..');
export const SERVER_BIN = path.join(REPO, 'target/release/dispatch');
// Built with the Rust tests (`make fake-cli`), in debug: it shares their build.
export const FAKE_CLI = path.join(REPO, 'target/debug/fake-claude');
