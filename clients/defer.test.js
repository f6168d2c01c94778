// @defer as the real clients consume it: Apollo Client 4 (HttpLink with the
// Defer20220824Handler incremental handler) and urql (@urql/core's
// fetchExchange, over POST) each run a product grid whose variants are
// deferred, and must see the grid, then the variants, then the end of
// loading, over one multipart/mixed answer; urql's default GET gets them
// inline. Starts nothing: GATEWAY_URL (the /graphql URL)
// and KEY come from the environment; server/defer_test.go starts a gateway
// and runs this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { Client, fetchExchange, gql as urqlGql } from '@urql/core';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;

const GRID = `
  query Grid {
    products(first: 3) {
      nodes {
        id
        name
        ... @defer(label: "variants") {
          variants { id sku }
        }
      }
    }
  }
`;

// recordingFetch is fetch, remembering each answer's Content-Type.
function recordingFetch() {
  const contentTypes = [];
  const f = async (input, init) => {
    const res = await fetch(input, init);
    contentTypes.push(res.headers.get('content-type'));
    return res;
  };
  return { fetch: f, contentTypes };
}

function headers() {
  assert.ok(url, "GATEWAY_URL is not set: point it at a gateway's /graphql (server/defer_test.go does)");
  return key ? { authorization: `Bearer ${key}` } : {};
}

function assertGrid(data, who) {
  const nodes = data?.products?.nodes;
  assert.equal(nodes?.length, 3, `${who}: ${JSON.stringify(data)}`);
  for (const n of nodes) {
    assert.ok(n.id && n.name, `${who}: product ${JSON.stringify(n)}`);
    assert.ok(Array.isArray(n.variants) && n.variants.length > 0 && n.variants[0].sku,
      `${who}: product ${n.id} has no deferred variants: ${JSON.stringify(n)}`);
  }
}

test('Apollo Client 4 with Defer20220824Handler consumes a @defer query to completion', async () => {
  const rec = recordingFetch();
  const client = new ApolloClient({
    link: new HttpLink({ uri: url, headers: headers(), fetch: rec.fetch }),
    cache: new InMemoryCache(),
    incrementalHandler: new Defer20220824Handler(),
  });
  const seen = [];
  const final = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still loading after 20 s: ${JSON.stringify(seen)}`)), 20_000);
    const sub = client.watchQuery({ query: gql(GRID), fetchPolicy: 'network-only' }).subscribe({
      next(result) {
        seen.push({ loading: result.loading, dataState: result.dataState });
        if (result.error) {
          clearTimeout(timer);
          sub.unsubscribe();
          reject(result.error);
        } else if (!result.loading && result.dataState === 'complete') {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve(result);
        }
      },
      error(err) {
        clearTimeout(timer);
        reject(err);
      },
    });
  });
  assert.match(rec.contentTypes[0] ?? '', /^multipart\/mixed/, `answered as ${rec.contentTypes[0]}`);
  assertGrid(final.data, 'Apollo');
  assert.equal(final.loading, false);
  assert.ok(seen.some((r) => r.loading && r.dataState !== 'empty'),
    `Apollo saw ${JSON.stringify(seen)}: want data while still loading (the grid before its variants)`);
  client.stop();
});

// urqlGrid runs GRID with urql's fetchExchange until its last result.
async function urqlGrid(options) {
  const rec = recordingFetch();
  const client = new Client({
    url,
    exchanges: [fetchExchange],
    fetch: rec.fetch,
    fetchOptions: { headers: headers() },
    requestPolicy: 'network-only',
    ...options,
  });
  const results = [];
  const final = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no final result after 20 s: ${JSON.stringify(results)}`)), 20_000);
    const { unsubscribe } = client.query(urqlGql(GRID), {}).subscribe((result) => {
      results.push({ hasNext: result.hasNext, error: result.error?.message });
      if (result.error) {
        clearTimeout(timer);
        reject(result.error);
      } else if (!result.hasNext) {
        clearTimeout(timer);
        resolve(result);
        setTimeout(() => unsubscribe(), 0);
      }
    });
  });
  return { final, results, contentTypes: rec.contentTypes };
}

test('urql (fetchExchange, POST) consumes a @defer query to completion over multipart/mixed', async () => {
  const { final, results, contentTypes } = await urqlGrid({ preferGetMethod: false });
  assert.match(contentTypes[0] ?? '', /^multipart\/mixed/, `answered as ${contentTypes[0]}`);
  assert.ok(results.length >= 2 && results[0].hasNext === true,
    `urql saw ${JSON.stringify(results)}: want the grid first (hasNext), then the variants`);
  assertGrid(final.data, 'urql');
});

test("urql's default GET gets the deferred data inline, in one result", async () => {
  const { final, results, contentTypes } = await urqlGrid({});
  assert.doesNotMatch(contentTypes[0] ?? '', /multipart/, `answered as ${contentTypes[0]}`);
  assert.equal(results.length, 1, `urql saw ${JSON.stringify(results)}`);
  assertGrid(final.data, 'urql GET');
});
