package commerce

// The write contract. Every write to a backend follows one contract. Commerce states it here and
// in the backend interfaces (Orders, International, Consignment), and
// orchestrates it: authorization, the idempotency record, the ledgers,
// pending writes and events. Each adapter implements it and owns every rule
// of its backend; commerce knows none of them (no backend's limits, codes,
// messages or configuration):
//
//  1. Validate: the backend's rules on the input, checked before any
//     request and answered as user errors at input paths
//     (Orders.ValidateOrder, International.Validate, the checks of
//     Consignment.Prepare).
//  2. Prepare: the input turned into what is sent (Consignment.Prepare;
//     the other adapters prepare inside their write).
//  3. Send, once: the write answers its result; a *Rejection when the
//     backend refused what the caller can fix (its Code, when set, a
//     constant of the adapter that produces it); an *Error for what the
//     caller cannot fix; and an error matching ErrOutcomeUnknown when the
//     request was sent but no answer came.
//  4. Learn the outcome of a lost write: after a timeout or a connection
//     lost once the request was sent, the adapter looks the write up (or
//     resends it where the backend refuses duplicates) and says whether it
//     is there, as a LostWrite (International.Learn, Consignment.Learn).
//     Where a WriteKey lets the adapter find its write again, it learns
//     inside the write itself (Orders: see the TradeGecko adapter's Sales).

// LostWrite is what an adapter learned about a write whose answer was lost.
type LostWrite struct {
	// Outcome is OutcomeRecorded (the write is there), OutcomeNotRecorded
	// (it is not, and will not be: Err is the backend's definitive refusal,
	// a *Rejection) or OutcomeUnknown (the adapter could not tell: Err says
	// why, and carries RetryAfter when the budget is what held it back).
	Outcome WriteOutcome
	Err     error
}
