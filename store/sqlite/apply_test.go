package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// TestApplySignalsTheRunnerOnlyForJobs: Apply wakes the job runner when the writes may
// add or reschedule jobs (jobs, message and call status changes), and not otherwise.
func TestApplySignalsTheRunnerOnlyForJobs(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := testMessage("AC1", 1)
	c := testCall("AC1", 1)
	mustApply(t, db, store.Writes{Messages: []store.Message{m}, Calls: []store.Call{c}})
	signalled := func() bool {
		select {
		case <-db.JobsChanged():
			return true
		default:
			return false
		}
	}
	signalled() // whatever came before
	for _, tt := range []struct {
		name string
		w    store.Writes
		want bool
	}{
		{"a message", store.Writes{Messages: []store.Message{testMessage("AC1", 2)}}, false},
		{"a job", store.Writes{Jobs: []store.Job{job("k", "SM1", "", t0)}}, true},
		{"a status change", store.Writes{StatusChanges: []store.StatusChange{{AccountSid: "AC1", Sid: m.Sid, To: "sent", DateUpdated: t0}}}, true},
		{"a call change", store.Writes{CallChanges: []store.CallChange{{Call: c, Version: 1}}}, true},
	} {
		if err := db.Apply(ctx, tt.w); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := signalled(); got != tt.want {
			t.Errorf("%s: runner signalled %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestApplyStatusChanges: Apply makes an unguarded change, and a guarded one whose guard
// holds; one whose guard fails is skipped without failing the rest.
func TestApplyStatusChanges(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	a, b := mustCreateMessage(t, db, testMessage("AC1", 1)), mustCreateMessage(t, db, testMessage("AC1", 2))
	mustApply(t, db, store.Writes{StatusChanges: []store.StatusChange{
		{AccountSid: "AC1", Sid: a.Sid, To: "failed", DateUpdated: t0},                            // no guard: applies
		{AccountSid: "AC1", Sid: a.Sid, From: []string{"queued"}, To: "sent", DateUpdated: t0},    // guard fails: a is failed now
		{AccountSid: "AC1", Sid: b.Sid, From: []string{"sending"}, To: "sent", DateUpdated: t0},   // guard fails: b is queued
		{AccountSid: "AC1", Sid: b.Sid, From: []string{"queued"}, To: "sending", DateUpdated: t0}, // guard holds
	}})
	for sid, want := range map[string]string{a.Sid: "failed", b.Sid: "sending"} {
		if got, err := db.GetMessage(ctx, "AC1", sid); err != nil || got.Status != want {
			t.Errorf("%s: status %q (%v), want %q", sid, got.Status, err, want)
		}
	}
}

// TestApplyWritesJobsAndDeliveries: jobs and webhook deliveries of one Apply are all
// written.
func TestApplyWritesJobsAndDeliveries(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	d := store.WebhookDelivery{Sid: "WD1", AccountSid: "AC1", ResourceSid: "SM1", Event: "message-status", URL: "https://x", Method: "POST",
		Params: map[string]string{"a": "b"}, Attempt: 1, DateCreated: t0}
	answered := store.WebhookDelivery{Sid: "WD2", AccountSid: "AC1", ResourceSid: "SM2", Event: "incoming-message", URL: "https://y", Method: "GET",
		Params: map[string]string{}, ResponseStatus: 500, ResponseType: "text/plain", ResponseBody: "oops", Latency: 1500 * time.Millisecond,
		Attempt: 2, ErrorCode: 11200, ErrorMessage: "HTTP 500", DateCreated: t0, ReplayOf: "WD1"}
	mustApply(t, db, store.Writes{Jobs: []store.Job{job("k", "SM1", "", t0)}, Deliveries: []store.WebhookDelivery{d, answered}})
	if n, _ := db.CountJobs(ctx, "k"); n != 1 {
		t.Errorf("%d jobs", n)
	}
	for _, want := range []store.WebhookDelivery{d, answered} {
		got, err := db.GetDelivery(ctx, "AC1", want.Sid)
		got.Seq = 0
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("delivery %s:\n got %+v (%v)\nwant %+v", want.Sid, got, err, want)
		}
	}
	if list, _, err := db.ListDeliveries(ctx, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: "SM2"}, store.Page{}); err != nil || len(list) != 1 || list[0].Sid != "WD2" {
		t.Errorf("deliveries of SM2: %+v, %v", list, err)
	}
}

// TestWithoutGroupCommitSignalsChanges: a write committed on its own (no group commit)
// tells the change feed too.
func TestWithoutGroupCommitSignalsChanges(t *testing.T) {
	db, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "n.db"), Options{NoGroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	select {
	case <-db.Changed():
	default:
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	select {
	case <-db.Changed():
	case <-time.After(time.Second):
		t.Fatal("a write without group commit did not signal the change feed")
	}
	if _, err := db.CreateAccount(context.Background(), testAccount("AC1", "")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a duplicate without group commit: %v", err)
	}
}

// TestNumberChangingHandsLeavesItsPool: a number moved to another account leaves its
// Messaging Service's pool (a service sends from its own account's numbers only); any
// other change keeps it there.
func TestNumberChangingHandsLeavesItsPool(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	pn := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15005550100", 1))
	svc, err := db.CreateMessagingService(ctx, store.MessagingService{Sid: "MG1", AccountSid: "AC1", FriendlyName: "pool", DateCreated: t0, DateUpdated: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AddServiceNumber(ctx, "AC1", svc.Sid, pn.Sid, 400, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdatePhoneNumber(ctx, "AC1", pn.Sid, t0, func(p *store.PhoneNumber) error { p.FriendlyName = "renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	if s, err := db.ServiceOfNumber(ctx, pn.Sid); err != nil || s.Sid != svc.Sid {
		t.Fatalf("a renamed number left its pool: %+v, %v", s, err)
	}
	moved, err := db.UpdatePhoneNumber(ctx, "AC1", pn.Sid, t0, func(p *store.PhoneNumber) error { p.AccountSid = "AC2"; return nil })
	if err != nil || moved.AccountSid != "AC2" || moved.FriendlyName != "renamed" {
		t.Fatalf("move: %+v, %v", moved, err)
	}
	if s, err := db.ServiceOfNumber(ctx, pn.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a number of another account is still in the pool: %+v, %v", s, err)
	}
}

// TestSenderRule: a write with a sender rule is made only when the rule holds, and fails
// with the rule's own error, writing nothing, when it does not; with a message (the rule
// is part of its INSERT) and without one. Ownership is the account's, of an SMS-capable
// number; an opt-out is the account's, from one sender.
func TestSenderRule(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15550000010", 1))
	noSMS := testPhoneNumber("AC1", "+15550000011", 2)
	noSMS.Capabilities.SMS = false
	mustCreatePhoneNumber(t, db, noSMS)
	mustCreatePhoneNumber(t, db, testPhoneNumber("AC2", "+15550000020", 3))
	const stopped = "+15550000099"
	mustApply(t, db, store.Writes{OptOuts: []store.OptOut{
		{AccountSid: "AC1", Sender: "+15550000010", Recipient: stopped, Out: true, DateCreated: t0},
		{AccountSid: "AC1", Sender: "ACME", Recipient: stopped, Out: true, DateCreated: t0},
	}})

	tests := []struct {
		name    string
		rule    store.SenderRule
		wantErr error
	}{
		{"own SMS number", store.SenderRule{AccountSid: "AC1", Sender: "+15550000010", Recipient: "+15550000001", MustOwn: true}, nil},
		{"own number without SMS", store.SenderRule{AccountSid: "AC1", Sender: "+15550000011", Recipient: "+15550000001", MustOwn: true}, store.ErrNotSender},
		{"another account's number", store.SenderRule{AccountSid: "AC1", Sender: "+15550000020", Recipient: "+15550000001", MustOwn: true}, store.ErrNotSender},
		{"nobody's number", store.SenderRule{AccountSid: "AC1", Sender: "+15550000030", Recipient: "+15550000001", MustOwn: true}, store.ErrNotSender},
		{"nobody's number, ownership not asked", store.SenderRule{AccountSid: "AC1", Sender: "+15550000030", Recipient: "+15550000001", MustOwn: false}, nil},
		{"recipient stopped the sender", store.SenderRule{AccountSid: "AC1", Sender: "+15550000010", Recipient: stopped, MustOwn: true}, store.ErrOptedOut},
		{"recipient stopped an alphanumeric sender", store.SenderRule{AccountSid: "AC1", Sender: "ACME", Recipient: stopped, MustOwn: false}, store.ErrOptedOut},
		{"the stop was another account's", store.SenderRule{AccountSid: "AC2", Sender: "+15550000020", Recipient: stopped, MustOwn: true}, nil},
		{"the stop was of another sender", store.SenderRule{AccountSid: "AC1", Sender: "ACME2", Recipient: stopped, MustOwn: false}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage(tt.rule.AccountSid, i)
			m.From, m.To = tt.rule.Sender, tt.rule.Recipient
			rule := tt.rule
			jobsBefore := countJobs(t, db, "rule-test")
			err := db.Apply(ctx, store.Writes{Sender: &rule, Messages: []store.Message{m},
				Jobs: []store.Job{job("rule-test", m.Sid, "", t0)}})
			if !errors.Is(err, tt.wantErr) { // errors.Is(err, nil) is err == nil
				t.Fatalf("Apply: %v, want %v", err, tt.wantErr)
			}
			_, getErr := db.GetMessage(ctx, m.AccountSid, m.Sid)
			written := getErr == nil
			newJobs := countJobs(t, db, "rule-test") - jobsBefore
			want, wantJobs := tt.wantErr == nil, 0
			if want {
				wantJobs = 1
			}
			if written != want || newJobs != wantJobs {
				t.Errorf("message written: %v (%v), %d new jobs; want written: %v, %d new jobs", written, getErr, newJobs, want, wantJobs)
			}

			// A rule with no message to write is checked on its own.
			jobsBefore = countJobs(t, db, "rule-test")
			err = db.Apply(ctx, store.Writes{Sender: &rule, Jobs: []store.Job{job("rule-test", m.Sid, "", t0)}})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Apply without a message: %v, want %v", err, tt.wantErr)
			}
			if newJobs := countJobs(t, db, "rule-test") - jobsBefore; newJobs != wantJobs {
				t.Errorf("without a message: %d new jobs, want %d", newJobs, wantJobs)
			}
		})
	}
}

func countJobs(t *testing.T, db *DB, kind string) int {
	t.Helper()
	n, err := db.CountJobs(context.Background(), kind)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
