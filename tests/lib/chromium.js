// chromium.js: what the browser tests (browser.test.js, web.test.js) share:
// Debian's chromium, the launch flags that work as root on a closed network,
// and playwright-core from tests/node_modules (tools/setup-browser.sh
// installs both; playwright-core downloads no browser).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export const chromiumPath = '/usr/bin/chromium';

/** false, or why the browser tests are skipped (no chromium). */
export const chromiumSkip = existsSync(chromiumPath)
  ? false
  : `${chromiumPath} is absent (tools/setup-browser.sh installs Debian's chromium)`;

export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** playwright-core, or an error saying how to install it. */
export function loadPlaywright() {
  const require = createRequire(import.meta.url);
  try {
    return require('playwright-core');
  } catch (error) {
    throw new Error(`playwright-core is not installed in tests/node_modules: run tools/setup-browser.sh (${error.message})`);
  }
}
