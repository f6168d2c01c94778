// A storefront page's live stock: Chromium's own EventSource (Debian's
// Chromium, driven by playwright-core) follows GET /v1/variants/events with
// the storefront key as ?key= (EventSource cannot send headers), receives
// an event, and — after the connection drops — reconnects by itself,
// sending Last-Event-ID, and receives what it missed and then the live
// events, with no duplicate. Starts nothing: GATEWAY_URL (the /graphql URL)
// and KEY (a storefront key) come from the environment; CONTROL_URL is the
// test's control (server/eventsource_test.go): POST /publish announces a
// change to variant 2, POST /drop drops every open stream, GET /seen lists
// the Last-Event-ID headers the streams were opened with. CHROMIUM is the
// browser (default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;
const control = process.env.CONTROL_URL;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const timeout = 30_000;

let profile;
let context;

before(async () => {
  assert.ok(url, 'GATEWAY_URL is not set: point it at a gateway\'s /graphql (server/eventsource_test.go does)');
  assert.ok(key, 'KEY is not set');
  assert.ok(control, 'CONTROL_URL is not set');
  profile = mkdtempSync(join(tmpdir(), 'gateway-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(timeout);
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function post(path) {
  const res = await fetch(control + path, { method: 'POST' });
  assert.equal(res.status, 204, `POST ${path}`);
}

test('EventSource: an event, then a reconnection with Last-Event-ID and no duplicate', async () => {
  const page = await context.newPage();
  const origin = new URL(url).origin;
  await page.goto(origin + '/v1');
  await page.evaluate((k) => {
    window.opens = 0;
    window.received = [];
    const es = new EventSource('/v1/variants/events?ids=2&key=' + encodeURIComponent(k));
    es.onopen = () => { window.opens++; };
    es.addEventListener('variant', (e) => {
      window.received.push({ id: e.lastEventId, variant: JSON.parse(e.data).id });
    });
    window.es = es;
  }, key);
  await page.waitForFunction(() => window.opens === 1);

  await post('/publish');
  await page.waitForFunction(() => window.received.length === 1);
  const [first] = await page.evaluate(() => window.received);
  assert.equal(first.variant, 'gid://tradegecko/Variant/2');
  // An id is the change bus's position: a Redis stream entry id (ms-n) or,
  // on the in-process bus, a counter.
  assert.match(first.id, /^\d+(-\d+)?$/);

  // The connection drops; two changes happen while the page is away.
  await post('/drop');
  await post('/publish');
  await post('/publish');
  await page.waitForFunction(() => window.opens === 2);
  await page.waitForFunction(() => window.received.length === 3);
  await post('/publish');
  await page.waitForFunction(() => window.received.length === 4);

  const received = await page.evaluate(() => window.received);
  const ids = received.map((e) => e.id);
  const position = (id) => id.split('-').map(BigInt);
  const compare = (a, b) => {
    const [pa, pb] = [position(a), position(b)];
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const [x, y] = [pa[i] ?? 0n, pb[i] ?? 0n];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  assert.deepEqual([...new Set(ids)], ids, `duplicate events: ${JSON.stringify(received)}`);
  assert.deepEqual([...ids].sort(compare), ids, `out of order: ${JSON.stringify(received)}`);
  const seen = await (await fetch(control + '/seen')).json();
  assert.deepEqual(seen, ['', first.id], 'the streams were opened with these Last-Event-ID headers');
  await page.evaluate(() => window.es.close());
});
