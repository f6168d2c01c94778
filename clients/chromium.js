// Debian's Chromium, driven by playwright-core, for the browser tests
// (browser.test.js, httpcache.test.js): a fresh profile each launch, and
// the flags this machine's closed network needs (no background
// connections, no QUIC). CHROMIUM names the browser (default
// /usr/bin/chromium; server/clients_test.go sets it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const timeout = 30_000; // one step; two cores may be busy

// launchChromium returns a browser context and a close that also removes
// its profile.
export async function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'gateway-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(timeout);
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}
