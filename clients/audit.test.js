// graphql-http's audit of the GraphQL-over-HTTP spec against a running
// gateway: every MUST and every SHOULD passes (a MAY may answer a notice).
// Starts nothing: GATEWAY_URL (the /graphql URL) and KEY come from the
// environment; server/audit_test.go starts a gateway and runs this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditServer } from 'graphql-http';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;

// The audit's requests, each with the key.
function fetchWithKey(input, init = {}) {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

test('graphql-http audit: 0 MUST and 0 SHOULD failures', async () => {
  assert.ok(url, 'GATEWAY_URL is not set: point it at a gateway\'s /graphql (server/audit_test.go does)');
  const results = await auditServer({ url, fetchFn: fetchWithKey });
  assert.ok(results.length > 0, 'the audit ran no checks');

  const failures = [];
  for (const r of results) {
    if (r.status !== 'warn' && r.status !== 'error') continue;
    let body = '';
    try {
      body = await r.response.text();
    } catch (err) {
      body = `(body unreadable: ${err.message})`;
    }
    failures.push(`${r.status} ${r.name} [${r.id}]: ${r.reason}\n  -> ${r.response.status} ` +
      `${r.response.headers.get('content-type')} ${body}`);
  }
  assert.equal(failures.length, 0, `${failures.length} of ${results.length} audits failed:\n${failures.join('\n')}`);
});
