package sqlite

import (
	"context"
	"testing"
)

// TestTrimChangesInWrites: the change log is trimmed in writes of at most bigWriteRows
// rows each, so that no one write holds a copy of a large part of the log in memory
// (what a trim keeps is the conformance suite's Outbox/TrimChanges).
func TestTrimChangesInWrites(t *testing.T) {
	db, b := openCounting(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	const n = 2*bigWriteRows + 500
	messagesWithWork(t, db, "AC1", n) // a change each
	first, err := db.FirstChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last, err := db.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last-first+1 < n {
		t.Fatalf("changes %d..%d, want at least %d", first, last, n)
	}

	before := b.count()
	deleted, err := db.TrimChanges(ctx, 100)
	if err != nil || deleted != last-first+1-100 {
		t.Fatalf("TrimChanges: deleted %d (%v), want %d", deleted, err, last-first+1-100)
	}
	if got, want := b.count()-before, int((deleted+bigWriteRows)/bigWriteRows); got != want {
		t.Errorf("%d commits, want %d of at most %d rows", got, want, bigWriteRows)
	}
}

// TestClearMessagesInWrites: clearing an account deletes its messages in writes of at
// most bigWriteRows messages each (what it deletes, and keeps, is the conformance
// suite's Messages/ClearMessages).
func TestClearMessagesInWrites(t *testing.T) {
	db, b := openCounting(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	const n = 2*bigWriteRows + 500
	messagesWithWork(t, db, "AC1", n)
	messagesWithWork(t, db, "AC2", 11)

	before := b.count()
	deleted, err := db.ClearMessages(ctx, "AC1")
	if err != nil || deleted != n {
		t.Fatalf("ClearMessages: deleted %d (%v), want %d", deleted, err, n)
	}
	if got, want := b.count()-before, n/bigWriteRows+1; got != want {
		t.Errorf("%d commits, want %d of at most %d messages", got, want, bigWriteRows)
	}
}
