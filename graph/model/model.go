// Package model holds Go types for GraphQL shapes that have no domain type:
// today only Node, the interface every object with a global id implements.
// It must never hold behaviour.
package model

// Node is any object with a global id: commerce.Product, commerce.Variant,
// commerce.Location, commerce.Currency, commerce.Image. The schema's type
// resolution tells them apart; no method is needed.
type Node any
