// Writes graphql-js's introspection queries (introspection-queries.js) to
// server/testdata/introspection/, for the Go test that runs without node:
// npm run write-testdata. introspection.test.js fails when they drift.
import { writeFileSync } from 'node:fs';
import { getIntrospectionQuery } from 'graphql';
import { queries, testdata } from './introspection-queries.js';

for (const [file, { options }] of Object.entries(queries)) {
  writeFileSync(new URL(file, testdata), getIntrospectionQuery(options));
}
