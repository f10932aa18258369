// Package sid makes the SIDs of new resources: a two-letter prefix and 32 lowercase hex
// digits, as Twilio's are.
//
// The first 12 digits are the time the SID was made, in milliseconds since 1970, and the
// other 20 are random (80 bits from crypto/rand): the layout of a UUIDv7. Wholly random
// SIDs are just as valid on the wire, but every table keeps a unique index on its SIDs
// (and the jobs table one on the SID a job is about), and a random key sends each insert
// to a different page of that index: a batch of 32 creates dirtied 32 pages of each, all
// written to the WAL at commit and again at the next checkpoint. Keys that grow with time
// append to the same last pages instead: what a create writes cost the store 47% less
// at synchronous=NORMAL and 40% less at FULL, in a table growing to 100,000 rows
// (BenchmarkCreateWrites in the store, a2e6df0; docs/performance.md, "Writes").
//
// A SID stays unguessable (80 random bits) but tells when it was made, which its
// resource's date_created tells anyway. SIDs made in the same millisecond are not ordered
// among themselves; nothing needs them to be: lists are ordered by the store's own
// sequence, not by SID.
package sid

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// New returns a new SID with prefix ("SM", "CA"...).
func New(prefix string) string { return at(time.Now(), prefix) }

// at is New at time t.
func at(t time.Time, prefix string) string {
	var b [16]byte
	// The milliseconds take the first 6 bytes (48 bits: until the year 10889).
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}
