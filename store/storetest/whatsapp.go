package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Templates runs the tests of the Templates family: Content templates and their
// approvals.
func Templates(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"ContentRoundTrip", testContentRoundTrip},
		{"ListContent", testListContent},
	})
}

// WhatsApp runs the tests of the WhatsApp family: sessions written with messages, and
// Sandbox settings.
func WhatsApp(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"Sessions", testWhatsAppSessions},
		{"SessionsRollBackWithTheirWrites", testWhatsAppSessionsRollBack},
		{"ConcurrentInbound", testConcurrentWhatsAppInbound},
		{"JoinedSessions", testJoinedWhatsAppSessions},
		{"Sandbox", testWhatsAppSandbox},
		{"NumbersAndPools", testWhatsAppNumbers},
	})
}

// testContent is template sid of account, created i seconds after t0, with every field
// set so that a round trip checks every one.
func testContent(account, sid string, i int) store.Content {
	at := t0.Add(time.Duration(i) * time.Second)
	return store.Content{
		Sid: sid, AccountSid: account, FriendlyName: "template " + sid, Language: "pt_BR",
		Variables: map[string]string{"1": "friend", "name": "Ana"},
		Types:     []byte(`{"twilio/text":{"body":"Oi {{1}}, é {{name}}"},"twilio/quick-reply":{"body":"Vem?","actions":[{"title":"Sim"}]}}`),
		Approval: store.ContentApproval{Name: "greeting", Category: "UTILITY", ContentType: "twilio/quick-reply",
			Status: "rejected", RejectionReason: "too \"friendly\""},
		DateCreated: at, DateUpdated: at.Add(time.Minute),
	}
}

func mustCreateContent(t testing.TB, db store.Store, c store.Content) store.Content {
	t.Helper()
	got, err := db.CreateContent(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func testContentRoundTrip(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	if _, err := db.CreateContent(ctx, testContent("ACnone", "HX9", 0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("template of no account: %v", err)
	}
	want := testContent("AC1", "HX1", 0)
	created := mustCreateContent(t, db, want)
	if created.Seq == 0 {
		t.Fatal("Seq not set")
	}
	want.Seq = created.Seq
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("created\n got %+v\nwant %+v", created, want)
	}
	if _, err := db.CreateContent(ctx, want); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same SID twice: %v", err)
	}
	if got, err := db.GetContent(ctx, "AC1", "HX1"); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("get\n got %+v, %v\nwant %+v", got, err, want)
	}
	if _, err := db.GetContent(ctx, "AC2", "HX1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's template: %v", err)
	}

	// A template without variables or approval keeps them empty.
	bare := store.Content{Sid: "HX2", AccountSid: "AC1", Language: "en", Types: []byte(`{"twilio/text":{"body":"Hi"}}`),
		DateCreated: t0, DateUpdated: t0}
	got := mustCreateContent(t, db, bare)
	if len(got.Variables) != 0 || got.Approval != (store.ContentApproval{}) || got.FriendlyName != "" {
		t.Errorf("a bare template: %+v", got)
	}

	later := t0.Add(time.Hour)
	approval := store.ContentApproval{Name: "hello", Category: "MARKETING", ContentType: "twilio/text", Status: "approved"}
	updated, err := db.UpdateContent(ctx, "AC1", "HX2", later, func(c *store.Content) error {
		c.Sid, c.AccountSid, c.DateCreated, c.Approval = "HXx", "AC2", later, approval
		return nil
	})
	if err != nil || updated.Sid != "HX2" || updated.AccountSid != "AC1" || !updated.DateCreated.Equal(t0) ||
		!updated.DateUpdated.Equal(later) || updated.Approval != approval || string(updated.Types) != string(bare.Types) {
		t.Errorf("update: %+v, %v", updated, err)
	}
	if got, err := db.GetContent(ctx, "AC1", "HX2"); err != nil || !reflect.DeepEqual(got, updated) {
		t.Errorf("read after update\n got %+v, %v\nwant %+v", got, err, updated)
	}
	refused := errors.New("no")
	if _, err := db.UpdateContent(ctx, "AC1", "HX2", later, func(c *store.Content) error {
		c.Approval.Status = "half done"
		return refused
	}); !errors.Is(err, refused) {
		t.Errorf("a refused update: %v", err)
	}
	if got, _ := db.GetContent(ctx, "AC1", "HX2"); got.Approval.Status != "approved" {
		t.Errorf("a refused update wrote %q", got.Approval.Status)
	}
	if _, err := db.UpdateContent(ctx, "AC2", "HX2", later, func(*store.Content) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update another account's template: %v", err)
	}
	if err := db.DeleteContent(ctx, "AC2", "HX1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete another account's template: %v", err)
	}
	if err := db.DeleteContent(ctx, "AC1", "HX1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetContent(ctx, "AC1", "HX1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted template: %v", err)
	}
	if err := db.DeleteContent(ctx, "AC1", "HX1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func contentSeq(c store.Content) int64 { return c.Seq }

func testListContent(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var mine []int64
	for i := range 5 {
		c := mustCreateContent(t, db, testContent("AC1", fmt.Sprintf("HX1%02d", i), i))
		mine = append([]int64{c.Seq}, mine...) // newest first
		mustCreateContent(t, db, testContent("AC2", fmt.Sprintf("HX2%02d", i), i))
	}
	first, more, err := db.ListContent(ctx, "AC1", store.Page{Size: 2})
	if err != nil || !more || !reflect.DeepEqual(seqs(first, contentSeq), mine[:2]) {
		t.Fatalf("first page: %v more %v, %v; want %v", seqs(first, contentSeq), more, err, mine[:2])
	}
	rest, more, err := db.ListContent(ctx, "AC1", store.Page{Size: 10, After: first[1].Seq})
	if err != nil || more || !reflect.DeepEqual(seqs(rest, contentSeq), mine[2:]) {
		t.Fatalf("after: %v more %v, %v; want %v", seqs(rest, contentSeq), more, err, mine[2:])
	}
	back, more, err := db.ListContent(ctx, "AC1", store.Page{Size: 2, Before: rest[0].Seq})
	if err != nil || more || !reflect.DeepEqual(seqs(back, contentSeq), mine[:2]) {
		t.Fatalf("before: %v more %v, %v; want %v", seqs(back, contentSeq), more, err, mine[:2])
	}
	offset, more, err := db.ListContent(ctx, "AC1", store.Page{Size: 2, Offset: 4})
	if err != nil || more || !reflect.DeepEqual(seqs(offset, contentSeq), mine[4:]) {
		t.Fatalf("offset: %v more %v, %v; want %v", seqs(offset, contentSeq), more, err, mine[4:])
	}
	got, err := db.GetContent(ctx, "AC1", first[0].Sid)
	sameAsAlone(t, first[0], got, err)
}

const (
	sandbox = "whatsapp:+14155238886"
	waUser  = "whatsapp:+15550000001"
)

// inbound is what a message of waUser to sender at does to the session.
func inbound(account, sender string, at time.Time, join, leave bool) store.WhatsAppInbound {
	return store.WhatsAppInbound{AccountSid: account, Sender: sender, User: waUser, At: at, Join: join, Leave: leave}
}

func session(t *testing.T, db store.Store, account, sender string) store.WhatsAppSession {
	t.Helper()
	s, err := db.GetWhatsAppSession(context.Background(), account, sender, waUser)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testWhatsAppSessions(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	if _, err := db.GetWhatsAppSession(ctx, "AC1", sandbox, waUser); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a user who never wrote: %v", err)
	}
	// A session is written with the message that opens it.
	m := testMessage("AC1", 1)
	mustApply(t, db, store.Writes{Messages: []store.Message{m}, WhatsAppInbound: []store.WhatsAppInbound{inbound("AC1", sandbox, t0, false, false)}})
	want := store.WhatsAppSession{AccountSid: "AC1", Sender: sandbox, User: waUser, LastInbound: t0}
	if got := session(t, db, "AC1", sandbox); got != want {
		t.Fatalf("after a first message\n got %+v\nwant %+v", got, want)
	}
	for _, other := range []struct{ account, sender, user string }{
		{"AC2", sandbox, waUser}, {"AC1", "whatsapp:+15559999999", waUser}, {"AC1", sandbox, "whatsapp:+15550000002"},
	} {
		if _, err := db.GetWhatsAppSession(ctx, other.account, other.sender, other.user); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%+v: %v", other, err)
		}
	}

	steps := []struct {
		name string
		in   store.WhatsAppInbound
		want store.WhatsAppSession
	}{
		{"a join", inbound("AC1", sandbox, t0.Add(time.Minute), true, false),
			store.WhatsAppSession{LastInbound: t0.Add(time.Minute), JoinedAt: t0.Add(time.Minute)}},
		{"a message keeps the join", inbound("AC1", sandbox, t0.Add(time.Hour), false, false),
			store.WhatsAppSession{LastInbound: t0.Add(time.Hour), JoinedAt: t0.Add(time.Minute)}},
		{"an older message keeps the later one", inbound("AC1", sandbox, t0.Add(time.Second), false, false),
			store.WhatsAppSession{LastInbound: t0.Add(time.Hour), JoinedAt: t0.Add(time.Minute)}},
		{"a join again moves the join", inbound("AC1", sandbox, t0.Add(2*time.Hour), true, false),
			store.WhatsAppSession{LastInbound: t0.Add(2 * time.Hour), JoinedAt: t0.Add(2 * time.Hour)}},
		{"a leave", inbound("AC1", sandbox, t0.Add(3*time.Hour), false, true),
			store.WhatsAppSession{LastInbound: t0.Add(3 * time.Hour)}},
		{"a message after the leave", inbound("AC1", sandbox, t0.Add(4*time.Hour), false, false),
			store.WhatsAppSession{LastInbound: t0.Add(4 * time.Hour)}},
	}
	for _, s := range steps {
		mustApply(t, db, store.Writes{WhatsAppInbound: []store.WhatsAppInbound{s.in}})
		s.want.AccountSid, s.want.Sender, s.want.User = "AC1", sandbox, waUser
		if got := session(t, db, "AC1", sandbox); got != s.want {
			t.Errorf("%s\n got %+v\nwant %+v", s.name, got, s.want)
		}
	}
	// A first message that joins at once.
	mustApply(t, db, store.Writes{WhatsAppInbound: []store.WhatsAppInbound{inbound("AC2", sandbox, t0, true, false)}})
	if got := session(t, db, "AC2", sandbox); !got.JoinedAt.Equal(t0) || !got.LastInbound.Equal(t0) {
		t.Errorf("a first message that joins: %+v", got)
	}
	// A session of no account is refused.
	if err := db.Apply(ctx, store.Writes{WhatsAppInbound: []store.WhatsAppInbound{inbound("ACnone", sandbox, t0, false, false)}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session of no account: %v", err)
	}
}

func testWhatsAppSessionsRollBack(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1))
	// The message is there already: the whole write fails, the session with it.
	err := db.Apply(ctx, store.Writes{Messages: []store.Message{m}, WhatsAppInbound: []store.WhatsAppInbound{inbound("AC1", sandbox, t0, true, false)}})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a taken SID: %v", err)
	}
	if _, err := db.GetWhatsAppSession(ctx, "AC1", sandbox, waUser); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed write left its session: %v", err)
	}
}

func testConcurrentWhatsAppInbound(t *testing.T, open Opener) {
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	// A join and many messages at once: the join holds, and the latest message wins.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			in := inbound("AC1", sandbox, t0.Add(time.Duration(i)*time.Second), i == 7, false)
			if err := db.Apply(context.Background(), store.Writes{WhatsAppInbound: []store.WhatsAppInbound{in}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := session(t, db, "AC1", sandbox)
	if !got.LastInbound.Equal(t0.Add(19*time.Second)) || !got.JoinedAt.Equal(t0.Add(7*time.Second)) {
		t.Errorf("after 20 messages at once: %+v", got)
	}
}

func testJoinedWhatsAppSessions(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var w store.Writes
	for i := range 5 {
		w.WhatsAppInbound = append(w.WhatsAppInbound, store.WhatsAppInbound{AccountSid: "AC1", Sender: sandbox,
			User: fmt.Sprintf("whatsapp:+1555000000%d", i), At: t0.Add(time.Duration(i) * time.Hour), Join: true})
	}
	w.WhatsAppInbound = append(w.WhatsAppInbound,
		// Wrote without joining; joined another sender; joined another account's Sandbox;
		// joined and left.
		store.WhatsAppInbound{AccountSid: "AC1", Sender: sandbox, User: "whatsapp:+15550000010", At: t0.Add(9 * time.Hour)},
		store.WhatsAppInbound{AccountSid: "AC1", Sender: "whatsapp:+15559999999", User: "whatsapp:+15550000011", At: t0.Add(9 * time.Hour), Join: true},
		store.WhatsAppInbound{AccountSid: "AC2", Sender: sandbox, User: "whatsapp:+15550000012", At: t0.Add(9 * time.Hour), Join: true},
		store.WhatsAppInbound{AccountSid: "AC1", Sender: sandbox, User: "whatsapp:+15550000013", At: t0.Add(8 * time.Hour), Join: true},
		store.WhatsAppInbound{AccountSid: "AC1", Sender: sandbox, User: "whatsapp:+15550000013", At: t0.Add(9 * time.Hour), Leave: true},
	)
	mustApply(t, db, w)
	users := func(list []store.WhatsAppSession) []string {
		var out []string
		for _, s := range list {
			out = append(out, s.User)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		since time.Time
		limit int
		want  []string
	}{
		{"all", time.Time{}, 10, []string{"whatsapp:+15550000004", "whatsapp:+15550000003", "whatsapp:+15550000002", "whatsapp:+15550000001", "whatsapp:+15550000000"}},
		{"the latest two", time.Time{}, 2, []string{"whatsapp:+15550000004", "whatsapp:+15550000003"}},
		{"since a join, inclusive", t0.Add(3 * time.Hour), 10, []string{"whatsapp:+15550000004", "whatsapp:+15550000003"}},
		{"since just after a join", t0.Add(3*time.Hour + time.Microsecond), 10, []string{"whatsapp:+15550000004"}},
		{"since after every join", t0.Add(5 * time.Hour), 10, nil},
	} {
		list, err := db.JoinedWhatsAppSessions(ctx, "AC1", sandbox, tc.since, tc.limit)
		if err != nil || !reflect.DeepEqual(users(list), tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, users(list), err, tc.want)
		}
	}
	list, _ := db.JoinedWhatsAppSessions(ctx, "AC1", sandbox, time.Time{}, 1)
	if len(list) != 1 || list[0] != (store.WhatsAppSession{AccountSid: "AC1", Sender: sandbox, User: "whatsapp:+15550000004",
		LastInbound: t0.Add(4 * time.Hour), JoinedAt: t0.Add(4 * time.Hour)}) {
		t.Errorf("a joined session: %+v", list)
	}
}

func testWhatsAppSandbox(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	if _, err := db.GetWhatsAppSandbox(ctx, "AC1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("settings never set: %v", err)
	}
	first, err := db.UpdateWhatsAppSandbox(ctx, "AC1", t0, func(b *store.WhatsAppSandbox) error {
		if *b != (store.WhatsAppSandbox{AccountSid: "AC1", DateCreated: t0}) {
			t.Errorf("new settings: %+v", *b)
		}
		b.InboundURL, b.InboundMethod, b.StatusCallback = "https://example.com/wa", "GET", "https://example.com/status"
		return nil
	})
	want := store.WhatsAppSandbox{AccountSid: "AC1", InboundURL: "https://example.com/wa", InboundMethod: "GET",
		StatusCallback: "https://example.com/status", DateCreated: t0, DateUpdated: t0}
	if err != nil || first != want {
		t.Fatalf("first settings\n got %+v, %v\nwant %+v", first, err, want)
	}
	if got, err := db.GetWhatsAppSandbox(ctx, "AC1"); err != nil || got != want {
		t.Errorf("get\n got %+v, %v\nwant %+v", got, err, want)
	}
	if _, err := db.GetWhatsAppSandbox(ctx, "AC2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's settings: %v", err)
	}
	later := t0.Add(time.Hour)
	second, err := db.UpdateWhatsAppSandbox(ctx, "AC1", later, func(b *store.WhatsAppSandbox) error {
		if *b != want {
			t.Errorf("settings handed to change: %+v", *b)
		}
		b.AccountSid, b.DateCreated, b.InboundURL = "AC2", later, ""
		return nil
	})
	want.InboundURL, want.DateUpdated = "", later
	if err != nil || second != want {
		t.Errorf("second settings\n got %+v, %v\nwant %+v", second, err, want)
	}
	refused := errors.New("no")
	if _, err := db.UpdateWhatsAppSandbox(ctx, "AC1", later, func(b *store.WhatsAppSandbox) error {
		b.InboundURL = "https://half.example"
		return refused
	}); !errors.Is(err, refused) {
		t.Errorf("a refused update: %v", err)
	}
	if got, _ := db.GetWhatsAppSandbox(ctx, "AC1"); got != want {
		t.Errorf("a refused update wrote %+v", got)
	}
	if _, err := db.GetWhatsAppSandbox(ctx, "AC2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an update moved the settings to another account: %v", err)
	}
	if _, err := db.UpdateWhatsAppSandbox(ctx, "ACnone", t0, func(*store.WhatsAppSandbox) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("settings of no account: %v", err)
	}
}

func testWhatsAppNumbers(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	plain := testPhoneNumber("AC1", "+15550000100", 1)
	plain.WhatsApp = false
	p := mustCreatePhoneNumber(t, db, plain)
	if p.WhatsApp {
		t.Fatal("a new number is a WhatsApp sender")
	}
	on, err := db.UpdatePhoneNumber(ctx, "AC1", p.Sid, t0, func(n *store.PhoneNumber) error { n.WhatsApp = true; return nil })
	if err != nil || !on.WhatsApp {
		t.Fatalf("made a WhatsApp sender: %+v, %v", on, err)
	}
	if got, _ := db.PhoneNumberByNumber(ctx, "+15550000100"); !got.WhatsApp {
		t.Error("PhoneNumberByNumber does not show the setting")
	}
	// Another setting's update keeps it.
	renamed, err := db.UpdatePhoneNumber(ctx, "AC1", p.Sid, t0, func(n *store.PhoneNumber) error { n.FriendlyName = "x"; return nil })
	if err != nil || !renamed.WhatsApp {
		t.Errorf("a rename dropped the setting: %+v, %v", renamed, err)
	}
	// A service's pool shows it.
	svc := store.MessagingService{Sid: "MG1", AccountSid: "AC1", FriendlyName: "s", DateCreated: t0, DateUpdated: t0}
	if _, err := db.CreateMessagingService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	other := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15550000101", 2))
	for _, sid := range []string{p.Sid, other.Sid} {
		if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG1", sid, 10, t0); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := db.ServicePool(ctx, "MG1")
	if err != nil || len(pool.Numbers) != 2 || !pool.Numbers[0].WhatsApp || pool.Numbers[1].WhatsApp != other.WhatsApp {
		t.Errorf("the pool: %+v, %v", pool, err)
	}
	if n, err := db.GetServiceNumber(ctx, "AC1", "MG1", p.Sid); err != nil || !n.WhatsApp {
		t.Errorf("a pool number: %+v, %v", n, err)
	}
}
