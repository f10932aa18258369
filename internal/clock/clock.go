// Package clock is the simulator's time. Everything Switchboard stamps or schedules (API
// timestamps, a code's expiry, a scheduled message's send time, a delivery's next step, a
// webhook's retry, a call's ringing and pauses) reads "now" from a Clock passed in, never
// from time.Now, so that a test can move the simulator's time (the Clock endpoint of the
// simulator API) instead of waiting for it.
//
// The outbox's leases are on this clock too, so that a job due in the span a move skips
// is claimable at once; a move shifts the leases held by the same amount (see
// store.Outbox's AdvanceClock). Real time still bounds what happens in the real world:
// HTTP timeouts, connection deadlines, the latency of a request. Those use time.Now.
package clock

import "time"

// Clock tells the simulator's time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock: the simulator's time when nobody moved it.
type Real struct{}

// Now is time.Now.
func (Real) Now() time.Time { return time.Now() }
