// Hive Gateway, as `make bench-peers` runs it: the supergraph Mesh Compose made from
// tradegecko.openapi.yaml (mesh.config.ts), with Hive Gateway's response caching turned on the
// way its documentation shows it (responseCaching, which is @graphql-mesh/plugin-response-cache,
// the version package.json pins, deduped; the storage is the gateway's default in-memory cache). The driver starts `hive-gateway supergraph <tmp>/supergraph.graphql`
// with --host/--port and TRADEGECKO_ACCESS_TOKEN for the Authorization header mesh.config.ts
// interpolates.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  responseCaching: {
    // one cache for every client: the catalog is the same for all, as in our gateway's
    // response cache for storefront keys
    session: () => null,
    // our gateway keeps an answer for as long as the least fresh thing it read stays fresh:
    // stock, 30 s (CACHE_TTL_STOCK); the same bound here
    ttl: 30_000,
  },
  // the bench reads answers, not traces: no per-request logging
  logging: 'warn',
});
