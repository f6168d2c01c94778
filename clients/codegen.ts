// graphql-codegen (client-preset) for the gateway: typed documents for
// the operations in codegen/*.graphql, from the committed schema.graphql
// (what `make generate` prints), or from a running gateway when
// GATEWAY_URL is set (its /graphql URL; KEY is sent as a Bearer key, and
// the key's role must be allowed to introspect: GATEWAY_INTROSPECTION).
//
//   node_modules/.bin/graphql-codegen --config codegen.ts
//   GATEWAY_URL=http://localhost:8080/graphql KEY=… node_modules/.bin/graphql-codegen --config codegen.ts
//
// Decimal, Date and DateTime are JSON strings (see their descriptions and
// @specifiedBy in schema.graphql): they map to string both ways, and
// strictScalars makes any scalar without a mapping an error instead of
// `any`. CODEGEN_OUT names the output directory (default codegen/gql/);
// clients/codegen.test.js writes into a temporary one.
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

const url = process.env.GATEWAY_URL;
const key = process.env.KEY;

const config: CodegenConfig = {
  schema: url
    ? [{ [url]: { headers: key ? { Authorization: `Bearer ${key}` } : {} } }]
    : fileURLToPath(new URL('../schema.graphql', import.meta.url)),
  documents: [fileURLToPath(new URL('codegen/*.graphql', import.meta.url))],
  ignoreNoDocuments: false,
  generates: {
    [process.env.CODEGEN_OUT ?? 'codegen/gql/']: {
      preset: 'client',
      config: {
        strictScalars: true,
        scalars: {
          Decimal: { input: 'string', output: 'string' },
          Date: { input: 'string', output: 'string' },
          DateTime: { input: 'string', output: 'string' },
        },
        useTypeImports: true,
        enumsAsTypes: true,
      },
    },
  },
};

export default config;
