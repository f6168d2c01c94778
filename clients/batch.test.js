// Batching as Apollo Client sends it: BatchHttpLink puts three queries made
// together into one HTTP request (counted with a fetch wrapper), and each
// query gets its own data or its own errors from the array answered.
// Starts nothing: GATEWAY_URL (the /graphql URL) and KEY come from the
// environment; server/batch_test.go starts a gateway and runs this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;

test('BatchHttpLink sends three queries in one request, and each gets its own answer', async () => {
  assert.ok(url, "GATEWAY_URL is not set: point it at a gateway's /graphql (server/batch_test.go does)");
  const requests = [];
  const countingFetch = async (input, init) => {
    requests.push(JSON.parse(init.body));
    return fetch(input, init);
  };
  const client = new ApolloClient({
    link: new BatchHttpLink({
      uri: url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      fetch: countingFetch,
      batchMax: 10,
      batchInterval: 20,
    }),
    cache: new InMemoryCache(),
  });
  const [products, currencies, bad] = await Promise.all([
    client.query({ query: gql`query Products { products(first: 2) { nodes { id name } } }` }),
    client.query({ query: gql`query Currencies { currencies { id code } }` }),
    client.query({ query: gql`query Bad { variant(id: "not-a-global-id") { id sku } }`, errorPolicy: 'all' }),
  ]);

  assert.equal(requests.length, 1, `${requests.length} HTTP requests, want one batch`);
  assert.ok(Array.isArray(requests[0]) && requests[0].length === 3, `the request body: ${JSON.stringify(requests[0])}`);
  assert.deepEqual(requests[0].map((op) => op.operationName), ['Products', 'Currencies', 'Bad']);

  assert.equal(products.error, undefined, String(products.error));
  assert.equal(products.data.products.nodes.length, 2, JSON.stringify(products.data));
  assert.equal(currencies.error, undefined, String(currencies.error));
  assert.ok(currencies.data.currencies.length > 0 && currencies.data.currencies[0].code, JSON.stringify(currencies.data));
  assert.ok(bad.error, `the bad id got no error: ${JSON.stringify(bad)}`);
  const codes = (bad.error.errors ?? []).map((e) => e.extensions?.code);
  assert.ok(codes.includes('BAD_USER_INPUT'), `its errors: ${JSON.stringify(bad.error)}`);
  client.stop();
});
