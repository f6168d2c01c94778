// graphql-js against a running gateway: its standard introspection queries
// are answered, and the answer builds a client schema that the README's
// catalog query validates against (what GraphiQL's docs and autocomplete,
// and graphql-codegen, need). Starts nothing: GATEWAY_URL (the /graphql
// URL) and KEY come from the environment; server/introspection_test.go
// starts a gateway and runs this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isObjectType,
  isScalarType,
  parse,
  validate,
} from 'graphql';
import { queries, testdata } from './introspection-queries.js';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;

async function post(query, operationName) {
  assert.ok(url, 'GATEWAY_URL is not set: point it at a gateway\'s /graphql (server/introspection_test.go does)');
  const headers = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, operationName }) });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

for (const [file, { options, operationName }] of Object.entries(queries)) {
  test(`getIntrospectionQuery(${JSON.stringify(options)}) builds a client schema (${file})`, async () => {
    const query = getIntrospectionQuery(options);
    assert.equal(readFileSync(new URL(file, testdata), 'utf8'), query,
      `server/testdata/introspection/${file} is not what graphql-js writes: npm run write-testdata`);

    const body = await post(query, operationName);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const schema = buildClientSchema(body.data);

    const products = schema.getQueryType().getFields().products;
    assert.ok(products, 'Query.products');
    assert.ok(products.args.some((a) => a.name === 'first'), 'Query.products(first:)');
    assert.ok(schema.getMutationType().getFields().createOrder, 'Mutation.createOrder');
    const variant = schema.getType('Variant');
    assert.ok(isObjectType(variant) && variant.getFields().retailPrice, 'Variant.retailPrice');
    assert.ok(isScalarType(schema.getType('Decimal')), 'scalar Decimal');
    assert.ok(isInputObjectType(schema.getType('ProductFilter')), 'input ProductFilter');
    assert.ok(isEnumType(schema.getType('OrderStatus')), 'enum OrderStatus');
    if (options.descriptions !== false) {
      assert.ok(products.description, 'Query.products has its description');
    }
    if (options.specifiedByUrl) {
      for (const name of ['Decimal', 'Date', 'DateTime']) {
        assert.match(schema.getType(name).specifiedByURL ?? '', /^https:\/\//, `scalar ${name} has its @specifiedBy(url:)`);
      }
    }

    // A client (codegen, GraphiQL) validates documents against it.
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const catalog = readme.match(/```graphql\n(query Catalog[\s\S]*?)```/)[1];
    assert.deepEqual(validate(schema, parse(catalog)).map(String), []);
  });
}
