package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Messages runs the tests of the Messages family: messages and their status changes,
// media, threads, and the sender rules.
func Messages(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"MessageRoundTrip", testMessageRoundTrip},
		{"MessageChanges", testMessageChanges},
		{"ListMessagesPaging", testListMessagesPaging},
		{"ListMessagesFilters", testListMessagesFilters},
		{"DefaultPageSize", testDefaultPageSize},
		{"ListedMessagesDoNotCarryOver", testListedMessagesDoNotCarryOver},
		{"ConcurrentWrites", testConcurrentWrites},
		{"TimesAcrossTheYears", testTimesAcrossTheYears},
		{"SubMillisecondBounds", testSubMillisecondBounds},
		{"StatusChangeGuardAndJobs", testStatusChangeGuardAndJobs},
		{"ApplyStatusChanges", testApplyStatusChanges},
		{"ApplyStatusChangeJobs", testApplyStatusChangeJobs},
		{"SenderRule", testSenderRule},
		{"DeleteMessageBusyAndMediaCascade", testDeleteMessageBusyAndMediaCascade},
		{"ClearMessages", testClearMessages},
		{"Media", testMedia},
		{"MediaUsage", testMediaUsage},
		{"Threads", testThreads},
		{"SenderCheckAndOptOuts", testSenderCheckAndOptOuts},
	})
}

func testMessageRoundTrip(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
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

func testMessageChanges(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
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
func seedPaging(t *testing.T, db store.Store, n int) []int64 {
	t.Helper()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var ms []store.Message
	for i := range n {
		ms = append(ms, testMessage("AC1", i), testMessage("AC2", i))
	}
	if err := db.Apply(context.Background(), store.Writes{Messages: ms}); err != nil {
		t.Fatal(err)
	}
	all, more, err := db.ListMessages(context.Background(), store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: n + 10})
	if err != nil || more || len(all) != n {
		t.Fatalf("seed: %d rows, more=%v, err=%v", len(all), more, err)
	}
	return messageSeqs(all)
}

func testListMessagesPaging(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
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

func testListMessagesFilters(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
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
	if err := db.Apply(ctx, store.Writes{Messages: ms}); err != nil {
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

// testDefaultPageSize: a Page with no size gets 50 rows, not all of them and not none.
func testDefaultPageSize(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	var ms []store.Message
	for i := range 60 {
		ms = append(ms, testMessage("AC1", i))
	}
	if err := db.Apply(ctx, store.Writes{Messages: ms}); err != nil {
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

func testConcurrentWrites(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
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

// testTimesAcrossTheYears: every time a client can send (years 0001-9999) is stored and
// read back as itself, and range filters beyond any message match none. Unix nanoseconds
// wrapped past 2262: SendAt 9999-12-31 came back as 1816.
func testTimesAcrossTheYears(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))

	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(1677, 9, 21, 0, 0, 0, 0, time.UTC), // just before int64 nanoseconds begin
		time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC), // just after they end
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
	}
	for i, at := range times {
		m := testMessage("AC1", i)
		m.SendAt, m.DateSent = at, at
		created := mustCreateMessage(t, db, m)
		got, err := db.GetMessage(ctx, "AC1", created.Sid)
		if err != nil {
			t.Fatal(err)
		}
		if !got.SendAt.Equal(at) || !got.DateSent.Equal(at) {
			t.Errorf("stored %s, read back send_at %s date_sent %s", at, got.SendAt, got.DateSent)
		}
	}

	count := func(f store.MessageFilter) int {
		t.Helper()
		f.AccountSid = "AC1"
		list, _, err := db.ListMessages(ctx, f, store.Page{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	for _, tt := range []struct {
		name string
		f    store.MessageFilter
		want int
	}{
		{"from 3000", store.MessageFilter{SentFrom: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, 1},
		{"from 10000", store.MessageFilter{SentFrom: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, 0},
		{"until 1000", store.MessageFilter{SentUntil: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)}, 1},
		{"until year 0", store.MessageFilter{SentUntil: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}, 0},
		{"2262 to 2301", store.MessageFilter{SentFrom: times[2], SentUntil: time.Date(2301, 1, 1, 0, 0, 0, 0, time.UTC)}, 2},
		{"the last day", store.MessageFilter{SentFrom: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), SentUntil: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, 1},
	} {
		if got := count(tt.f); got != tt.want {
			t.Errorf("%s: %d messages, want %d", tt.name, got, tt.want)
		}
	}
}

// testSubMillisecondBounds: a bound between two milliseconds is compared as the time it
// is, not as the millisecond it falls in.
func testSubMillisecondBounds(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := testMessage("AC1", 0) // created at t0, a whole millisecond
	mustCreateMessage(t, db, m)
	half := 500 * time.Microsecond
	for _, tt := range []struct {
		name string
		f    store.MessageFilter
		want int
	}{
		{"from just after", store.MessageFilter{SentFrom: t0.Add(half)}, 0},
		{"from just before", store.MessageFilter{SentFrom: t0.Add(-half)}, 1},
		{"until just after", store.MessageFilter{SentUntil: t0.Add(half)}, 1},
		{"until just before", store.MessageFilter{SentUntil: t0.Add(-half)}, 0},
		{"until exactly", store.MessageFilter{SentUntil: t0}, 0},
		{"from exactly", store.MessageFilter{SentFrom: t0}, 1},
	} {
		tt.f.AccountSid = "AC1"
		list, _, err := db.ListMessages(ctx, tt.f, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != tt.want {
			t.Errorf("%s: %d messages, want %d", tt.name, len(list), tt.want)
		}
	}
	// Stored times keep milliseconds and drop the rest, rounding down.
	m2 := testMessage("AC1", 1)
	m2.DateCreated = t0.Add(999 * time.Microsecond)
	got := mustCreateMessage(t, db, m2)
	if !got.DateCreated.Equal(t0) {
		t.Errorf("date_created %s, want %s", got.DateCreated, t0)
	}
}

func testStatusChangeGuardAndJobs(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1)) // queued
	cb := job("hook", m.Sid, "hook:"+m.Sid, t0)

	// A change whose guard fails writes nothing, not even its jobs.
	if err := db.Apply(ctx, store.Writes{StatusChanges: []store.StatusChange{{AccountSid: "AC1", Sid: m.Sid, From: []string{"sending"},
		To: "sent", DateUpdated: t0, Jobs: []store.Job{cb}}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetMessage(ctx, "AC1", m.Sid); got.Status != "queued" {
		t.Fatalf("status %s after a failed guard", got.Status)
	}
	if n, _ := db.CountJobs(ctx, ""); n != 0 {
		t.Fatalf("%d jobs written by a change that did not happen", n)
	}

	// One that holds writes the change and its jobs, and can cancel the message's jobs.
	if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{job("step", m.Sid, "", t0)}}); err != nil {
		t.Fatal(err)
	}
	sent := t0.Add(time.Minute)
	got, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: m.Sid, From: []string{"queued"}, To: "undelivered",
		ErrorCode: 30003, ErrorMessage: "Unreachable", Price: "-0.00790", DateSent: sent, DateUpdated: sent,
		CancelJobsOfKind: "step", Jobs: []store.Job{cb}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "undelivered" || got.ErrorCode != 30003 || got.ErrorMessage != "Unreachable" || got.Price != "-0.00790" ||
		!got.DateSent.Equal(sent) || !got.DateUpdated.Equal(sent) {
		t.Fatalf("changed %+v", got)
	}
	if n, _ := db.CountJobs(ctx, "step"); n != 0 {
		t.Errorf("%d step jobs left after CancelJobsOfKind", n)
	}
	if n, _ := db.CountJobs(ctx, "hook"); n != 1 {
		t.Errorf("%d callback jobs, want 1", n)
	}
	// ChangeStatus tells a failed guard from a missing message.
	if _, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: m.Sid, From: []string{"queued"}, To: "sent"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("failed guard: %v", err)
	}
	if _, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC2", Sid: m.Sid, To: "sent"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's message: %v", err)
	}
}

// testApplyStatusChanges: Apply makes an unguarded change, and a guarded one whose guard
// holds; one whose guard fails is skipped without failing the rest.
func testApplyStatusChanges(t *testing.T, open Opener) {
	db := open(t)
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

// testApplyStatusChangeJobs: through Apply (as a delivery step makes its change, without
// reading the message back), a change whose guard holds writes the change and its jobs and
// cancels the message's jobs of a kind; one naming another account's message writes
// nothing, jobs included.
func testApplyStatusChangeJobs(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1)) // queued
	mustApply(t, db, store.Writes{Jobs: []store.Job{job("step", m.Sid, "", t0)}})
	sent := t0.Add(time.Minute)
	mustApply(t, db, store.Writes{StatusChanges: []store.StatusChange{
		{AccountSid: "AC2", Sid: m.Sid, To: "delivered", DateUpdated: sent,
			CancelJobsOfKind: "step", Jobs: []store.Job{job("other", m.Sid, "", t0)}},
		{AccountSid: "AC1", Sid: m.Sid, From: []string{"queued"}, To: "sent", Sender: "+15557777777",
			ErrorCode: 30007, ErrorMessage: "Filtered", Price: "-0.00790", DateSent: sent, DateUpdated: sent,
			CancelJobsOfKind: "step", Jobs: []store.Job{job("hook", m.Sid, "hook:"+m.Sid, t0)}},
	}})
	got, err := db.GetMessage(ctx, "AC1", m.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "sent" || got.From != "+15557777777" || got.ErrorCode != 30007 || got.ErrorMessage != "Filtered" ||
		got.Price != "-0.00790" || !got.DateSent.Equal(sent) || !got.DateUpdated.Equal(sent) {
		t.Errorf("changed %+v", got)
	}
	for kind, want := range map[string]int{"step": 0, "hook": 1, "other": 0} {
		if n, err := db.CountJobs(ctx, kind); err != nil || n != want {
			t.Errorf("%d %s jobs (%v), want %d", n, kind, err, want)
		}
	}
}

// testSenderRule: a write with a sender rule is made only when the rule holds, and fails
// with the rule's own error, writing nothing, when it does not; with a message and
// without one. Ownership is the account's, of an SMS-capable
// number; an opt-out is the account's, from one sender.
func testSenderRule(t *testing.T, open Opener) {
	db := open(t)
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

func testDeleteMessageBusyAndMediaCascade(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := testMessage("AC1", 1)
	m.NumMedia = 2
	md := []store.Media{
		{Sid: "ME1", AccountSid: "AC1", MessageSid: m.Sid, URL: "http://x/1", DateCreated: t0, DateUpdated: t0},
		{Sid: "ME2", AccountSid: "AC1", MessageSid: m.Sid, URL: "http://x/2", DateCreated: t0, DateUpdated: t0},
	}
	if err := db.Apply(ctx, store.Writes{Messages: []store.Message{m}, Media: md,
		MediaContents: []store.MediaContent{{Sid: "ME1", ContentType: "image/png", Content: []byte("png"), DateUpdated: t0}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.MediaContent(ctx, "AC1", m.Sid, "ME1"); err != nil || string(got.Content) != "png" || got.ContentType != "image/png" {
		t.Fatalf("content %+v %v", got, err)
	}
	if _, err := db.MediaContent(ctx, "AC1", m.Sid, "ME2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unfetched content: %v", err)
	}
	if err := db.DeleteMedia(ctx, "AC1", m.Sid, "ME2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetMessage(ctx, "AC1", m.Sid); got.NumMedia != 1 {
		t.Errorf("num_media %d after deleting one of two", got.NumMedia)
	}
	if err := db.DeleteMedia(ctx, "AC1", m.Sid, "ME2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if err := db.DeleteMessage(ctx, "AC1", m.Sid, "queued", "sending"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("delete of a busy message: %v", err)
	}
	if err := db.DeleteMessage(ctx, "AC1", m.Sid, "sending"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetMedia(ctx, "AC1", m.Sid, "ME1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("media outlived its message: %v", err)
	}
	if err := db.DeleteMessage(ctx, "AC1", m.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete of a deleted message: %v", err)
	}
}

// testListedMessagesDoNotCarryOver: a message listed equals the same message read on its
// own, and one without media, price, error, send time or sender does not take the
// values of the one listed before it (a backend may scan a list's rows through one set
// of destinations).
func testListedMessagesDoNotCarryOver(t *testing.T, open Opener) {
	db := open(t)
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
	if m := messages[1]; m.Price != "" || m.ErrorCode != 0 || m.MediaURLs != nil || !m.DateSent.IsZero() || m.MessagingServiceSid != "" {
		t.Errorf("the plain message kept values of the one listed before it: %+v", m)
	}
}

// testClearMessages: clearing an account deletes all of its messages with their jobs and
// webhook delivery records, and nothing of another account. The account has more
// messages than a backend is likely to delete in one write.
func testClearMessages(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	const n = 2500
	messagesWithWork(t, db, "AC1", n)
	kept := messagesWithWork(t, db, "AC2", 11)

	deleted, err := db.ClearMessages(ctx, "AC1")
	if err != nil || deleted != n {
		t.Fatalf("ClearMessages: deleted %d (%v), want %d", deleted, err, n)
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

// testMedia: a message's media read one by one without their content, oldest first as
// a whole, or newest first by page and creation date; they are nobody else's, and go
// when their account's messages are cleared.
func testMedia(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	m := testMessage("AC1", 1)
	m.NumMedia = 3
	var media []store.Media
	for i := range 3 {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		media = append(media, store.Media{Sid: fmt.Sprintf("ME%d", i), AccountSid: "AC1", MessageSid: m.Sid,
			URL: fmt.Sprintf("https://example.com/%d.png", i), DateCreated: at, DateUpdated: at})
	}
	mustApply(t, db, store.Writes{Messages: []store.Message{m}, Media: media,
		MediaContents: []store.MediaContent{{Sid: "ME0", ContentType: "image/png", Content: []byte("png"), DateUpdated: t0.Add(time.Hour)}}})

	all, err := db.MessageMedia(ctx, "AC1", m.Sid)
	if err != nil || len(all) != 3 {
		t.Fatalf("MessageMedia: %+v (%v)", all, err)
	}
	for i, got := range all {
		want := media[i]
		want.Seq = got.Seq
		if i == 0 {
			want.ContentType, want.DateUpdated = "image/png", t0.Add(time.Hour)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("MessageMedia[%d], oldest first and without content:\n got %+v\nwant %+v", i, got, want)
		}
		one, err := db.GetMedia(ctx, "AC1", m.Sid, want.Sid)
		if err != nil || !reflect.DeepEqual(one, want) {
			t.Errorf("GetMedia %s:\n got %+v (%v)\nwant %+v", want.Sid, one, err, want)
		}
	}
	if got, err := db.MediaContent(ctx, "AC1", m.Sid, "ME0"); err != nil || string(got.Content) != "png" || got.Seq != all[0].Seq {
		t.Errorf("MediaContent: %+v (%v)", got, err)
	}
	for name, get := range map[string]func() error{
		"another account":    func() error { _, err := db.GetMedia(ctx, "AC2", m.Sid, "ME0"); return err },
		"another message":    func() error { _, err := db.GetMedia(ctx, "AC1", "SMother", "ME0"); return err },
		"another's content":  func() error { _, err := db.MediaContent(ctx, "AC2", m.Sid, "ME0"); return err },
		"an unknown media":   func() error { _, err := db.GetMedia(ctx, "AC1", m.Sid, "MEnope"); return err },
		"another's deletion": func() error { return db.DeleteMedia(ctx, "AC2", m.Sid, "ME0") },
	} {
		if err := get(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}

	sids := func(f store.MediaFilter, p store.Page) ([]string, bool) {
		t.Helper()
		list, more, err := db.ListMedia(ctx, f, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, md := range list {
			if md.Content != nil {
				t.Errorf("ListMedia gave %s with its content", md.Sid)
			}
			out = append(out, md.Sid)
		}
		return out, more
	}
	f := store.MediaFilter{AccountSid: "AC1", MessageSid: m.Sid}
	for _, tt := range []struct {
		name     string
		f        store.MediaFilter
		p        store.Page
		want     []string
		wantMore bool
	}{
		{"all", f, store.Page{}, []string{"ME2", "ME1", "ME0"}, false},
		{"first page", f, store.Page{Size: 2}, []string{"ME2", "ME1"}, true},
		{"after", f, store.Page{Size: 2, After: all[1].Seq}, []string{"ME0"}, false},
		{"before", f, store.Page{Size: 1, Before: all[0].Seq}, []string{"ME1"}, true},
		{"offset", f, store.Page{Size: 2, Offset: 1}, []string{"ME1", "ME0"}, false},
		{"created on day 1", store.MediaFilter{AccountSid: "AC1", MessageSid: m.Sid,
			CreatedFrom: t0.Add(24 * time.Hour), CreatedUntil: t0.Add(48 * time.Hour)}, store.Page{}, []string{"ME1"}, false},
		{"created since day 1", store.MediaFilter{AccountSid: "AC1", MessageSid: m.Sid,
			CreatedFrom: t0.Add(24 * time.Hour)}, store.Page{}, []string{"ME2", "ME1"}, false},
		{"another account", store.MediaFilter{AccountSid: "AC2", MessageSid: m.Sid}, store.Page{}, nil, false},
	} {
		if got, more := sids(tt.f, tt.p); !slices.Equal(got, tt.want) || more != tt.wantMore {
			t.Errorf("%s: %v more=%v, want %v more=%v", tt.name, got, more, tt.want, tt.wantMore)
		}
	}

	if _, err := db.ClearMessages(ctx, "AC1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetMedia(ctx, "AC1", m.Sid, "ME1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("media outlived their cleared message: %v", err)
	}
}

// testThreads: an account's messages make one thread per pair of its number and the
// other party, either way, listed by their newest message, counted, filtered by the
// messages they hold, and paged like any list; a thread's messages list newest first.
func testThreads(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	const (
		n1, n2 = "+15005550101", "+15005550102" // the account's numbers
		p1, p2 = "+14155550111", "+14155550122" // the other parties
	)
	msg := func(account string, i int, direction, from, to, body, status string) store.Message {
		m := testMessage(account, i)
		m.Direction, m.From, m.To, m.Body, m.Status = direction, from, to, body, status
		return m
	}
	ms := []store.Message{
		msg("AC1", 0, "outbound-api", n1, p1, "Hello there", "delivered"),
		msg("AC1", 1, "inbound", p1, n1, "hi back", "received"),
		msg("AC1", 2, "outbound-api", n2, p1, "100% sure", "delivered"),
		msg("AC1", 3, "outbound-api", n1, p2, "to the second", "failed"),
		msg("AC1", 4, "inbound", p1, n1, "and again", "received"),
		msg("AC2", 5, "outbound-api", n1, p1, "another account's", "delivered"),
		msg("AC1", 6, "outbound-reply", n1, p1, "bye", "delivered"),
	}
	var stored []store.Message
	for _, m := range ms {
		stored = append(stored, mustCreateMessage(t, db, m))
	}
	type thread struct {
		number, party  string
		count, inbound int
		last           int // index in stored
	}
	threads := func(f store.ThreadFilter, p store.Page) ([]thread, bool) {
		t.Helper()
		list, more, err := db.ListThreads(ctx, f, p)
		if err != nil {
			t.Fatal(err)
		}
		out := []thread{}
		for _, th := range list {
			last := slices.IndexFunc(stored, func(m store.Message) bool { return m.Sid == th.Last.Sid })
			if last < 0 || !reflect.DeepEqual(th.Last, stored[last]) || th.AccountSid != f.AccountSid {
				t.Errorf("thread %+v: its last message is not one of the account's as stored", th)
			}
			out = append(out, thread{th.Number, th.Party, th.MessageCount, th.InboundCount, last})
		}
		return out, more
	}
	all := []thread{{n1, p1, 4, 2, 6}, {n1, p2, 1, 0, 3}, {n2, p1, 1, 0, 2}}
	f := store.ThreadFilter{AccountSid: "AC1"}
	for _, tt := range []struct {
		name     string
		f        store.ThreadFilter
		p        store.Page
		want     []thread
		wantMore bool
	}{
		{"all", f, store.Page{}, all, false},
		{"first page", f, store.Page{Size: 1}, all[:1], true},
		{"after", f, store.Page{Size: 1, After: stored[6].Seq}, all[1:2], true},
		{"after to the end", f, store.Page{Size: 5, After: stored[3].Seq}, all[2:], false},
		{"before", f, store.Page{Size: 1, Before: stored[2].Seq}, all[1:2], true},
		{"before to the start", f, store.Page{Size: 5, Before: stored[3].Seq}, all[:1], false},
		{"offset", f, store.Page{Size: 2, Offset: 2}, all[2:], false},
		{"inbound", store.ThreadFilter{AccountSid: "AC1", Direction: "inbound"}, store.Page{}, []thread{{n1, p1, 2, 2, 4}}, false},
		{"outbound", store.ThreadFilter{AccountSid: "AC1", Direction: "outbound"}, store.Page{},
			[]thread{{n1, p1, 2, 0, 6}, {n1, p2, 1, 0, 3}, {n2, p1, 1, 0, 2}}, false},
		{"status", store.ThreadFilter{AccountSid: "AC1", Status: "failed"}, store.Page{}, []thread{{n1, p2, 1, 0, 3}}, false},
		{"search the body in any case", store.ThreadFilter{AccountSid: "AC1", Search: "HELLO"}, store.Page{}, []thread{{n1, p1, 1, 0, 0}}, false},
		{"search a number", store.ThreadFilter{AccountSid: "AC1", Search: "0122"}, store.Page{}, []thread{{n1, p2, 1, 0, 3}}, false},
		{"search with a wildcard of LIKE", store.ThreadFilter{AccountSid: "AC1", Search: "0%"}, store.Page{}, []thread{{n2, p1, 1, 0, 2}}, false},
		{"search with the other wildcard", store.ThreadFilter{AccountSid: "AC1", Search: "o_t"}, store.Page{}, []thread{}, false},
		{"no match", store.ThreadFilter{AccountSid: "AC1", Search: "nothing like it"}, store.Page{}, []thread{}, false},
		{"another account", store.ThreadFilter{AccountSid: "AC2"}, store.Page{}, []thread{{n1, p1, 1, 0, 5}}, false},
	} {
		if got, more := threads(tt.f, tt.p); !reflect.DeepEqual(got, tt.want) || more != tt.wantMore {
			t.Errorf("%s:\n got %+v more=%v\nwant %+v more=%v", tt.name, got, more, tt.want, tt.wantMore)
		}
	}

	k := store.ThreadKey{AccountSid: "AC1", Number: n1, Party: p1}
	want := []store.Message{stored[6], stored[4], stored[1], stored[0]}
	page, more, err := db.ListThreadMessages(ctx, k, store.Page{Size: 2})
	if err != nil || !more || !reflect.DeepEqual(page, want[:2]) {
		t.Errorf("thread messages, first page: %v more=%v (%v), want %v", messageSeqs(page), more, err, messageSeqs(want[:2]))
	}
	page, more, err = db.ListThreadMessages(ctx, k, store.Page{Size: 2, After: stored[4].Seq})
	if err != nil || more || !reflect.DeepEqual(page, want[2:]) {
		t.Errorf("thread messages after: %v more=%v (%v), want %v", messageSeqs(page), more, err, messageSeqs(want[2:]))
	}
	page, more, err = db.ListThreadMessages(ctx, k, store.Page{Size: 1, Before: stored[1].Seq})
	if err != nil || !more || !reflect.DeepEqual(page, want[1:2]) {
		t.Errorf("thread messages before: %v more=%v (%v), want %v", messageSeqs(page), more, err, messageSeqs(want[1:2]))
	}
	page, _, err = db.ListThreadMessages(ctx, store.ThreadKey{AccountSid: "AC2", Number: n1, Party: p1}, store.Page{})
	if err != nil || len(page) != 1 || page[0].Sid != stored[5].Sid {
		t.Errorf("another account's thread: %v (%v)", messageSeqs(page), err)
	}
	if page, _, err := db.ListThreadMessages(ctx, store.ThreadKey{AccountSid: "AC1", Number: p1, Party: n1}, store.Page{}); err != nil || len(page) != 0 {
		t.Errorf("the thread seen from the other side: %v (%v), want none", messageSeqs(page), err)
	}
}

// testSenderCheckAndOptOuts: the account owns a sender only as an SMS-capable number of
// its own; an opt-out is of one recipient from one sender of one account, recorded once
// however often it is sent, and cleared.
func testSenderCheckAndOptOuts(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15550000010", 1))
	noSMS := testPhoneNumber("AC1", "+15550000011", 2)
	noSMS.Capabilities.SMS = false
	mustCreatePhoneNumber(t, db, noSMS)
	mustCreatePhoneNumber(t, db, testPhoneNumber("AC2", "+15550000020", 3))
	const stopped, other = "+15550000099", "+15550000001"
	stop := store.OptOut{AccountSid: "AC1", Sender: "+15550000010", Recipient: stopped, Out: true, DateCreated: t0}
	mustApply(t, db, store.Writes{OptOuts: []store.OptOut{stop}})
	mustApply(t, db, store.Writes{OptOuts: []store.OptOut{stop}}) // STOP twice

	for _, tt := range []struct {
		account, sender, recipient string
		owned, optedOut            bool
	}{
		{"AC1", "+15550000010", other, true, false},
		{"AC1", "+15550000010", stopped, true, true},
		{"AC1", "+15550000011", other, false, false},
		{"AC1", "+15550000020", other, false, false},
		{"AC1", "+15550000030", other, false, false},
		{"AC2", "+15550000020", stopped, true, false},
		{"AC2", "+15550000010", stopped, false, false},
	} {
		owned, optedOut, err := db.SenderCheck(ctx, tt.account, tt.sender, tt.recipient)
		if err != nil || owned != tt.owned || optedOut != tt.optedOut {
			t.Errorf("SenderCheck(%s, %s, %s) = %v, %v (%v); want %v, %v", tt.account, tt.sender, tt.recipient, owned, optedOut, err, tt.owned, tt.optedOut)
		}
		out, err := db.OptedOut(ctx, tt.account, tt.sender, tt.recipient)
		if err != nil || out != tt.optedOut {
			t.Errorf("OptedOut(%s, %s, %s) = %v (%v); want %v", tt.account, tt.sender, tt.recipient, out, err, tt.optedOut)
		}
	}

	start := stop
	start.Out = false
	mustApply(t, db, store.Writes{OptOuts: []store.OptOut{start}})
	if out, err := db.OptedOut(ctx, "AC1", "+15550000010", stopped); err != nil || out {
		t.Errorf("after START: opted out %v (%v)", out, err)
	}
	if _, optedOut, err := db.SenderCheck(ctx, "AC1", "+15550000010", stopped); err != nil || optedOut {
		t.Errorf("after START: SenderCheck says opted out %v (%v)", optedOut, err)
	}
}

// testMediaUsage: an account's stored media bytes count every fetched file (inserted with
// content, or fetched later), and go down as media, messages or all messages are
// deleted; other accounts are counted apart.
func testMediaUsage(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	usage := func(account string) int64 {
		t.Helper()
		n, err := db.MediaUsage(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	total := func() int64 {
		t.Helper()
		n, err := db.StoredMediaBytes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if usage("AC1") != 0 || total() != 0 {
		t.Fatalf("usage %d, total %d before any media", usage("AC1"), total())
	}
	m1, m2, other := testMessage("AC1", 1), testMessage("AC1", 2), testMessage("AC2", 3)
	m1.Status, m2.Status, other.Status = "delivered", "delivered", "delivered"
	medium := func(sid string, m store.Message, content []byte) store.Media {
		return store.Media{Sid: sid, AccountSid: m.AccountSid, MessageSid: m.Sid, URL: "https://example.com/" + sid,
			ContentType: "image/png", Content: content, DateCreated: t0, DateUpdated: t0}
	}
	mustApply(t, db, store.Writes{Messages: []store.Message{m1, m2, other}, Media: []store.Media{
		medium("ME1", m1, make([]byte, 100)), medium("ME2", m1, nil), medium("ME3", m2, make([]byte, 1000)), medium("ME4", other, make([]byte, 7)),
	}})
	if got := usage("AC1"); got != 1100 {
		t.Fatalf("AC1 stores %d bytes, want 1100", got)
	}
	// A file fetched later counts; fetched again, it counts once.
	mustApply(t, db, store.Writes{MediaContents: []store.MediaContent{{Sid: "ME2", ContentType: "image/png", Content: make([]byte, 50), DateUpdated: t0}}})
	mustApply(t, db, store.Writes{MediaContents: []store.MediaContent{{Sid: "ME2", ContentType: "image/png", Content: make([]byte, 60), DateUpdated: t0}}})
	if got := usage("AC1"); got != 1160 {
		t.Fatalf("AC1 stores %d bytes after a fetch and a second one, want 1160", got)
	}
	if got := total(); got != 1167 {
		t.Fatalf("%d bytes stored in all, want 1167", got)
	}
	if err := db.DeleteMedia(ctx, "AC1", m1.Sid, "ME1"); err != nil {
		t.Fatal(err)
	}
	if got := usage("AC1"); got != 1060 {
		t.Fatalf("AC1 stores %d bytes after a media deleted, want 1060", got)
	}
	if err := db.DeleteMessage(ctx, "AC1", m2.Sid); err != nil {
		t.Fatal(err)
	}
	if got := usage("AC1"); got != 60 {
		t.Fatalf("AC1 stores %d bytes after a message deleted, want 60", got)
	}
	if _, err := db.ClearMessages(ctx, "AC1"); err != nil {
		t.Fatal(err)
	}
	if usage("AC1") != 0 || usage("AC2") != 7 || total() != 7 {
		t.Fatalf("after clearing AC1: AC1 %d, AC2 %d, total %d; want 0, 7, 7", usage("AC1"), usage("AC2"), total())
	}
}
