// Apollo Client 4 with PersistedQueryLink (automatic persisted queries, as
// mobile apps use it) against two gateways sharing one Redis: the first
// query sends its hash alone, is told PersistedQueryNotFound, and sends its
// text; the same query through the other gateway is then answered by its
// hash alone. Against a gateway with APQ off (GATEWAY_APQ=0) the link
// is told PersistedQueryNotSupported once and sends text from then on. Each
// request is recorded by the fetch HttpLink is given. Starts nothing:
// GATEWAY_URL and GATEWAY_URL_2 (two /graphql URLs on one Redis),
// GATEWAY_URL_APQ_OFF and KEY come from the environment;
// server/apq_test.go starts the gateways and runs this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const urls = [process.env.GATEWAY_URL, process.env.GATEWAY_URL_2];
const urlAPQOff = process.env.GATEWAY_URL_APQ_OFF;
const key = process.env.KEY;

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// client returns an Apollo Client for uri and the requests it makes: the
// method, whether the query text was sent, the persistedQuery extension,
// and the answer's status and error messages.
function client(uri, { useGETForHashedQueries = false } = {}) {
  assert.ok(uri, 'GATEWAY_URL, GATEWAY_URL_2 and GATEWAY_URL_APQ_OFF must be set (server/apq_test.go)');
  const requests = [];
  const recordingFetch = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    let query, extensions;
    if (method === 'GET') {
      query = url.searchParams.get('query') ?? undefined;
      const ext = url.searchParams.get('extensions');
      extensions = ext ? JSON.parse(ext) : undefined;
    } else {
      ({ query, extensions } = JSON.parse(init.body));
    }
    const res = await fetch(input, init);
    const body = await res.clone().json();
    requests.push({
      method,
      sentText: typeof query === 'string' && query.length > 0,
      persistedQuery: extensions?.persistedQuery,
      status: res.status,
      errors: (body.errors ?? []).map((e) => e.message),
    });
    return res;
  };
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
    new HttpLink({ uri, fetch: recordingFetch, headers: key ? { authorization: `Bearer ${key}` } : {} }),
  );
  return { apollo: new ApolloClient({ link, cache: new InMemoryCache() }), requests };
}

async function run(c, query) {
  const { data, error } = await c.apollo.query({ query, fetchPolicy: 'network-only' });
  assert.equal(error, undefined, String(error));
  assert.ok(data.locations.length > 0, JSON.stringify(data));
  return data;
}

for (const useGETForHashedQueries of [false, true]) {
  const hashedMethod = useGETForHashedQueries ? 'GET' : 'POST';
  test(`hash only → PersistedQueryNotFound → text, then hash only hits on another gateway (useGETForHashedQueries: ${useGETForHashedQueries})`, async () => {
    // A query of its own per case, so the first case registers nothing
    // the second relies on.
    const query = gql`query ApqLocations${hashedMethod} { locations { id label } }`;

    const first = client(urls[0], { useGETForHashedQueries });
    await run(first, query);
    assert.equal(first.requests.length, 2, JSON.stringify(first.requests));
    const [miss, full] = first.requests;
    assert.equal(miss.method, hashedMethod);
    assert.equal(miss.sentText, false, 'the first request sends the hash alone');
    assert.equal(miss.persistedQuery?.version, 1);
    assert.match(miss.persistedQuery?.sha256Hash ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(miss.errors, ['PersistedQueryNotFound']);
    assert.equal(miss.status, 200);
    assert.equal(full.method, 'POST', 'the link sends the text by POST');
    assert.equal(full.sentText, true);
    assert.equal(full.persistedQuery?.sha256Hash, miss.persistedQuery.sha256Hash);
    assert.deepEqual(full.errors, []);

    // The same client again: its hash alone now hits.
    await run(first, query);
    assert.equal(first.requests.length, 3);
    assert.equal(first.requests[2].sentText, false);
    assert.deepEqual(first.requests[2].errors, []);

    // Another client on the other gateway: one request, the hash alone.
    const second = client(urls[1], { useGETForHashedQueries });
    await run(second, query);
    assert.equal(second.requests.length, 1, JSON.stringify(second.requests));
    assert.equal(second.requests[0].method, hashedMethod);
    assert.equal(second.requests[0].sentText, false);
    assert.equal(second.requests[0].persistedQuery?.sha256Hash, miss.persistedQuery.sha256Hash);
    assert.deepEqual(second.requests[0].errors, []);
  });
}

test('APQ off: PersistedQueryNotSupported once, then the link sends the text alone', async () => {
  const query = gql`query ApqOff { locations { id } }`;
  const c = client(urlAPQOff);
  await run(c, query);
  await run(c, query);
  assert.equal(c.requests.length, 3, JSON.stringify(c.requests));
  const [miss, full, next] = c.requests;
  assert.equal(miss.sentText, false);
  assert.deepEqual(miss.errors, ['PersistedQueryNotSupported']);
  assert.equal(full.sentText, true);
  assert.deepEqual(full.errors, []);
  assert.equal(next.sentText, true, 'the link no longer sends hashes alone');
  assert.equal(next.persistedQuery, undefined);
  assert.deepEqual(next.errors, []);
});
