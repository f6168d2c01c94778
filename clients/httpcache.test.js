// A browser's own HTTP cache: Debian's Chromium, driven by playwright-core,
// fetches GraphQL GET queries and REST GETs from a page on the gateway's
// origin, twice each, and its Resource Timing says what the second cost: a
// storefront catalog answer (public, max-age) comes from the cache without
// a request; an admin answer (private, no-cache) is revalidated with
// If-None-Match and answered 304, headers only; an error (no-store) is sent
// again in full. Starts nothing: GATEWAY_URL (the /graphql URL), KEY (a
// storefront key) and ADMIN_KEY come from the environment, CHROMIUM is the
// browser (default /usr/bin/chromium); server/httpcache_test.go starts a
// gateway and runs this.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.js';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;
const adminKey = process.env.ADMIN_KEY;

let context;
let closeBrowser;
let page;

before(async () => {
  assert.ok(url, 'GATEWAY_URL is not set: point it at a gateway\'s /graphql (server/httpcache_test.go does)');
  assert.ok(key && adminKey, 'KEY and ADMIN_KEY are not set');
  ({ context, close: closeBrowser } = await launchChromium());
  page = await context.newPage();
  // A page on the gateway's origin: its fetches need no CORS, and Resource
  // Timing reports their sizes.
  await page.goto(new URL('/healthz', url).href);
});

after(async () => {
  await closeBrowser?.();
});

// twice fetches path (relative to the origin) with key two times, in the
// page, and reports each answer's status, Cache-Control and the bytes it
// cost (Resource Timing: transferSize 0 is the cache, without a request; a
// revalidated answer costs its headers, not its body).
async function twice(path, k) {
  return page.evaluate(async ({ path, k }) => {
    const out = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(path, { headers: { authorization: `Bearer ${k}` } });
      const body = await res.text();
      await new Promise((r) => setTimeout(r, 50)); // let the timing entry land
      const entries = performance.getEntriesByName(new URL(path, location.href).href);
      const t = entries[entries.length - 1];
      out.push({ status: res.status, cacheControl: res.headers.get('cache-control'), body,
        transferSize: t.transferSize, encodedBodySize: t.encodedBodySize, entries: entries.length });
      performance.clearResourceTimings();
    }
    return out;
  }, { path, k });
}

const catalog = '{ products(first: 50) { nodes { id name variants { sku } } } }';
const gql = (query, tag) => `/graphql?query=${encodeURIComponent(query)}&operationName=&x=${tag}`;

for (const [name, path] of [
  ['GraphQL GET', (tag) => gql(catalog, tag)],
  ['REST GET', (tag) => `/v1/products?first=50&x=${tag}`],
]) {
  test(`${name}, storefront key: the second fetch comes from the browser's cache, without a request`, async () => {
    const [first, second] = await twice(path('storefront'), key);
    assert.equal(first.status, 200, first.body);
    assert.match(first.cacheControl, /^public, max-age=\d+$/);
    assert.ok(first.transferSize > 0, 'the first fetch went to the gateway');
    assert.equal(second.status, 200);
    assert.equal(second.body, first.body);
    assert.equal(second.transferSize, 0, `the second fetch cost ${second.transferSize} bytes: want it from the cache`);
  });

  test(`${name}, admin key: the second fetch is revalidated (304), headers only`, async () => {
    const [first, second] = await twice(path('admin'), adminKey);
    assert.equal(first.status, 200, first.body);
    assert.equal(first.cacheControl, 'private, no-cache');
    assert.equal(second.status, 200); // the browser turns the 304 into its stored answer
    assert.equal(second.body, first.body);
    assert.ok(second.transferSize > 0, 'no-cache: the browser must ask again');
    assert.ok(second.transferSize < first.transferSize && second.transferSize < second.encodedBodySize,
      `the revalidation cost ${second.transferSize} bytes for a ${second.encodedBodySize}-byte body: want a 304, headers only`);
  });
}

test('an error (no-store) is fetched again in full', async () => {
  const [first, second] = await twice(gql('{ nope }', 'error'), key);
  assert.notEqual(first.body.indexOf('errors'), -1, first.body);
  assert.equal(first.cacheControl, 'no-store');
  assert.ok(second.transferSize >= first.transferSize && second.transferSize > 0,
    `the second fetch cost ${second.transferSize} bytes, the first ${first.transferSize}: want it in full`);
});
