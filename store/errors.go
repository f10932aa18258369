package store

import "errors"

// Errors every backend returns, wrapped with context; callers test them with errors.Is.
// server/errors.go turns them into the API's errors.
var (
	// ErrNotFound: no row matches (or it belongs to another account).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the row exists but is not in a state that allows the change, or a
	// unique value (a SID, a phone number) is taken.
	ErrConflict = errors.New("conflict")
	// ErrLimit: the change would go past a limit the caller set.
	ErrLimit = errors.New("limit reached")
	// ErrNotSender: a SenderRule asked that the account own the sender, and it does not
	// (as an SMS-capable number).
	ErrNotSender = errors.New("not an SMS-capable number of the account")
	// ErrOptedOut: a SenderRule's recipient has opted out of messages from its sender.
	ErrOptedOut = errors.New("recipient opted out of the sender")
	// ErrLeaseLost: the job is no longer leased to the caller (its lease ran out and
	// another worker claimed it, or it is gone). The caller's result must be dropped:
	// the other worker's counts.
	ErrLeaseLost = errors.New("job lease lost")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrUnavailable: the database cannot serve the request now (another process holds
	// its lock for longer than the store waits, or it cannot be reached). Nothing is
	// wrong with the request; trying again later may work. A backend wraps its own error
	// in it, so that the cause is still in the message.
	ErrUnavailable = errors.New("database unavailable")
)
