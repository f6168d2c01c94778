// The two subscription clients storefronts use, against a real gateway:
// graphql-ws (graphql-transport-ws over WebSocket, the key in
// connection_init as a browser must send it) and graphql-sse (GraphQL over
// SSE, distinct connections mode, the key in a header). Each subscribes to
// a variant's stock, changes it through the TradeGecko sandbox's control
// route (which delivers the signed webhook to the gateway, as TradeGecko
// would), and receives the new stock. Starts nothing: GATEWAY_URL (the
// /graphql URL), KEY (a storefront key) and SANDBOX_URL (the sandbox) come
// from the environment; server/subscriptions_test.go starts them and runs
// this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createClient as createWSClient } from 'graphql-ws';
import { createClient as createSSEClient } from 'graphql-sse';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;
const sandbox = process.env.SANDBOX_URL;

const variant = 'gid://tradegecko/Variant/3';
const query = `subscription Stock($ids: [ID!]!) { variantChanged(ids: $ids) { id inventory { onHand } } }`;

async function setStock(onHand) {
  const res = await fetch(`${sandbox}/_sandbox/stock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ variant_id: 3, location_id: 1, stock_on_hand: onHand }),
  });
  assert.equal(res.status, 200, `POST /_sandbox/stock: ${res.status}`);
}

// firstEvent subscribes with client and resolves with the first event
// once change() has run (after the subscription is open).
async function firstEvent(client, change) {
  const it = client.iterate({ query, variables: { ids: [variant] } });
  const next = it.next();
  // The subscription opens on the first pull; give it time to reach the hub.
  await new Promise((r) => setTimeout(r, 300));
  await change();
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no event within 5 s')), 5000));
  const { value } = await Promise.race([next, timeout]);
  await it.return?.();
  return value;
}

test('graphql-ws: the key in connection_init, the new stock arrives', async () => {
  assert.ok(url && key && sandbox, 'GATEWAY_URL, KEY and SANDBOX_URL must be set');
  const client = createWSClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  try {
    const event = await firstEvent(client, () => setStock('31'));
    assert.deepEqual(event.errors, undefined);
    assert.deepEqual(event.data.variantChanged, { id: variant, inventory: { onHand: '31' } });
  } finally {
    await client.dispose();
  }
});

test('graphql-ws: an unknown key is closed with 4401', async () => {
  const client = createWSClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: 'Bearer not-a-key' },
    retryAttempts: 0,
  });
  const closed = new Promise((resolve) => client.on('closed', resolve));
  const it = client.iterate({ query, variables: { ids: [variant] } });
  await assert.rejects(it.next(), (err) => err.code === 4401 || err?.code === 4401);
  const ev = await closed;
  assert.equal(ev.code, 4401);
  await client.dispose();
});

test('graphql-sse: the key in a header, the new stock arrives', async () => {
  const client = createSSEClient({
    url,
    headers: { Authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  try {
    const event = await firstEvent(client, () => setStock('32'));
    assert.deepEqual(event.errors, undefined);
    assert.deepEqual(event.data.variantChanged, { id: variant, inventory: { onHand: '32' } });
  } finally {
    client.dispose();
  }
});
