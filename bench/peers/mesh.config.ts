// Mesh Compose: the supergraph Hive Gateway serves in `make bench-peers`, made from the OpenAPI
// description of the TradeGecko sandbox's catalog (tradegecko.openapi.yaml), as the Mesh v1 docs
// show it (loadOpenAPISubgraph from @omnigraph/openapi). The driver (bench/peers/main.go) runs
// `mesh-compose -o <tmp>/supergraph.graphql` with TRADEGECKO_BASE_URL set to the sandbox it started.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const endpoint = process.env.TRADEGECKO_BASE_URL;
if (!endpoint) {
  throw new Error('TRADEGECKO_BASE_URL is not set (the driver sets it to the sandbox it started)');
}

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('TradeGecko', {
        source: './tradegecko.openapi.yaml',
        endpoint,
        // read at request time from the gateway's environment, not baked into the supergraph
        operationHeaders: { Authorization: 'Bearer {env.TRADEGECKO_ACCESS_TOKEN}' },
      }),
    },
  ],
  // The storefront grid wants each product's variants. The API lists them by
  // product_id; one batched call per page of products (keysArg), matched back to
  // each product by the variants' product_id (valueKeyField), not one call per product.
  additionalTypeDefs: /* GraphQL */ `
    extend type Product {
      variants: [Variant!]!
        @resolveTo(
          sourceName: "TradeGecko"
          sourceTypeName: "Query"
          sourceFieldName: "variants"
          keyField: "id"
          keysArg: "product_id"
          valueKeyField: "product_id"
          additionalArgs: { limit: 250 }
          requiredSelectionSet: "{ id }"
          result: "variants"
        )
    }
  `,
});
