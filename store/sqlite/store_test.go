package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
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

func seqs[T any](list []T, seq func(T) int64) []int64 {
	out := make([]int64, len(list))
	for i, v := range list {
		out[i] = seq(v)
	}
	return out
}

func messageSeqs(ms []store.Message) []int64 {
	return seqs(ms, func(m store.Message) int64 { return m.Seq })
}
func accountSeqs(as []store.Account) []int64 {
	return seqs(as, func(a store.Account) int64 { return a.Seq })
}

func TestAccountCreateGet(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)

	main := mustCreateAccount(t, db, testAccount("AC1", ""))
	sub := mustCreateAccount(t, db, testAccount("AC2", "AC1"))
	if main.Seq == 0 || sub.Seq <= main.Seq {
		t.Fatalf("seqs not increasing: main %d, sub %d", main.Seq, sub.Seq)
	}
	want := testAccount("AC2", "AC1")
	want.Seq = sub.Seq
	if !reflect.DeepEqual(sub, want) {
		t.Fatalf("created\n got %+v\nwant %+v", sub, want)
	}
	got, err := db.GetAccount(ctx, "AC2")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("get\n got %+v\nwant %+v", got, want)
	}
	if got.DateCreated.Location() != time.UTC {
		t.Errorf("DateCreated location = %v, want UTC", got.DateCreated.Location())
	}

	if _, err := db.GetAccount(ctx, "ACnope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get missing account: err = %v, want ErrNotFound", err)
	}
	if _, err := db.CreateAccount(ctx, testAccount("AC1", "")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate sid: err = %v, want ErrConflict", err)
	}
	if _, err := db.CreateAccount(ctx, testAccount("AC3", "ACnope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown parent: err = %v, want ErrNotFound", err)
	}
}

func TestFirstMainAccount(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)

	if _, err := db.FirstMainAccount(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty store: err = %v, want ErrNotFound", err)
	}
	mustCreateAccount(t, db, testAccount("ACfirst", ""))
	mustCreateAccount(t, db, testAccount("ACsub", "ACfirst"))
	mustCreateAccount(t, db, testAccount("ACsecond", ""))
	got, err := db.FirstMainAccount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sid != "ACfirst" {
		t.Errorf("FirstMainAccount = %s, want ACfirst", got.Sid)
	}
}

func ptr(s string) *string { return &s }

func TestUpdateAccount(t *testing.T) {
	later := t0.Add(time.Hour)
	tests := []struct {
		name      string
		status    string // the account's status before the update
		update    store.AccountUpdate
		wantErr   error
		wantName  string
		wantState string
	}{
		{"name only", "active", store.AccountUpdate{FriendlyName: ptr("new"), Now: later}, nil, "new", "active"},
		{"status only", "active", store.AccountUpdate{Status: ptr("suspended"), Now: later}, nil, "name of AC1", "suspended"},
		{"both", "suspended", store.AccountUpdate{FriendlyName: ptr("new"), Status: ptr("closed"), Now: later}, nil, "new", "closed"},
		{"nothing but the stamp", "active", store.AccountUpdate{Now: later}, nil, "name of AC1", "active"},
		{"closed is final", "closed", store.AccountUpdate{FriendlyName: ptr("new"), Status: ptr("active"), Now: later}, store.ErrConflict, "", ""},
		{"closed to closed", "closed", store.AccountUpdate{Status: ptr("closed"), Now: later}, store.ErrConflict, "", ""},
		{"closed may be renamed", "closed", store.AccountUpdate{FriendlyName: ptr("new"), Now: later}, nil, "new", "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTest(t)
			a := testAccount("AC1", "")
			a.Status = tt.status
			before := mustCreateAccount(t, db, a)

			got, err := db.UpdateAccount(ctx, "AC1", tt.update)
			stored, getErr := db.GetAccount(ctx, "AC1")
			if getErr != nil {
				t.Fatal(getErr)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !reflect.DeepEqual(stored, before) {
					t.Fatalf("a refused update changed the row:\n got %+v\nwant %+v", stored, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := before
			want.FriendlyName, want.Status, want.DateUpdated = tt.wantName, tt.wantState, later
			if !reflect.DeepEqual(got, want) {
				t.Errorf("returned\n got %+v\nwant %+v", got, want)
			}
			if !reflect.DeepEqual(stored, want) {
				t.Errorf("stored\n got %+v\nwant %+v", stored, want)
			}
		})
	}

	t.Run("missing", func(t *testing.T) {
		db := openTest(t)
		_, err := db.UpdateAccount(context.Background(), "ACnope", store.AccountUpdate{Status: ptr("active"), Now: later})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestListAccounts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	main := mustCreateAccount(t, db, testAccount("ACmain", ""))
	mustCreateAccount(t, db, testAccount("ACother", ""))
	var subs []store.Account
	for i := range 5 {
		a := testAccount(fmt.Sprintf("ACsub%d", i), "ACmain")
		if i%2 == 1 {
			a.Status = "suspended"
			a.FriendlyName = "odd"
		}
		subs = append(subs, mustCreateAccount(t, db, a))
	}
	mustCreateAccount(t, db, testAccount("ACothersub", "ACother"))
	family := append([]store.Account{main}, subs...)
	slices.Reverse(family) // newest first

	tests := []struct {
		name     string
		filter   store.AccountFilter
		page     store.Page
		want     []store.Account
		wantMore bool
	}{
		{"alone", store.AccountFilter{Sid: "ACmain"}, store.Page{Size: 10}, []store.Account{main}, false},
		{"a subaccount alone", store.AccountFilter{Sid: "ACsub2"}, store.Page{Size: 10}, []store.Account{subs[2]}, false},
		{"with children", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 10}, family, false},
		{"first page", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2}, family[:2], true},
		{"after", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, After: family[1].Seq}, family[2:4], true},
		{"after to the end", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, After: family[3].Seq}, family[4:], false},
		{"before", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, Before: family[4].Seq}, family[2:4], true},
		{"before to the start", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, Before: family[2].Seq}, family[:2], false},
		{"offset", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, Offset: 4}, family[4:], false},
		{"status", store.AccountFilter{Sid: "ACmain", IncludeChildren: true, Status: "suspended"}, store.Page{Size: 10}, []store.Account{subs[3], subs[1]}, false},
		{"friendly name", store.AccountFilter{Sid: "ACmain", IncludeChildren: true, FriendlyName: "name of ACsub2"}, store.Page{Size: 10}, []store.Account{subs[2]}, false},
		{"unknown", store.AccountFilter{Sid: "ACnope", IncludeChildren: true}, store.Page{Size: 10}, []store.Account{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, more, err := db.ListAccounts(ctx, tt.filter, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(accountSeqs(got), accountSeqs(tt.want)) || more != tt.wantMore {
				t.Errorf("got %v more=%v, want %v more=%v", accountSeqs(got), more, accountSeqs(tt.want), tt.wantMore)
			}
			if len(got) > 0 && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows differ:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMessageRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))

	full := testMessage("AC1", 1)
	full.MessagingServiceSid = "MG1"
	full.MediaURLs = []string{"https://example.com/a.png", "https://example.com/b.png"}
	full.StatusCallback = "https://example.com/cb"
	full.SendAt = t0.Add(24 * time.Hour)
	full.ErrorCode = 30007
	full.ErrorMessage = "filtered"
	full.DateSent = t0.Add(time.Minute)
	full.Status = "undelivered"

	bare := testMessage("AC1", 2)
	bare.From = ""
	bare.MediaURLs = []string{} // stored as [] and read back as nil, like a nil slice

	for _, m := range []store.Message{full, bare} {
		created := mustCreateMessage(t, db, m)
		if created.Seq == 0 {
			t.Fatalf("%s: Seq not set", m.Sid)
		}
		want := m
		want.Seq = created.Seq
		if len(want.MediaURLs) == 0 {
			want.MediaURLs = nil
		}
		if !reflect.DeepEqual(created, want) {
			t.Errorf("created\n got %+v\nwant %+v", created, want)
		}
		got, err := db.GetMessage(ctx, "AC1", m.Sid)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("get\n got %+v\nwant %+v", got, want)
		}
	}

	if _, err := db.CreateMessage(ctx, full); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate sid: err = %v, want ErrConflict", err)
	}
	if _, err := db.CreateMessage(ctx, testMessage("ACnope", 1)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account: err = %v, want ErrNotFound", err)
	}
}

func TestMessageChanges(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	later := t0.Add(time.Hour)

	queued := mustCreateMessage(t, db, testMessage("AC1", 1))
	scheduledMsg := testMessage("AC1", 2)
	scheduledMsg.Status = "scheduled"
	scheduledMsg.SendAt = t0.Add(48 * time.Hour)
	scheduled := mustCreateMessage(t, db, scheduledMsg)

	t.Run("redact", func(t *testing.T) {
		got, err := db.RedactMessage(ctx, "AC1", queued.Sid, later)
		if err != nil {
			t.Fatal(err)
		}
		want := queued
		want.Body, want.DateUpdated = "", later
		if !reflect.DeepEqual(got, want) {
			t.Errorf("\n got %+v\nwant %+v", got, want)
		}
		queued = want
	})

	t.Run("cancel scheduled", func(t *testing.T) {
		got, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: scheduled.Sid, From: []string{"scheduled"}, To: "canceled", DateUpdated: later})
		if err != nil {
			t.Fatal(err)
		}
		want := scheduled
		want.Status, want.DateUpdated = "canceled", later
		if !reflect.DeepEqual(got, want) {
			t.Errorf("\n got %+v\nwant %+v", got, want)
		}
		scheduled = want
	})

	t.Run("cancel refused", func(t *testing.T) {
		for _, m := range []store.Message{queued, scheduled} { // queued, and already canceled
			if _, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: m.Sid, From: []string{"scheduled"}, To: "canceled", DateUpdated: later.Add(time.Hour)}); !errors.Is(err, store.ErrConflict) {
				t.Errorf("cancel %s (%s): err = %v, want ErrConflict", m.Sid, m.Status, err)
			}
			got, err := db.GetMessage(ctx, "AC1", m.Sid)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("refused cancel changed the row:\n got %+v\nwant %+v", got, m)
			}
		}
	})

	t.Run("another account's message is not found", func(t *testing.T) {
		checks := map[string]error{}
		_, checks["get"] = db.GetMessage(ctx, "AC2", queued.Sid)
		_, checks["redact"] = db.RedactMessage(ctx, "AC2", queued.Sid, later)
		_, checks["cancel"] = db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC2", Sid: queued.Sid, From: []string{"queued"}, To: "canceled", DateUpdated: later})
		checks["delete"] = db.DeleteMessage(ctx, "AC2", queued.Sid)
		for op, err := range checks {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", op, err)
			}
		}
		if got, err := db.GetMessage(ctx, "AC1", queued.Sid); err != nil || !reflect.DeepEqual(got, queued) {
			t.Errorf("message changed by another account: %+v, %v", got, err)
		}
	})

	t.Run("missing message", func(t *testing.T) {
		checks := map[string]error{}
		_, checks["get"] = db.GetMessage(ctx, "AC1", "SMnope")
		_, checks["redact"] = db.RedactMessage(ctx, "AC1", "SMnope", later)
		_, checks["cancel"] = db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: "SMnope", From: []string{"scheduled"}, To: "canceled", DateUpdated: later})
		checks["delete"] = db.DeleteMessage(ctx, "AC1", "SMnope")
		for op, err := range checks {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", op, err)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := db.DeleteMessage(ctx, "AC1", queued.Sid); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetMessage(ctx, "AC1", queued.Sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("get after delete: err = %v, want ErrNotFound", err)
		}
		if err := db.DeleteMessage(ctx, "AC1", queued.Sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete: err = %v, want ErrNotFound", err)
		}
	})
}

// seedPaging stores n messages of AC1 interleaved with messages of AC2 that no AC1
// list may show, and returns AC1's seqs newest first.
func seedPaging(t *testing.T, db *DB, n int) []int64 {
	t.Helper()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var ms []store.Message
	for i := range n {
		ms = append(ms, testMessage("AC1", i), testMessage("AC2", i))
	}
	if err := db.ImportMessages(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	all, more, err := db.ListMessages(context.Background(), store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: n + 10})
	if err != nil || more || len(all) != n {
		t.Fatalf("seed: %d rows, more=%v, err=%v", len(all), more, err)
	}
	return messageSeqs(all)
}

func TestListMessagesPaging(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	all := seedPaging(t, db, 250)
	if !slices.IsSortedFunc(all, func(a, b int64) int { return int(b - a) }) {
		t.Fatalf("not newest first: %v", all)
	}
	f := store.MessageFilter{AccountSid: "AC1"}

	// Forward: After the last row of each page.
	var pages [][]int64
	var walked []int64
	p := store.Page{Size: 50}
	for {
		got, more, err := db.ListMessages(ctx, f, p)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, messageSeqs(got))
		walked = append(walked, messageSeqs(got)...)
		if !more {
			break
		}
		if len(pages) > 10 {
			t.Fatal("forward walk does not end")
		}
		p.After = got[len(got)-1].Seq
	}
	if !slices.Equal(walked, all) {
		t.Fatalf("forward walk: %d rows, gaps, duplicates or disorder:\n got %v\nwant %v", len(walked), walked, all)
	}
	if len(pages) != 5 {
		t.Fatalf("forward walk took %d pages, want 5", len(pages))
	}

	// Backward from the last page: Before the first row of each page gives the page
	// before it, newest first, and says when there is nothing newer.
	for i := len(pages) - 1; i > 0; i-- {
		got, more, err := db.ListMessages(ctx, f, store.Page{Size: 50, Before: pages[i][0]})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(messageSeqs(got), pages[i-1]) {
			t.Errorf("before page %d:\n got %v\nwant %v", i, messageSeqs(got), pages[i-1])
		}
		if wantMore := i-1 > 0; more != wantMore {
			t.Errorf("before page %d: more = %v, want %v", i, more, wantMore)
		}
	}

	offsets := []struct {
		offset, size int
		want         []int64
		wantMore     bool
	}{
		{0, 50, all[:50], true},
		{100, 50, all[100:150], true},
		{200, 50, all[200:], false},
		{240, 50, all[240:], false},
		{250, 50, nil, false},
	}
	for _, o := range offsets {
		got, more, err := db.ListMessages(ctx, f, store.Page{Size: o.size, Offset: o.offset})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(messageSeqs(got), o.want) || more != o.wantMore {
			t.Errorf("offset %d: got %d rows more=%v, want %d more=%v", o.offset, len(got), more, len(o.want), o.wantMore)
		}
	}
}

func TestListMessagesFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))

	// 40 messages, one a minute, sent (when sent) an hour after creation; to and from
	// cycle so that every combination occurs.
	var ms []store.Message
	for i := range 40 {
		m := testMessage("AC1", i)
		m.DateCreated = t0.Add(time.Duration(i) * time.Minute)
		m.To = []string{"+1001", "+1002"}[i%2]
		m.From = []string{"+2001", "+2002", ""}[i%3]
		if i%4 != 0 {
			m.DateSent = m.DateCreated.Add(time.Hour)
		}
		ms = append(ms, m)
		other := testMessage("AC2", i)
		other.To, other.From = m.To, m.From
		ms = append(ms, other)
	}
	if err := db.ImportMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}

	at := func(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }
	tests := []struct {
		name   string
		filter store.MessageFilter
		want   func(i int, m store.Message) bool
	}{
		{"account", store.MessageFilter{AccountSid: "AC1"}, func(i int, m store.Message) bool { return true }},
		{"to", store.MessageFilter{AccountSid: "AC1", To: "+1002"}, func(i int, m store.Message) bool { return i%2 == 1 }},
		{"from", store.MessageFilter{AccountSid: "AC1", From: "+2001"}, func(i int, m store.Message) bool { return i%3 == 0 }},
		{"to and from", store.MessageFilter{AccountSid: "AC1", To: "+1001", From: "+2002"}, func(i int, m store.Message) bool { return i%2 == 0 && i%3 == 1 }},
		// Sent messages were created 60 minutes earlier than they count; unsent ones
		// (i%4 == 0) count at creation.
		{"sent from", store.MessageFilter{AccountSid: "AC1", SentFrom: at(70)}, func(i int, m store.Message) bool {
			return i%4 != 0 && i+60 >= 70
		}},
		{"sent until", store.MessageFilter{AccountSid: "AC1", SentUntil: at(64)}, func(i int, m store.Message) bool {
			return i%4 == 0 || i+60 < 64
		}},
		{"sent window", store.MessageFilter{AccountSid: "AC1", SentFrom: at(20), SentUntil: at(66)}, func(i int, m store.Message) bool {
			if i%4 == 0 {
				return i >= 20
			}
			return i+60 < 66
		}},
		{"window and to", store.MessageFilter{AccountSid: "AC1", To: "+1001", SentFrom: at(28), SentUntil: at(70)}, func(i int, m store.Message) bool {
			return i%2 == 0 && ((i%4 == 0 && i >= 28) || (i%4 != 0 && i+60 < 70))
		}},
		{"unsent only by creation date", store.MessageFilter{AccountSid: "AC1", SentFrom: at(0), SentUntil: at(40)}, func(i int, m store.Message) bool {
			return i%4 == 0
		}},
		{"no match", store.MessageFilter{AccountSid: "AC1", To: "+1999"}, func(i int, m store.Message) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for i := 39; i >= 0; i-- {
				if tt.want(i, ms[2*i]) {
					want = append(want, ms[2*i].Sid)
				}
			}
			// A small page size makes the filters work across pages too.
			var got []string
			p := store.Page{Size: 7}
			for {
				page, more, err := db.ListMessages(ctx, tt.filter, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range page {
					got = append(got, m.Sid)
				}
				if !more {
					break
				}
				p.After = page[len(page)-1].Seq
			}
			if !slices.Equal(got, want) {
				t.Errorf("\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// The first migration's CREATE TABLEs would fail if it ran again.
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.GetMessage(ctx, "AC1", m.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("after reopen\n got %+v\nwant %+v", got, m)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	v, err := schemaVersion(ctx, db.writer)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(ms) {
		t.Errorf("schema version %d, want %d", v, len(ms))
	}
	// Seq keeps counting where it left off.
	next := mustCreateMessage(t, db, testMessage("AC1", 2))
	if next.Seq <= m.Seq {
		t.Errorf("seq after reopen %d, want > %d", next.Seq, m.Seq)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, "PRAGMA user_version = 9999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(ctx, path); err == nil {
		db.Close()
		t.Fatal("Open accepted a schema newer than it knows")
	}
}

func TestOpenOddPath(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a dir?#%20x", "store.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	if _, err := os.Stat(path); err != nil {
		t.Errorf("store not at %q: %v", path, err)
	}
}

func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))

	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := db.CreateMessage(ctx, testMessage("AC1", w*each+i)); err != nil {
					errs <- err
				}
			}
		})
		// Readers alongside, since WAL readers must not disturb the writer either.
		wg.Go(func() {
			for range each {
				if _, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 20}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Errorf("%d messages stored, want %d", len(all), writers*each)
	}
}

// TestListQueryPlan checks that keyset pages are read straight off an index in list
// order: a temp b-tree would mean sorting every matching row for each page. Only a
// narrow date window is read off the date index, and sorted, since it is small.
func TestListQueryPlan(t *testing.T) {
	db := openTest(t)
	f := store.MessageFilter{AccountSid: "AC1"}
	to := store.MessageFilter{AccountSid: "AC1", To: "+1001"}
	from := store.MessageFilter{AccountSid: "AC1", From: "+2001"}
	day := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.Add(24 * time.Hour)}
	twoDays := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.Add(narrowDateWindow)}
	overTwoDays := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.Add(narrowDateWindow + time.Millisecond)}
	dayTo := day
	dayTo.To = "+1001"
	month := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.AddDate(0, 1, 0)}
	since := store.MessageFilter{AccountSid: "AC1", SentFrom: t0}
	untilTo := store.MessageFilter{AccountSid: "AC1", To: "+1001", SentUntil: t0}
	tests := []struct {
		name     string
		filter   store.MessageFilter
		page     store.Page
		index    string
		wantSort bool
	}{
		{"first page", f, store.Page{Size: 50}, "messages_account_seq", false},
		{"after", f, store.Page{Size: 50, After: 500_000}, "messages_account_seq", false},
		{"before", f, store.Page{Size: 50, Before: 500_000}, "messages_account_seq", false},
		{"to after", to, store.Page{Size: 50, After: 500_000}, "messages_account_to_seq", false},
		{"to before", to, store.Page{Size: 50, Before: 500_000}, "messages_account_to_seq", false},
		{"from after", from, store.Page{Size: 50, After: 500_000}, "messages_account_from_seq", false},
		{"month first page", month, store.Page{Size: 50}, "messages_account_seq", false},
		{"month after", month, store.Page{Size: 50, After: 500_000}, "messages_account_seq", false},
		{"since first page", since, store.Page{Size: 50}, "messages_account_seq", false},
		{"until to after", untilTo, store.Page{Size: 50, After: 500_000}, "messages_account_to_seq", false},
		{"day first page", day, store.Page{Size: 50}, "messages_account_date", true},
		{"the widest narrow window", twoDays, store.Page{Size: 50}, "messages_account_date", true},
		{"just wider", overTwoDays, store.Page{Size: 50}, "messages_account_seq", false},
		{"day after", day, store.Page{Size: 50, After: 500_000}, "messages_account_date", true},
		{"day to after", dayTo, store.Page{Size: 50, After: 500_000}, "messages_account_date", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query, args, _ := messageListQuery(tt.filter, tt.page)
			plan := explain(t, db, query, args)
			if !strings.Contains(plan, "USING INDEX "+tt.index+" ") {
				t.Errorf("plan does not use %s:\n%s", tt.index, plan)
			}
			if sorts := strings.Contains(plan, "TEMP B-TREE"); sorts != tt.wantSort {
				t.Errorf("plan sorts = %v, want %v:\n%s", sorts, tt.wantSort, plan)
			}
		})
	}
}

func explain(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.query(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// BenchmarkListMessagesKeyset reads one page of 50 from deep in the list: the cost
// should not grow with the number of rows.
func BenchmarkListMessagesKeyset(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := openTest(b)
			seedBenchmark(b, db, n)
			// Cursors 75-94% of the way down the list; a fresh file numbers rows 1..n, so
			// the row at depth d has seq n-d.
			deep := func(i int) store.Page {
				return store.Page{Size: 50, After: int64(n - n*(75+i%20)/100)}
			}
			// A day 5% from the oldest end, paged into from cursors inside it.
			day := n / benchPerDay / 20
			daySeq := int64(day * benchPerDay) // seq of the row just before the day
			inDay := func(i int) store.Page {
				return store.Page{Size: 50, After: daySeq + int64(benchPerDay*(50+i%20)/100)}
			}
			dayFrom := t0.AddDate(0, 0, day)
			filters := []struct {
				name string
				f    store.MessageFilter
				page func(int) store.Page
			}{
				{"all", store.MessageFilter{AccountSid: "AC1"}, deep},
				{"to", store.MessageFilter{AccountSid: "AC1", To: "+15550000042"}, deep},
				{"day", store.MessageFilter{AccountSid: "AC1", SentFrom: dayFrom, SentUntil: dayFrom.AddDate(0, 0, 1)}, inDay},
			}
			for _, fl := range filters {
				b.Run(fl.name, func(b *testing.B) {
					benchmarkList(b, db, fl.f, fl.page)
				})
			}
		})
	}
}

// BenchmarkListMessagesOffset walks the same depths by Offset, for contrast: its cost
// grows with the depth.
func BenchmarkListMessagesOffset(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := openTest(b)
			seedBenchmark(b, db, n)
			benchmarkList(b, db, store.MessageFilter{AccountSid: "AC1"}, func(i int) store.Page {
				return store.Page{Size: 50, Offset: n * (75 + i%20) / 100}
			})
		})
	}
}

func benchmarkList(b *testing.B, db *DB, f store.MessageFilter, page func(i int) store.Page) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		list, _, err := db.ListMessages(ctx, f, page(i))
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == 0 {
			b.Fatalf("empty page for %+v", page(i))
		}
		i++
	}
}

// benchPerDay spreads benchmark messages over days, so that a day's window holds a
// realistic share of them.
const benchPerDay = 1_000

// seedBenchmark stores n messages of AC1, benchPerDay a day, sent as created, to 100
// numbers in turn.
func seedBenchmark(b testing.TB, db *DB, n int) {
	b.Helper()
	ctx := context.Background()
	mustCreateAccount(b, db, testAccount("AC1", ""))
	ms := make([]store.Message, n)
	for i := range ms {
		m := testMessage("AC1", i)
		m.To = fmt.Sprintf("+1555%07d", i%100)
		m.DateCreated = t0.Add(time.Duration(i) * 24 * time.Hour / benchPerDay)
		m.DateUpdated, m.DateSent = m.DateCreated, m.DateCreated
		ms[i] = m
	}
	start := time.Now()
	if err := db.ImportMessages(ctx, ms); err != nil {
		b.Fatal(err)
	}
	b.Logf("imported %d messages in %v", n, time.Since(start))
	first, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 1})
	if err != nil || len(first) != 1 || first[0].Seq != int64(n) {
		b.Fatalf("newest row %+v, err %v; want seq %d", first, err, n)
	}
}

// TestDefaultPageSize: a Page with no size gets 50 rows, not all of them and not none.
func TestDefaultPageSize(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	var ms []store.Message
	for i := range 60 {
		ms = append(ms, testMessage("AC1", i))
	}
	if err := db.ImportMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	list, more, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{})
	if err != nil || len(list) != 50 || !more {
		t.Fatalf("Page{}: %d rows, more %v, err %v; want 50, true", len(list), more, err)
	}
	accounts, _, err := db.ListAccounts(ctx, store.AccountFilter{Sid: "AC1"}, store.Page{Size: -1})
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts with Size -1: %d, %v", len(accounts), err)
	}
}

// TestMigrationAppliedByAnotherProcess: a migration that another process applied between
// reading the version and taking the write lock is skipped, not run twice.
func TestMigrationAppliedByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	// Running 0001 again would fail: its tables exist.
	if err := applyMigration(ctx, db.writer, ms[0]); err != nil {
		t.Fatalf("an applied migration was run again: %v", err)
	}
	v, err := schemaVersion(ctx, db.writer)
	if err != nil || v != len(ms) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(ms))
	}
	// The latest migration, whose version is the current one, is skipped too.
	if err := applyMigration(ctx, db.writer, ms[len(ms)-1]); err != nil {
		t.Fatalf("the current migration was run again: %v", err)
	}
	broken := migration{version: len(ms) + 1, name: "broken", sql: "CREATE TABLE accounts (x)"}
	if err := applyMigration(ctx, db.writer, broken); err == nil {
		t.Fatal("a failing migration reported success")
	}
	if v, _ := schemaVersion(ctx, db.writer); v != len(ms) {
		t.Fatalf("a failed migration moved the version to %d", v)
	}
}

// cachedStmts are the statements c holds now.
func cachedStmts(c *stmtCache) []*sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Collect(maps.Values(c.m))
}

// TestCloseClosesStatements: Close closes the prepared statements too, not only the pools,
// and a write or a read after Close fails rather than hangs.
func TestCloseClosesStatements(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetAccount(ctx, "ACnone"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	// The writer prepares the statements a transaction asked for after answering it.
	var stmts []*sql.Stmt
	for deadline := time.Now().Add(5 * time.Second); len(stmts) == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		stmts = cachedStmts(db.wstmts)
	}
	if len(stmts) == 0 {
		t.Fatal("no statement cached")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i, stmt := range stmts {
		if _, err := stmt.Exec(); err == nil || !strings.Contains(err.Error(), "statement is closed") {
			t.Errorf("statement %d after Close: %v", i, err)
		}
	}
	if _, err := db.CreateAccount(ctx, testAccount("AC2", "")); !errors.Is(err, store.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	if _, err := db.GetAccount(ctx, "AC1"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("read after Close: %v", err)
	}
	rows, err := db.query(ctx, "SELECT 1")
	if !errors.Is(err, store.ErrClosed) {
		t.Errorf("list after Close: %v", err)
	}
	if rows != nil {
		rows.Close()
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestBenchmarkFixtures runs, under plain go test, the checks the benchmarks rely on: the
// seeded list is numbered as they assume, and the pages they read are full.
func TestBenchmarkFixtures(t *testing.T) {
	db := openTest(t)
	const n = 2 * benchPerDay
	seedBenchmark(t, db, n)
	ctx := context.Background()
	deep, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 50, After: int64(n - n*80/100)})
	if err != nil || len(deep) != 50 || deep[0].Seq != int64(n-n*80/100-1) {
		t.Fatalf("keyset page deep in the list: %d rows, %v", len(deep), err)
	}
	offset, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 50, Offset: n * 80 / 100})
	if err != nil || len(offset) != 50 || offset[0].Seq != deep[0].Seq+1 {
		t.Fatalf("offset page: %d rows, %v", len(offset), err)
	}
}

// TestListRowsDoNotCarryOver: a list scans its rows through one set of destinations; a
// row without media, price, error, send time or sender must not keep the values of the
// row scanned before it. Each listed row equals the same row read on its own.
func TestListRowsDoNotCarryOver(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	plain := testMessage("AC1", 1)
	plain.From = ""
	rich := testMessage("AC1", 2) // newer: listed first
	rich.MediaURLs = []string{"https://example.com/a.png"}
	rich.Price, rich.ErrorCode, rich.ErrorMessage = "-0.00790", 30003, "Unreachable destination handset"
	rich.StatusCallback, rich.MessagingServiceSid = "https://example.com/cb", "MG1"
	rich.SendAt, rich.DateSent = t0.Add(time.Hour), t0.Add(2*time.Hour)
	mustCreateMessage(t, db, plain)
	mustCreateMessage(t, db, rich)
	messages, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(messages); got != 2 || messages[0].Sid != rich.Sid {
		t.Fatalf("listed %d messages, first %v; want the rich one, then the plain one", got, messages)
	}
	for _, listed := range messages {
		alone, err := db.GetMessage(ctx, "AC1", listed.Sid)
		sameAsAlone(t, listed, alone, err)
	}

	ended, ringing := testCall("AC1", 2), testCall("AC1", 1) // ended has an end time and a price
	ringing.Settings, ringing.State = nil, nil
	mustApply(t, db, store.Writes{Calls: []store.Call{ringing}})
	mustApply(t, db, store.Writes{Calls: []store.Call{ended}})
	calls, _, err := db.ListCalls(ctx, store.CallFilter{AccountSid: "AC1"}, store.Page{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(calls); got != 2 || calls[0].Sid != ended.Sid {
		t.Fatalf("listed %d calls, first %v; want the ended one, then the ringing one", got, calls)
	}
	for _, listed := range calls {
		alone, err := db.GetCall(ctx, "AC1", listed.Sid)
		sameAsAlone(t, listed, alone, err)
	}
	if calls[1].Price != "" || !calls[1].EndTime.IsZero() {
		t.Errorf("the ringing call kept the ended call's price %q or end time %v", calls[1].Price, calls[1].EndTime)
	}
	if m := messages[1]; m.Price != "" || m.ErrorCode != 0 || m.MediaURLs != nil || !m.DateSent.IsZero() || m.MessagingServiceSid != "" {
		t.Errorf("the plain message kept values of the one listed before it: %+v", m)
	}
}

// sameAsAlone checks that a listed row equals the same row read on its own.
func sameAsAlone[T any](t *testing.T, listed, alone T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(listed, alone) {
		t.Errorf("listed:\n%+v\nread alone:\n%+v", listed, alone)
	}
}
