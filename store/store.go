// Package store keeps Switchboard's accounts and messages in SQLite (modernc.org/sqlite,
// pure Go). It knows SQL and nothing of HTTP: callers pass and get plain Go values, and
// missing rows come back as ErrNotFound.
//
// One connection writes and a small pool reads, so that writers never fight over SQLite's
// single write lock (no SQLITE_BUSY under load) while reads run in parallel under WAL.
package store

import (
	"errors"
	"time"
)

// Errors the store returns; wrap-aware callers test them with errors.Is.
var (
	// ErrNotFound: no row matches (or it belongs to another account).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the row exists but is not in a state that allows the change.
	ErrConflict = errors.New("conflict")
	// ErrLimit: the change would go past a limit the caller set.
	ErrLimit = errors.New("limit reached")
)

// Account is a main account (ParentSid == "") or a subaccount of one.
type Account struct {
	Sid          string
	ParentSid    string // "" for a main account
	FriendlyName string
	Status       string // active, suspended, closed
	AuthToken    string
	DateCreated  time.Time
	DateUpdated  time.Time
	Seq          int64 // position in list order; set by the store, used only for paging
}

// Message is one message of an account.
type Message struct {
	Sid                 string
	AccountSid          string
	To                  string
	From                string // "" when not set (a messaging service will choose)
	MessagingServiceSid string // "" when not set
	Body                string
	MediaURLs           []string
	Status              string
	Direction           string
	NumSegments         int
	StatusCallback      string    // "" when not set
	SendAt              time.Time // zero unless scheduled
	ErrorCode           int       // 0 when none
	ErrorMessage        string    // "" when none
	DateCreated         time.Time
	DateUpdated         time.Time
	DateSent            time.Time // zero until sent
	Seq                 int64     // position in list order; set by the store, used only for paging
}

// Page asks for one page of a list ordered newest first (by Seq, descending).
//
// Exactly one way of positioning is used: After > 0 returns the Size rows that come after
// (are older than) the row with Seq == After; Before > 0 returns the Size rows that come
// just before (are newer than) the row with Seq == Before, still in newest-first order;
// otherwise Offset rows are skipped from the start. Keyset positioning (After/Before)
// costs the same wherever in the list it lands; Offset grows with the offset.
type Page struct {
	Size   int
	After  int64
	Before int64
	Offset int
}

// MessageFilter narrows a message list; zero fields do not filter. A message that has
// no DateSent yet is matched on its DateCreated.
type MessageFilter struct {
	AccountSid string // required
	To         string
	From       string
	SentFrom   time.Time // inclusive lower bound
	SentUntil  time.Time // exclusive upper bound
}

// AccountFilter narrows an account list to one main account and its subaccounts, or to
// one account alone.
type AccountFilter struct {
	// Sid is the account itself; its subaccounts are included when IncludeChildren is set.
	Sid             string
	IncludeChildren bool
	FriendlyName    string // "" does not filter
	Status          string // "" does not filter
}

// AccountUpdate carries the fields to change; nil fields are kept.
type AccountUpdate struct {
	FriendlyName *string
	Status       *string
	Now          time.Time
}
