// Package storetest is the conformance suite of the store's contract (store.Store): what
// every backend must do, checked through the contract alone. A backend's own tests run it
// with an Opener that gives a fresh, empty store:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, openTest) }
//
// and the backend is done when the whole suite passes. There is one function per family
// (Accounts, Messages, Numbers, Calls, Outbox, Verify, Templates, WhatsApp) and one for
// the store's own life (Lifecycle), so that a backend under way can run the families it
// has. Every test opens a store of its own and runs in parallel with the others.
//
// What only one backend has (SQLite's query plans, its group commit, its migrations) is
// tested beside that backend, not here.
package storetest

import (
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

// Opener opens a new, empty store for one test, and closes it when the test ends
// (t.Cleanup). A test may close it first: a second Close must be harmless, as the
// contract says.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite, each family a subtest.
func Run(t *testing.T, open Opener) {
	t.Run("Lifecycle", func(t *testing.T) { Lifecycle(t, open) })
	t.Run("Accounts", func(t *testing.T) { Accounts(t, open) })
	t.Run("Messages", func(t *testing.T) { Messages(t, open) })
	t.Run("Numbers", func(t *testing.T) { Numbers(t, open) })
	t.Run("Calls", func(t *testing.T) { Calls(t, open) })
	t.Run("Outbox", func(t *testing.T) { Outbox(t, open) })
	t.Run("Verify", func(t *testing.T) { Verify(t, open) })
	t.Run("Templates", func(t *testing.T) { Templates(t, open) })
	t.Run("WhatsApp", func(t *testing.T) { WhatsApp(t, open) })
}

// test is one conformance test; it opens the stores it needs.
type test struct {
	name string
	run  func(t *testing.T, open Opener)
}

// runAll runs tests as parallel subtests of t.
func runAll(t *testing.T, open Opener, tests []test) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, open)
		})
	}
}
