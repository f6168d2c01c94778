// What an app does with the documents graphql-codegen generates from
// codegen/*.graphql (see codegen.ts). clients/codegen.test.js compiles it
// with `tsc --strict` next to the generated gql/ directory: it compiles
// only when Decimal, Date and DateTime come out as exactly `string` (not
// `unknown`, not `any`), as codegen.ts maps them.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { CatalogDocument, GuestOrderDocument, ProductPageDocument } from './gql/graphql';

// Exactly<T, string> is true only when T is string: any and unknown fail.
type IsAny<T> = 0 extends 1 & T ? true : false;
type Exactly<T, U> = IsAny<T> extends true ? false : [T] extends [U] ? ([U] extends [T] ? true : false) : false;
const exactly = <T, U>(_check: Exactly<T, U>): void => {};

type Catalog = ResultOf<typeof CatalogDocument>;
type Product = NonNullable<ResultOf<typeof ProductPageDocument>['product']>;
type Order = NonNullable<ResultOf<typeof GuestOrderDocument>['createOrder']['order']>;
type OrderInput = VariablesOf<typeof GuestOrderDocument>['input'];

type Amount = NonNullable<Catalog['products']>['nodes'][number]['variants'][number]['retailPrice'] extends infer M
  ? NonNullable<M> extends { amount: infer A } ? A : never
  : never;
exactly<Amount, string>(true); // Money.amount: Decimal
exactly<NonNullable<Product['variants'][number]['weight']>, string>(true); // Decimal
exactly<NonNullable<Product['updatedAt']>, string>(true); // DateTime
exactly<NonNullable<Order['issuedAt']>, string>(true); // Date
exactly<Order['lineItems'][number]['quantity'], string>(true); // Decimal
exactly<OrderInput['lineItems'][number]['quantity'], string>(true); // Decimal as input
exactly<NonNullable<OrderInput['issuedAt']>, string>(true); // Date as input

// An amount is a string to show as it is, never a float to do sums with.
export function priceLabel(catalog: Catalog): string[] {
  return (catalog.products?.nodes ?? []).flatMap((p) =>
    p.variants.map((v) => (v.retailPrice ? `${v.retailPrice.amount.padStart(8)} ${v.retailPrice.currencyCode}` : 'no price')),
  );
}

// The README's guest checkout, typed: quantity is a Decimal string.
export const guestOrder: VariablesOf<typeof GuestOrderDocument> = {
  input: {
    idempotencyKey: 'checkout-1001',
    company: { name: 'Guest Shopper', email: 'guest@example.com' },
    shippingAddress: { address1: '1 Guest Lane', city: 'Auckland', country: 'New Zealand' },
    lineItems: [{ variantId: 'gid://tradegecko/Variant/2', quantity: '1' }],
  },
};
