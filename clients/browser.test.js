// A person in a browser: Debian's Chromium, driven by playwright-core, opens
// the GraphQL playground with a key, reads the docs explorer (root types, a
// field's description), runs a query and sees its data; then opens the REST
// docs page (Swagger UI), tries one request and sees a 200. Starts nothing:
// GATEWAY_URL (the /graphql URL) and KEY come from the environment, CHROMIUM
// is the browser (default /usr/bin/chromium); server/browser_test.go starts
// a gateway and runs this.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.js';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;

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
