// A person in a browser: Debian's Chromium, driven by playwright-core, opens
// the GraphQL playground with a key, reads the docs explorer (root types, a
// field's description), runs a query and sees its data; then opens the REST
// docs page (Swagger UI), tries one request and sees a 200; and runs a
// subscription in the playground (GraphiQL over graphql-ws, the key in
// connection_init), sees it wait, and sees the event after the TradeGecko
// sandbox's stock changes. Starts nothing: GATEWAY_URL (the /graphql URL),
// KEY and SANDBOX_URL (the TradeGecko sandbox, with its /_sandbox control
// routes, delivering webhooks to the gateway) come from the environment,
// CHROMIUM is the browser (default /usr/bin/chromium);
// server/browser_test.go starts a gateway and runs this.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.js';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;
const sandbox = process.env.SANDBOX_URL;

let context;
let closeBrowser;
// What the pages did that a person would not see: script errors, refused
// requests (a CSP violation, an asset from elsewhere), error answers,
// console errors, a key in a URL. An anonymous request's 401 is not one:
// the playground introspects before a key is pasted, and is refused.
let problems = [];

before(async () => {
  assert.ok(url, 'GATEWAY_URL is not set: point it at a gateway\'s /graphql (server/browser_test.go does)');
  assert.ok(key, 'KEY is not set');
  ({ context, close: closeBrowser } = await launchChromium());
});

after(async () => {
  await closeBrowser?.();
});

async function open(path) {
  const page = await context.newPage();
  problems = [];
  const origin = new URL(url).origin;
  page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
  page.on('console', (msg) => {
    // A failed load is also a response, judged below.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on('response', (res) => {
    const anonymous = !res.request().headers().authorization && !res.request().headers()['x-api-key'];
    if (res.status() >= 400 && !(res.status() === 401 && anonymous)) {
      problems.push(`${res.request().method()} ${res.url()}: ${res.status()}`);
    }
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(origin) && !req.url().startsWith('data:')) problems.push(`request elsewhere: ${req.url()}`);
    if (req.url().includes(key)) problems.push(`the key is in a URL: ${req.url()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  const res = await page.goto(origin + path);
  assert.equal(res.status(), 200, `GET ${path}`);
  return page;
}

test('the playground: a key, the docs explorer, a query with data', async () => {
  const page = await open('/playground');
  // The key bar: paste a key and press Enter.
  await page.getByText('No key: requests are anonymous').waitFor();
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API key').press('Enter');
  await page.getByText('Key in use for this tab').waitFor();

  // The docs explorer lists the root types (from introspection with the key)…
  await page.getByRole('button', { name: /documentation explorer/i }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await docs.getByText('Root Types').waitFor();
  await docs.getByRole('link', { name: 'Query', exact: true }).waitFor();
  await docs.getByRole('link', { name: 'Mutation', exact: true }).waitFor();
  // … and a field's description.
  await docs.getByRole('link', { name: 'Query', exact: true }).click();
  const products = docs.locator('.graphiql-doc-explorer-item', { hasText: /^products/ }).first();
  await products.waitFor();
  const description = (await products.locator('.graphiql-markdown-description').innerText()).trim();
  assert.ok(description.length > 10, `Query.products has no description in the docs explorer: ${JSON.stringify(description)}`);

  // The default query runs, with the key, and its data shows.
  const answer = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().method() === 'POST' &&
    (r.request().postData() || '').includes('products(first: 5)'));
  await page.getByRole('button', { name: /execute query/i }).click();
  const res = await answer;
  assert.equal(res.status(), 200);
  assert.equal(res.request().headers().authorization, `Bearer ${key}`);
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.ok(body.data.products.totalCount > 0, JSON.stringify(body));
  const result = page.locator('.result-window');
  await result.getByText('"totalCount"').waitFor();
  await result.getByText(body.data.products.nodes[0].name).first().waitFor();

  assert.deepEqual(problems, []);
  await page.close();
});

test('the REST docs: Swagger UI tries GET /v1/locations and sees a 200', async () => {
  const page = await open('/v1/docs');
  // Authorize: paste the key as the X-API-Key.
  await page.locator('.auth-wrapper .authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  const scheme = dialog.locator('form', { hasText: 'apiKey (apiKey)' });
  await scheme.locator('input').fill(key);
  await scheme.getByRole('button', { name: 'Apply credentials' }).click();
  await scheme.getByRole('button', { name: 'Remove authorization' }).waitFor();
  await dialog.locator('.close-modal').click();

  const op = page.locator('#operations-Catalog-listLocations');
  await op.locator('.opblock-summary').click();
  // tryItOutEnabled: the operation opens ready to execute.
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/locations');
  await op.getByRole('button', { name: 'Execute' }).click();
  const res = await answer;
  assert.equal(res.status(), 200);
  assert.equal(res.request().headers()['x-api-key'], key, 'the key from #key= is the X-API-Key of the request');
  const status = op.locator('.live-responses-table .response .response-col_status');
  await status.waitFor();
  assert.equal((await status.innerText()).trim(), '200');
  await op.locator('.live-responses-table .response-col_description').getByText('"id"').first().waitFor();

  assert.deepEqual(problems, []);
  await page.close();
});

test('the playground: a subscription waits, then shows the new stock', async () => {
  assert.ok(sandbox, 'SANDBOX_URL is not set');
  const page = await open('/playground');
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API key').press('Enter');
  await page.getByText('Key in use for this tab').waitFor();

  // The query editor is GraphiQL's CodeMirror; type the subscription in it.
  const subscription = 'subscription Stock { variantChanged(ids: ["gid://tradegecko/Variant/4"]) { sku inventory { onHand } } }';
  await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor();
  await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q), subscription);
  // GraphiQL parses the editor's text a moment after an edit (debounced);
  // until then it would not know the operation is a subscription, and a
  // person does not press run within that moment either.
  await page.waitForTimeout(1000);

  // Running it opens a WebSocket to /graphql, sends the key in
  // connection_init (a browser cannot set headers on a WebSocket), and
  // subscribes. The frames are watched from the socket's first moment.
  const frames = [];
  let socketURL;
  const subscribed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscribe frame within 30 s: ${JSON.stringify(frames)}`)), 30_000);
    page.on('websocket', (ws) => {
      socketURL = ws.url();
      ws.on('framereceived', (f) => frames.push(JSON.parse(f.payload)));
      ws.on('framesent', (f) => {
        const m = JSON.parse(f.payload);
        frames.push(m);
        if (m.type === 'subscribe') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
  await page.getByRole('button', { name: /execute query/i }).click();
  await subscribed;
  assert.equal(new URL(socketURL).pathname, '/graphql');
  const init = frames.find((f) => f.type === 'connection_init');
  assert.ok(init && JSON.stringify(init.payload).includes(key), `the key goes in connection_init: ${JSON.stringify(frames)}`);

  // The stock changes in TradeGecko; its signed webhook reaches the gateway;
  // the event shows in the result pane. (Retried once with another figure,
  // in case the first change raced the subscription's start.)
  const result = page.locator('.result-window');
  let shown = false;
  for (const [n, total] of [['23', '31'], ['24', '32']]) {
    const res = await fetch(sandbox + '/_sandbox/stock', {
      method: 'POST', body: JSON.stringify({ variant_id: 4, location_id: 1, stock_on_hand: n }),
    });
    assert.equal(res.status, 200, `POST /_sandbox/stock: ${await res.text()}`);
    try {
      await result.getByText(`"${total}"`).waitFor({ timeout: 5000 });
      shown = true;
      break;
    } catch { /* the next figure */ }
  }
  assert.ok(shown, `the event did not show; frames: ${JSON.stringify(frames)}`);
  assert.ok(frames.some((f) => f.type === 'next' && f.payload.data?.variantChanged?.sku), JSON.stringify(frames));

  assert.deepEqual(problems, []);
  await page.close();
});
