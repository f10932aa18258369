package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Calls runs the tests of the Calls family: calls, their timelines and recordings.
func Calls(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"CallRoundTripAndGuardedChange", testCallRoundTripAndGuardedChange},
		{"DeleteCall", testDeleteCall},
		{"DeleteCallDropsItsJobs", testDeleteCallDropsItsJobs},
		{"Recordings", testRecordings},
		{"ListCallsFilters", testListCallsFilters},
		{"ListedCallsDoNotCarryOver", testListedCallsDoNotCarryOver},
		{"CallEventsOldestFirst", testCallEventsOldestFirst},
		{"CallEventsByOffset", testCallEventsByOffset},
		{"CallChangeLog", testCallChangeLog},
	})
}

func testCallRoundTripAndGuardedChange(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	c := testCall("AC1", 1)
	c.ParentCallSid, c.PhoneNumberSid, c.CallerName, c.ForwardedFrom = "CAparent", "PN1", "Alice", "+15550001111"
	step := store.Job{Kind: "call.step", AccountSid: "AC1", ResourceSid: c.Sid, DueAt: t0, DateCreated: t0}
	mustApply(t, db, store.Writes{Calls: []store.Call{c}, Jobs: []store.Job{step},
		CallEvents: []store.CallEvent{{AccountSid: "AC1", CallSid: c.Sid, Type: "status", Description: "Call is queued",
			Data: map[string]string{"status": "queued"}, Elapsed: 0, DateCreated: t0}}})

	got, err := db.GetCall(ctx, "AC1", c.Sid)
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.Seq, want.Version = got.Seq, 1
	if !got.DateCreated.Equal(c.DateCreated) || !got.StartTime.Equal(c.StartTime) {
		t.Errorf("times %v %v", got.DateCreated, got.StartTime)
	}
	got.DateCreated, got.DateUpdated, got.StartTime = want.DateCreated, want.DateUpdated, want.StartTime
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if _, err := db.GetCall(ctx, "AC2", c.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's call: %v", err)
	}

	// A change applies to the version it was computed from, replaces the pending step,
	// and bumps the version.
	next := got
	next.Status, next.State, next.EndTime, next.Duration, next.Price = "completed", []byte(`{}`), t0.Add(time.Hour), 5, "-0.01400"
	newStep := store.Job{Kind: "call.step", AccountSid: "AC1", ResourceSid: c.Sid, DueAt: t0.Add(time.Second), DateCreated: t0}
	mustApply(t, db, store.Writes{CallChanges: []store.CallChange{{Call: next, Version: 1, CancelJobsOfKind: "call.step", Jobs: []store.Job{newStep}}}})
	after, err := db.GetCall(ctx, "AC1", c.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != 2 || after.Status != "completed" || after.Duration != 5 || string(after.State) != "{}" || after.EndTime.IsZero() {
		t.Errorf("after change %+v", after)
	}
	if n, _ := db.CountJobs(ctx, "call.step"); n != 1 {
		t.Errorf("%d steps pending, want the one that replaced the first", n)
	}

	// The same change again is stale: an error, and nothing of its Writes is kept.
	stale := store.Writes{
		CallChanges: []store.CallChange{{Call: next, Version: 1}},
		CallEvents:  []store.CallEvent{{AccountSid: "AC1", CallSid: c.Sid, Type: "status", Description: "stale", DateCreated: t0}},
	}
	if err := db.Apply(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale change: %v, want ErrConflict", err)
	}
	events, _, err := db.ListCallEvents(ctx, "AC1", c.Sid, store.Page{})
	if err != nil || len(events) != 1 || events[0].Data["status"] != "queued" {
		t.Errorf("events %+v (%v)", events, err)
	}
	missing := next
	missing.Sid = "CAnone"
	if err := db.Apply(ctx, store.Writes{CallChanges: []store.CallChange{{Call: missing, Version: 1}}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("change of a missing call: %v", err)
	}
}

func testDeleteCall(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	live, ended := testCall("AC1", 1), testCall("AC1", 2)
	rec := store.Recording{Sid: "RE1", AccountSid: "AC1", CallSid: ended.Sid, Status: "completed", Source: "RecordVerb", Channels: 1,
		Duration: 3, StartTime: t0, DateCreated: t0, DateUpdated: t0}
	mustApply(t, db, store.Writes{Calls: []store.Call{live, ended}, Recordings: []store.Recording{rec},
		CallEvents: []store.CallEvent{{AccountSid: "AC1", CallSid: ended.Sid, Type: "status", Description: "x", DateCreated: t0}}})
	if err := db.DeleteCall(ctx, "AC1", live.Sid, "queued", "ringing", "in-progress"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("delete live call: %v", err)
	}
	if err := db.DeleteCall(ctx, "AC2", ended.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete another account's call: %v", err)
	}
	if err := db.DeleteCall(ctx, "AC1", ended.Sid, "queued", "ringing", "in-progress"); err != nil {
		t.Fatal(err)
	}
	if events, _, _ := db.ListCallEvents(ctx, "AC1", ended.Sid, store.Page{}); len(events) != 0 {
		t.Errorf("events outlived their call: %+v", events)
	}
	if _, err := db.GetRecording(ctx, "AC1", "RE1"); err != nil {
		t.Errorf("the recording went with the call: %v", err)
	}
}

// testDeleteCallDropsItsJobs: a deleted call's pending jobs (its next step, say) go with
// it; jobs of a queue (webhooks in order) and other calls' jobs stay.
func testDeleteCallDropsItsJobs(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	gone, kept := testCall("AC1", 2), testCall("AC1", 4)
	job := func(kind, resource, queue string) store.Job {
		return store.Job{Kind: kind, AccountSid: "AC1", ResourceSid: resource, Queue: queue, DueAt: t0.Add(time.Hour), DateCreated: t0}
	}
	mustApply(t, db, store.Writes{Calls: []store.Call{gone, kept}, Jobs: []store.Job{
		job("step", gone.Sid, ""), job("webhook", gone.Sid, "q-"+gone.Sid), job("step", kept.Sid, ""),
	}})
	if err := db.DeleteCall(ctx, "AC1", gone.Sid); err != nil {
		t.Fatal(err)
	}
	steps, _ := db.CountJobs(ctx, "step")
	webhooks, _ := db.CountJobs(ctx, "webhook")
	if steps != 1 || webhooks != 1 {
		t.Errorf("after the delete: %d step jobs (want 1, the other call's), %d queued webhooks (want 1)", steps, webhooks)
	}
}

func testRecordings(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	calls := []store.Call{testCall("AC1", 0), testCall("AC1", 1)}
	var recs []store.Recording
	for i := range 5 {
		created := t0.Add(time.Duration(i) * 24 * time.Hour)
		recs = append(recs, store.Recording{Sid: fmt.Sprintf("RE%d", i), AccountSid: "AC1", CallSid: calls[i%2].Sid,
			Status: "in-progress", Source: "RecordVerb", Channels: 1, StartTime: created, DateCreated: created, DateUpdated: created})
	}
	// A recording comes with a change of its call, never alone (the change log tells of it
	// through the call).
	if err := db.Apply(ctx, store.Writes{Recordings: recs}); err == nil {
		t.Fatal("recordings written without their calls")
	}
	mustApply(t, db, store.Writes{Calls: calls, Recordings: recs})
	mustApply(t, db, store.Writes{RecordingChanges: []store.RecordingChange{{Sid: "RE0", Status: "completed", Duration: 7, Price: "-0.00250", DateUpdated: t0}}})
	r, err := db.GetRecording(ctx, "AC1", "RE0")
	if err != nil || r.Status != "completed" || r.Duration != 7 || r.Price != "-0.00250" {
		t.Fatalf("completed recording %+v (%v)", r, err)
	}
	sids := func(f store.RecordingFilter, p store.Page) []string {
		t.Helper()
		list, _, err := db.ListRecordings(ctx, f, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range list {
			out = append(out, r.Sid)
		}
		return out
	}
	if got := sids(store.RecordingFilter{AccountSid: "AC1"}, store.Page{}); !slices.Equal(got, []string{"RE4", "RE3", "RE2", "RE1", "RE0"}) {
		t.Errorf("all %v", got)
	}
	if got := sids(store.RecordingFilter{AccountSid: "AC1", CallSid: calls[1].Sid}, store.Page{}); !slices.Equal(got, []string{"RE3", "RE1"}) {
		t.Errorf("of CA1 %v", got)
	}
	day := store.RecordingFilter{AccountSid: "AC1", CreatedFrom: t0.Add(48 * time.Hour), CreatedUntil: t0.Add(72 * time.Hour)}
	if got := sids(day, store.Page{}); !slices.Equal(got, []string{"RE2"}) {
		t.Errorf("on day 2 %v", got)
	}
	if err := db.DeleteRecording(ctx, "AC1", "", "RE1", "in-progress"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("delete in-progress: %v", err)
	}
	if err := db.DeleteRecording(ctx, "AC1", calls[1].Sid, "RE0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete under the wrong call: %v", err)
	}
	if err := db.DeleteRecording(ctx, "AC1", calls[0].Sid, "RE0", "in-progress"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetRecording(ctx, "AC1", "RE0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

func testListCallsFilters(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	var calls []store.Call
	for i := range 10 {
		c := testCall("AC1", i)
		if i == 9 {
			c.ParentCallSid = calls[8].Sid
		}
		calls = append(calls, c)
	}
	mustApply(t, db, store.Writes{Calls: calls})
	indexes := func(f store.CallFilter) []int {
		t.Helper()
		list, _, err := db.ListCalls(ctx, f, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, c := range list {
			var i int
			fmt.Sscanf(strings.TrimPrefix(c.Sid, "CAAC1"), "%d", &i)
			out = append(out, i)
		}
		return out
	}
	tests := []struct {
		name   string
		filter store.CallFilter
		want   []int
	}{
		{"all", store.CallFilter{}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{"to", store.CallFilter{To: "+15550000001"}, []int{7, 4, 1}},
		{"from", store.CallFilter{From: "+15559999999"}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{"status", store.CallFilter{Status: "completed"}, []int{8, 6, 4, 2, 0}},
		{"parent", store.CallFilter{ParentCallSid: "CAAC100000008"}, []int{9}},
		{"started in a window", store.CallFilter{StartFrom: t0.Add(2 * time.Hour), StartUntil: t0.Add(5 * time.Hour)}, []int{4, 3, 2}},
		{"started since", store.CallFilter{StartFrom: t0.Add(7 * time.Hour)}, []int{9, 8, 7}},
		{"ended until", store.CallFilter{EndUntil: t0.Add(3 * time.Hour)}, []int{2, 0}},
		{"ended in a day, to", store.CallFilter{To: "+15550000000", EndFrom: t0, EndUntil: t0.Add(24 * time.Hour)}, []int{6, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.AccountSid = "AC1"
			if got := indexes(tt.filter); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func testCallEventsOldestFirst(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	c := testCall("AC1", 1)
	w := store.Writes{Calls: []store.Call{c}}
	for i := range 7 {
		w.CallEvents = append(w.CallEvents, store.CallEvent{AccountSid: "AC1", CallSid: c.Sid, Type: "verb",
			Description: fmt.Sprintf("event %d", i), Data: map[string]string{"i": fmt.Sprint(i)},
			Elapsed: time.Duration(i) * time.Second, DateCreated: t0})
	}
	mustApply(t, db, w)
	descriptions := func(es []store.CallEvent) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Description)
		}
		return out
	}
	first, more, err := db.ListCallEvents(ctx, "AC1", c.Sid, store.Page{Size: 3})
	if err != nil || !more || !slices.Equal(descriptions(first), []string{"event 0", "event 1", "event 2"}) {
		t.Fatalf("first page %v more %v (%v)", descriptions(first), more, err)
	}
	second, more, err := db.ListCallEvents(ctx, "AC1", c.Sid, store.Page{Size: 3, After: first[2].Seq})
	if err != nil || !more || !slices.Equal(descriptions(second), []string{"event 3", "event 4", "event 5"}) {
		t.Fatalf("second page %v more %v (%v)", descriptions(second), more, err)
	}
	back, more, err := db.ListCallEvents(ctx, "AC1", c.Sid, store.Page{Size: 2, Before: second[0].Seq})
	if err != nil || !more || !slices.Equal(descriptions(back), []string{"event 1", "event 2"}) {
		t.Fatalf("page before %v more %v (%v)", descriptions(back), more, err)
	}
	if second[1].Elapsed != 4*time.Second || second[1].Data["i"] != "4" {
		t.Errorf("event %+v", second[1])
	}
	if other, _, _ := db.ListCallEvents(ctx, "AC2", c.Sid, store.Page{}); len(other) != 0 {
		t.Errorf("another account sees %d events", len(other))
	}
}

// testCallEventsByOffset: a call's timeline pages by offset too (Page without a
// position), and a position wins over an offset.
func testCallEventsByOffset(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	c := testCall("AC1", 1)
	w := store.Writes{Calls: []store.Call{c}}
	for i := range 5 {
		w.CallEvents = append(w.CallEvents, store.CallEvent{AccountSid: "AC1", CallSid: c.Sid, Type: "verb", Description: fmt.Sprint(i), DateCreated: t0})
	}
	mustApply(t, db, w)
	got := func(p store.Page) (out string) {
		t.Helper()
		es, _, err := db.ListCallEvents(ctx, "AC1", c.Sid, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			out += e.Description
		}
		return out
	}
	all, _, _ := db.ListCallEvents(ctx, "AC1", c.Sid, store.Page{})
	for _, tt := range []struct {
		page store.Page
		want string
	}{
		{store.Page{Size: 2, Offset: 2}, "23"},
		{store.Page{Size: 2, Offset: 4}, "4"},
		{store.Page{Size: 2, Offset: 2, After: all[0].Seq}, "12"},
		{store.Page{Size: 2, Offset: 2, Before: all[4].Seq}, "23"},
	} {
		if s := got(tt.page); s != tt.want {
			t.Errorf("%+v: events %q, want %q", tt.page, s, tt.want)
		}
	}
}

// testCallChangeLog: each change of a call is one row of the change log, its events and
// recordings included; deleting a recording tells of its call; an event without a change
// of its call is refused, as the log would never tell of it.
func testCallChangeLog(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	c := testCall("AC1", 1)
	event := func(description string) store.CallEvent {
		return store.CallEvent{AccountSid: "AC1", CallSid: c.Sid, Type: "verb", Description: description, DateCreated: t0}
	}
	rec := store.Recording{Sid: "RE1", AccountSid: "AC1", CallSid: c.Sid, Status: "completed", Source: "RecordVerb", Channels: 1,
		StartTime: t0, DateCreated: t0, DateUpdated: t0}
	before, err := db.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, db, store.Writes{Calls: []store.Call{c}, CallEvents: []store.CallEvent{event("ringing"), event("answered")}})
	next := c
	next.Status = "completed"
	mustApply(t, db, store.Writes{CallChanges: []store.CallChange{{Call: next, Version: 1}}, Recordings: []store.Recording{rec},
		CallEvents: []store.CallEvent{event("said"), event("played"), event("hung up")}})
	if err := db.Apply(ctx, store.Writes{CallEvents: []store.CallEvent{event("alone")}}); err == nil {
		t.Error("an event written without a change of its call")
	}
	if err := db.DeleteRecording(ctx, "AC1", c.Sid, rec.Sid); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCall(ctx, "AC1", c.Sid); err != nil {
		t.Fatal(err)
	}
	changes, err := db.Changes(ctx, before, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range changes {
		if ch.AccountSid != "AC1" || ch.Kind != store.ChangeCall || ch.Sid != c.Sid {
			t.Errorf("change %+v", ch)
		}
		got = append(got, ch.Op)
	}
	if want := []string{store.ChangeCreated, store.ChangeUpdated, store.ChangeUpdated, store.ChangeDeleted}; !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

// testListedCallsDoNotCarryOver: a call listed equals the same call read on its own, and
// a ringing call does not take the end time and price of the ended one listed before it.
func testListedCallsDoNotCarryOver(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
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
}
