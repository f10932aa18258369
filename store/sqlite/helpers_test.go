package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// t0 has milliseconds, the precision the store keeps, so that times round-trip exactly.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func testAccount(sid, parent string) store.Account {
	return store.Account{
		Sid:          sid,
		ParentSid:    parent,
		FriendlyName: "name of " + sid,
		Status:       "active",
		AuthToken:    "token-" + sid,
		DateCreated:  t0,
		DateUpdated:  t0,
	}
}

func mustCreateAccount(t testing.TB, db *DB, a store.Account) store.Account {
	t.Helper()
	got, err := db.CreateAccount(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// testMessage is message i of account: queued, never sent, created i seconds after t0.
func testMessage(account string, i int) store.Message {
	created := t0.Add(time.Duration(i) * time.Second)
	return store.Message{
		Sid:         fmt.Sprintf("SM%s%08d", account, i),
		AccountSid:  account,
		To:          "+15550000001",
		From:        "+15559999999",
		Body:        fmt.Sprintf("message %d", i),
		Status:      "queued",
		Direction:   "outbound-api",
		NumSegments: 1,
		DateCreated: created,
		DateUpdated: created,
	}
}

func mustCreateMessage(t testing.TB, db *DB, m store.Message) store.Message {
	t.Helper()
	got, err := db.CreateMessage(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustApply(t testing.TB, db *DB, w store.Writes) {
	t.Helper()
	if err := db.Apply(context.Background(), w); err != nil {
		t.Fatal(err)
	}
}

func job(kind, resource, queue string, due time.Time) store.Job {
	return store.Job{Kind: kind, AccountSid: "AC1", ResourceSid: resource, Queue: queue, Payload: []byte(`{"n":1}`), DueAt: due, DateCreated: due}
}

func claimIDs(t testing.TB, db *DB, owner string, now time.Time, limit int) []store.Job {
	t.Helper()
	jobs, err := db.ClaimJobs(context.Background(), store.Claim{Owner: owner, Now: now,
		Leases: map[string]time.Duration{"step": time.Minute, "hook": time.Minute}, Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

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
