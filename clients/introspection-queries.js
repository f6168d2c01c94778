// The introspection queries real clients send, as graphql-js's
// getIntrospectionQuery options and operation name, by the file
// server/testdata/introspection/ keeps each in (for the Go test that runs
// without node).
export const testdata = new URL('../server/testdata/introspection/', import.meta.url);

export const queries = {
  // graphql-js's default (graphql-codegen's and most tools' query).
  'default.graphql': { options: {} },
  // Every option graphql-js 16 has, on.
  'all-options.graphql': {
    options: {
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    },
  },
  // GraphiQL 3.9 (server/playground/assets) as server/playground mounts it:
  // getIntrospectionQuery({inputValueDeprecation, schemaDescription}) with
  // its props unset, sent with operationName "IntrospectionQuery".
  'graphiql.graphql': {
    options: { inputValueDeprecation: undefined, schemaDescription: undefined },
    operationName: 'IntrospectionQuery',
  },
};
