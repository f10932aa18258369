package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

// messagesWithWork writes n messages of account, each with a job, and a webhook delivery
// record for every tenth, in one write. It returns their SIDs.
func messagesWithWork(t *testing.T, db *DB, account string, n int) []string {
	t.Helper()
	var w store.Writes
	var sids []string
	for i := range n {
		m := testMessage(account, i)
		w.Messages = append(w.Messages, m)
		w.Jobs = append(w.Jobs, job("step", m.Sid, "", t0))
		if i%10 == 0 {
			w.Deliveries = append(w.Deliveries, store.WebhookDelivery{Sid: fmt.Sprintf("WD%s%08d", account, i), AccountSid: account,
				ResourceSid: m.Sid, Event: "message-status", URL: "https://x", Method: "POST", Params: map[string]string{}, DateCreated: t0})
		}
		sids = append(sids, m.Sid)
	}
	mustApply(t, db, w)
	return sids
}

// TestTrimChangesInWrites: the change log is trimmed to the newest keep changes, in
// writes of at most bigWriteRows rows each, so that no one write holds a copy of a large
// part of the log in memory.
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
	if got, _ := db.FirstChange(ctx); got != last-99 {
		t.Errorf("oldest change kept %d, want %d", got, last-99)
	}
	if got, _ := db.LastChange(ctx); got != last {
		t.Errorf("newest change %d, want %d", got, last)
	}
	if deleted, err := db.TrimChanges(ctx, 100); err != nil || deleted != 0 {
		t.Errorf("trimming again: deleted %d (%v), want none", deleted, err)
	}
}

// TestClearMessagesInWrites: clearing an account deletes all of its messages with their
// jobs and webhook delivery records, in writes of at most bigWriteRows messages each,
// and nothing of another account.
func TestClearMessagesInWrites(t *testing.T) {
	db, b := openCounting(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	const n = 2*bigWriteRows + 500
	messagesWithWork(t, db, "AC1", n)
	kept := messagesWithWork(t, db, "AC2", 11)

	before := b.count()
	deleted, err := db.ClearMessages(ctx, "AC1")
	if err != nil || deleted != n {
		t.Fatalf("ClearMessages: deleted %d (%v), want %d", deleted, err, n)
	}
	if got, want := b.count()-before, n/bigWriteRows+1; got != want {
		t.Errorf("%d commits, want %d of at most %d messages", got, want, bigWriteRows)
	}
	if list, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 10}); err != nil || len(list) != 0 {
		t.Errorf("AC1 still has %d messages (%v)", len(list), err)
	}
	if list, _, err := db.ListDeliveries(ctx, store.DeliveryFilter{AccountSid: "AC1"}, store.Page{Size: 10}); err != nil || len(list) != 0 {
		t.Errorf("AC1 still has %d delivery records (%v)", len(list), err)
	}
	if jobs, err := db.CountJobs(ctx, "step"); err != nil || jobs != len(kept) {
		t.Errorf("%d jobs left (%v), want AC2's %d", jobs, err, len(kept))
	}
	if list, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC2"}, store.Page{Size: 100}); err != nil || len(list) != len(kept) {
		t.Errorf("AC2 has %d messages (%v), want %d", len(list), err, len(kept))
	}
	if list, _, err := db.ListDeliveries(ctx, store.DeliveryFilter{AccountSid: "AC2"}, store.Page{Size: 10}); err != nil || len(list) != 2 {
		t.Errorf("AC2 has %d delivery records (%v), want 2", len(list), err)
	}
	if deleted, err := db.ClearMessages(ctx, "AC1"); err != nil || deleted != 0 {
		t.Errorf("clearing again: deleted %d (%v), want none", deleted, err)
	}
}
