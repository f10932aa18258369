package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Numbers runs the tests of the Numbers family: phone numbers, Messaging Services and
// their senders.
func Numbers(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"PhoneNumberRoundTrip", testPhoneNumberRoundTrip},
		{"PhoneNumberOwnership", testPhoneNumberOwnership},
		{"OwnedPhoneNumbers", testOwnedPhoneNumbers},
		{"UpdatePhoneNumber", testUpdatePhoneNumber},
		{"ListPhoneNumbers", testListPhoneNumbers},
		{"NumberChangingHandsLeavesItsPool", testNumberChangingHandsLeavesItsPool},
		{"MessagingServiceRoundTrip", testMessagingServiceRoundTrip},
		{"ServicePool", testServicePool},
		{"StickySender", testStickySender},
	})
}

func testPhoneNumberRoundTrip(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))

	want := testPhoneNumber("AC1", "+14155550100", 0)
	created := mustCreatePhoneNumber(t, db, want)
	if created.Seq == 0 {
		t.Fatal("Seq not set")
	}
	want.Seq = created.Seq
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("created\n got %+v\nwant %+v", created, want)
	}
	for name, get := range map[string]func() (store.PhoneNumber, error){
		"GetPhoneNumber":      func() (store.PhoneNumber, error) { return db.GetPhoneNumber(ctx, "AC1", want.Sid) },
		"PhoneNumberByNumber": func() (store.PhoneNumber, error) { return db.PhoneNumberByNumber(ctx, "+14155550100") },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s\n got %+v\nwant %+v", name, got, want)
		}
	}

	if _, err := db.GetPhoneNumber(ctx, "AC2", want.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's number: err = %v, want ErrNotFound", err)
	}
	if _, err := db.PhoneNumberByNumber(ctx, "+14155550101"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("number nobody owns: err = %v, want ErrNotFound", err)
	}
	if _, err := db.CreatePhoneNumber(ctx, testPhoneNumber("ACnope", "+14155550102", 1)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account: err = %v, want ErrNotFound", err)
	}
}

func testPhoneNumberOwnership(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))

	a := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+14155550100", 0))
	// The same number, for another account or the same one: one owner at a time.
	for _, account := range []string{"AC2", "AC1"} {
		_, err := db.CreatePhoneNumber(ctx, testPhoneNumber(account, "+14155550100", 1))
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s buys an owned number: err = %v, want ErrConflict", account, err)
		}
	}
	if err := db.DeletePhoneNumber(ctx, "AC2", a.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AC2 releases AC1's number: err = %v, want ErrNotFound", err)
	}
	if err := db.DeletePhoneNumber(ctx, "AC1", a.Sid); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePhoneNumber(ctx, "AC1", a.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second release: err = %v, want ErrNotFound", err)
	}
	// Released: on sale again, and the new owner's row is what a lookup finds.
	b := mustCreatePhoneNumber(t, db, testPhoneNumber("AC2", "+14155550100", 2))
	got, err := db.PhoneNumberByNumber(ctx, "+14155550100")
	if err != nil || got.AccountSid != "AC2" || got.Sid != b.Sid {
		t.Fatalf("after rebuy: %+v, %v", got, err)
	}
	if _, err := db.GetPhoneNumber(ctx, "AC1", a.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("released number still fetchable: %v", err)
	}
}

func testOwnedPhoneNumbers(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	for i, n := range []string{"+14155550199", "+442079460001", "+14155550100", "+14165550100", "+1415"} {
		account := []string{"AC1", "AC2"}[i%2]
		mustCreatePhoneNumber(t, db, testPhoneNumber(account, n, i))
	}
	for prefix, want := range map[string][]string{
		"+1":        {"+1415", "+14155550100", "+14155550199", "+14165550100"},
		"+1415":     {"+1415", "+14155550100", "+14155550199"},
		"+14155550": {"+14155550100", "+14155550199"},
		"+44":       {"+442079460001"},
		"+4":        {"+442079460001"},
		"+49":       nil,
		"":          {"+1415", "+14155550100", "+14155550199", "+14165550100", "+442079460001"},
	} {
		got, err := db.OwnedPhoneNumbers(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("OwnedPhoneNumbers(%q) = %v, want %v", prefix, got, want)
		}
	}
}

func testUpdatePhoneNumber(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", "AC1"))
	p := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+14155550100", 0))
	later := t0.Add(time.Hour)

	got, err := db.UpdatePhoneNumber(ctx, "AC1", p.Sid, later, func(q *store.PhoneNumber) error {
		q.FriendlyName = "renamed"
		q.SmsURL = ""
		q.VoiceCallerIDLookup = false
		// Not the change's to make: kept as they were.
		q.Sid, q.PhoneNumber, q.DateCreated = "PNother", "+19999999999", later
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := p
	want.FriendlyName, want.SmsURL, want.VoiceCallerIDLookup, want.DateUpdated = "renamed", "", false, later
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("updated\n got %+v\nwant %+v", got, want)
	}
	if again, _ := db.GetPhoneNumber(ctx, "AC1", p.Sid); !reflect.DeepEqual(again, want) {
		t.Fatalf("stored\n got %+v\nwant %+v", again, want)
	}

	// An error from the change writes nothing.
	boom := errors.New("boom")
	_, err = db.UpdatePhoneNumber(ctx, "AC1", p.Sid, later.Add(time.Hour), func(q *store.PhoneNumber) error {
		q.FriendlyName = "half-done"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the change's error", err)
	}
	if again, _ := db.GetPhoneNumber(ctx, "AC1", p.Sid); again.FriendlyName != "renamed" {
		t.Fatalf("aborted change was stored: %+v", again)
	}

	// Moving to another account, then to one that does not exist.
	moved, err := db.UpdatePhoneNumber(ctx, "AC1", p.Sid, later, func(q *store.PhoneNumber) error { q.AccountSid = "AC2"; return nil })
	if err != nil || moved.AccountSid != "AC2" {
		t.Fatalf("move: %+v, %v", moved, err)
	}
	if _, err := db.GetPhoneNumber(ctx, "AC1", p.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("moved number still under AC1: %v", err)
	}
	_, err = db.UpdatePhoneNumber(ctx, "AC2", p.Sid, later, func(q *store.PhoneNumber) error { q.AccountSid = "ACnope"; return nil })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("move to an unknown account: err = %v, want ErrNotFound", err)
	}
	_, err = db.UpdatePhoneNumber(ctx, "AC1", p.Sid, later, func(*store.PhoneNumber) error { return nil })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update under the old account: err = %v, want ErrNotFound", err)
	}
}

func testListPhoneNumbers(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var mine []int64 // newest first
	for i := range 30 {
		p := testPhoneNumber("AC1", fmt.Sprintf("+1415555%04d", 100+i), i)
		if i%3 == 0 {
			p.FriendlyName = "support"
		}
		mine = append([]int64{mustCreatePhoneNumber(t, db, p).Seq}, mine...)
	}
	mustCreatePhoneNumber(t, db, testPhoneNumber("AC2", "+12125550100", 99))
	pnSeqs := func(ps []store.PhoneNumber) []int64 {
		return seqs(ps, func(p store.PhoneNumber) int64 { return p.Seq })
	}
	numbers := func(ps []store.PhoneNumber) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.PhoneNumber
		}
		return out
	}

	// Keyset paging, both ways.
	p1, more, err := db.ListPhoneNumbers(ctx, store.PhoneNumberFilter{AccountSid: "AC1"}, store.Page{Size: 12})
	if err != nil || !more || !slices.Equal(pnSeqs(p1), mine[:12]) {
		t.Fatalf("page 1: %v more=%v err=%v", pnSeqs(p1), more, err)
	}
	p2, more, _ := db.ListPhoneNumbers(ctx, store.PhoneNumberFilter{AccountSid: "AC1"}, store.Page{Size: 12, After: p1[11].Seq})
	p3, more3, _ := db.ListPhoneNumbers(ctx, store.PhoneNumberFilter{AccountSid: "AC1"}, store.Page{Size: 12, After: p2[11].Seq})
	if !more || more3 || !slices.Equal(pnSeqs(p2), mine[12:24]) || !slices.Equal(pnSeqs(p3), mine[24:]) {
		t.Fatalf("pages 2, 3: %v %v more %v %v", pnSeqs(p2), pnSeqs(p3), more, more3)
	}
	back, _, _ := db.ListPhoneNumbers(ctx, store.PhoneNumberFilter{AccountSid: "AC1"}, store.Page{Size: 12, Before: p2[0].Seq})
	if !slices.Equal(pnSeqs(back), mine[:12]) {
		t.Fatalf("before page 2: %v", pnSeqs(back))
	}

	tests := []struct {
		name string
		f    store.PhoneNumberFilter
		want []string
	}{
		{"exact number", store.PhoneNumberFilter{AccountSid: "AC1", PhoneNumber: "+14155550105"}, []string{"+14155550105"}},
		{"partial", store.PhoneNumberFilter{AccountSid: "AC1", PhoneNumber: "0112"}, []string{"+14155550112"}},
		{"wildcard", store.PhoneNumberFilter{AccountSid: "AC1", PhoneNumber: "555012*"},
			[]string{"+14155550129", "+14155550128", "+14155550127", "+14155550126", "+14155550125",
				"+14155550124", "+14155550123", "+14155550122", "+14155550121", "+14155550120"}},
		{"LIKE characters are literal", store.PhoneNumberFilter{AccountSid: "AC1", PhoneNumber: "0_0"}, nil},
		{"another account's number", store.PhoneNumberFilter{AccountSid: "AC1", PhoneNumber: "+12125550100"}, nil},
		{"friendly name", store.PhoneNumberFilter{AccountSid: "AC1", FriendlyName: "support", PhoneNumber: "012*"},
			[]string{"+14155550127", "+14155550124", "+14155550121"}},
		{"origin", store.PhoneNumberFilter{AccountSid: "AC2", Origin: "twilio"}, []string{"+12125550100"}},
		{"other origin", store.PhoneNumberFilter{AccountSid: "AC2", Origin: "hosted"}, nil},
	}
	for _, tt := range tests {
		got, _, err := db.ListPhoneNumbers(ctx, tt.f, store.Page{Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		if g := numbers(got); !slices.Equal(g, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, g, tt.want)
		}
	}
}

// testNumberChangingHandsLeavesItsPool: a number moved to another account leaves its
// Messaging Service's pool (a service sends from its own account's numbers only); any
// other change keeps it there.
func testNumberChangingHandsLeavesItsPool(t *testing.T, open Opener) {
	db := open(t)
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

// testMessagingServiceRoundTrip: a service is stored, read, updated (its identity and
// creation kept) and deleted with its pool and sticky senders, and is its account's only.
func testMessagingServiceRoundTrip(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	in := store.MessagingService{Sid: "MG1", AccountSid: "AC1", FriendlyName: "pool", InboundRequestURL: "https://x/in", InboundMethod: "POST",
		StickySender: true, ValidityPeriod: 600, Usecase: "notifications", DateCreated: t0, DateUpdated: t0}
	if _, err := db.CreateMessagingService(ctx, store.MessagingService{Sid: "MG9", AccountSid: "ACnone", DateCreated: t0, DateUpdated: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("service of no account: %v", err)
	}
	created, err := db.CreateMessagingService(ctx, in)
	if err != nil || created.Seq == 0 || created.FriendlyName != "pool" || !created.StickySender || created.ValidityPeriod != 600 {
		t.Fatalf("create: %+v, %v", created, err)
	}
	if _, err := db.CreateMessagingService(ctx, in); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same SID twice: %v", err)
	}
	if got, err := db.GetMessagingService(ctx, "AC1", "MG1"); err != nil || got != created {
		t.Errorf("get: %+v, %v", got, err)
	}
	if _, err := db.GetMessagingService(ctx, "AC2", "MG1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's service: %v", err)
	}
	later := t0.Add(time.Hour)
	updated, err := db.UpdateMessagingService(ctx, "AC1", "MG1", later, func(m *store.MessagingService) error {
		m.Sid, m.AccountSid, m.DateCreated, m.FriendlyName = "MGx", "AC2", later, "renamed"
		return nil
	})
	if err != nil || updated.Sid != "MG1" || updated.AccountSid != "AC1" || !updated.DateCreated.Equal(t0) ||
		!updated.DateUpdated.Equal(later) || updated.FriendlyName != "renamed" {
		t.Errorf("update: %+v, %v", updated, err)
	}
	refused := errors.New("no")
	if _, err := db.UpdateMessagingService(ctx, "AC1", "MG1", later, func(*store.MessagingService) error { return refused }); !errors.Is(err, refused) {
		t.Errorf("a refused update: %v", err)
	}
	if _, err := db.UpdateMessagingService(ctx, "AC2", "MG1", later, func(*store.MessagingService) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update another account's service: %v", err)
	}
	if list, _, err := db.ListMessagingServices(ctx, "AC1", store.Page{}); err != nil || len(list) != 1 || list[0].FriendlyName != "renamed" {
		t.Errorf("list: %+v, %v", list, err)
	}
	pn := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15005550100", 1))
	if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG1", pn.Sid, 10, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteMessagingService(ctx, "AC2", "MG1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete another account's service: %v", err)
	}
	if err := db.DeleteMessagingService(ctx, "AC1", "MG1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ServiceOfNumber(ctx, pn.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the pool outlived its service: %v", err)
	}
	if _, err := db.GetPhoneNumber(ctx, "AC1", pn.Sid); err != nil {
		t.Errorf("the number went with the service: %v", err)
	}
}

// testServicePool: numbers join one pool at a time, of their own account's services, up
// to the limit; an alphanumeric sender is one per service; the pool lists both.
func testServicePool(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	for _, s := range []store.MessagingService{{Sid: "MG1", AccountSid: "AC1"}, {Sid: "MG2", AccountSid: "AC1"}, {Sid: "MG3", AccountSid: "AC2"}} {
		s.DateCreated, s.DateUpdated = t0, t0
		if _, err := db.CreateMessagingService(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	a := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15005550101", 1))
	b := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15005550102", 2))
	c := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15005550103", 3))
	other := mustCreatePhoneNumber(t, db, testPhoneNumber("AC2", "+15005550104", 4))

	n, added, err := db.AddServiceNumber(ctx, "AC1", "MG1", a.Sid, 2, t0)
	if err != nil || !added || n.Sid != a.Sid || n.PhoneNumber != a.PhoneNumber || n.ServiceSid != "MG1" || n.AccountSid != "AC1" || !n.Capabilities.SMS {
		t.Fatalf("add: %+v %v %v", n, added, err)
	}
	if again, added, err := db.AddServiceNumber(ctx, "AC1", "MG1", a.Sid, 2, t0); err != nil || added || again != n {
		t.Errorf("add again: %+v %v %v", again, added, err)
	}
	if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG2", a.Sid, 2, t0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a number in two pools: %v", err)
	}
	if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG1", other.Sid, 2, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's number: %v", err)
	}
	if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG1", b.Sid, 2, t0); err != nil {
		t.Errorf("the second of two: %v", err)
	}
	if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG1", c.Sid, 2, t0); !errors.Is(err, store.ErrLimit) {
		t.Errorf("the third of two: %v", err)
	}
	if got, err := db.GetServiceNumber(ctx, "AC1", "MG1", b.Sid); err != nil || got.Sid != b.Sid {
		t.Errorf("get: %+v, %v", got, err)
	}
	if _, err := db.GetServiceNumber(ctx, "AC1", "MG2", b.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get from another pool: %v", err)
	}
	if list, more, err := db.ListServiceNumbers(ctx, "AC1", "MG1", store.Page{Size: 1}); err != nil || !more || len(list) != 1 || list[0].Sid != b.Sid {
		t.Errorf("list: %+v %v %v", list, more, err)
	}

	as := store.AlphaSender{Sid: "AI1", ServiceSid: "MG1", AccountSid: "AC1", AlphaSender: "Acme", DateCreated: t0, DateUpdated: t0}
	if got, err := db.CreateAlphaSender(ctx, as); err != nil || got.AlphaSender != "Acme" || got.Seq == 0 {
		t.Fatalf("alpha sender: %+v, %v", got, err)
	}
	if _, err := db.CreateAlphaSender(ctx, store.AlphaSender{Sid: "AI2", ServiceSid: "MG1", AccountSid: "AC1", AlphaSender: "Other"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second alpha sender: %v", err)
	}
	if _, err := db.CreateAlphaSender(ctx, store.AlphaSender{Sid: "AI3", ServiceSid: "MG3", AccountSid: "AC1", AlphaSender: "X"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an alpha sender for another account's service: %v", err)
	}
	if got, err := db.GetAlphaSender(ctx, "AC1", "MG1", "AI1"); err != nil || got.AlphaSender != "Acme" {
		t.Errorf("get alpha sender: %+v, %v", got, err)
	}
	if _, err := db.GetAlphaSender(ctx, "AC2", "MG1", "AI1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's alpha sender: %v", err)
	}
	if list, _, err := db.ListAlphaSenders(ctx, "AC1", "MG1", store.Page{}); err != nil || len(list) != 1 {
		t.Errorf("list alpha senders: %+v, %v", list, err)
	}

	pool, err := db.ServicePool(ctx, "MG1")
	if err != nil || len(pool.Numbers) != 2 || pool.Numbers[0].Sid != a.Sid || pool.Numbers[1].Sid != b.Sid ||
		len(pool.AlphaSenders) != 1 || pool.AlphaSenders[0] != "Acme" {
		t.Errorf("pool: %+v, %v", pool, err)
	}
	if s, err := db.ServiceOfNumber(ctx, b.Sid); err != nil || s.Sid != "MG1" {
		t.Errorf("service of a pooled number: %+v, %v", s, err)
	}

	if err := db.RemoveServiceNumber(ctx, "AC1", "MG1", a.Sid); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveServiceNumber(ctx, "AC1", "MG1", a.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	if err := db.DeleteAlphaSender(ctx, "AC1", "MG1", "AI1"); err != nil {
		t.Fatal(err)
	}
	if pool, err := db.ServicePool(ctx, "MG1"); err != nil || len(pool.Numbers) != 1 || len(pool.AlphaSenders) != 0 {
		t.Errorf("pool after removals: %+v, %v", pool, err)
	}
	if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG2", a.Sid, 2, t0); err != nil {
		t.Errorf("a removed number joins another pool: %v", err)
	}
}

// testStickySender: the first choice for a recipient is remembered and offered again,
// with each sender's number of recipients; "" is not remembered.
func testStickySender(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	if _, err := db.CreateMessagingService(ctx, store.MessagingService{Sid: "MG1", AccountSid: "AC1", DateCreated: t0, DateUpdated: t0}); err != nil {
		t.Fatal(err)
	}
	type offer struct {
		current string
		load    map[string]int
	}
	var offers []offer
	pick := func(sender string) func(string, map[string]int) string {
		return func(current string, load map[string]int) string {
			offers = append(offers, offer{current, load})
			if current != "" {
				return current
			}
			return sender
		}
	}
	for _, step := range []struct{ recipient, pick, want string }{
		{"+14155550100", "", ""}, // nothing chosen: nothing remembered
		{"+14155550100", "+15005550101", "+15005550101"},
		{"+14155550100", "+15005550102", "+15005550101"}, // remembered
		{"+14155550199", "+15005550101", "+15005550101"},
		{"+14155550198", "+15005550102", "+15005550102"},
	} {
		got, err := db.StickySender(ctx, "MG1", step.recipient, t0, pick(step.pick))
		if err != nil || got != step.want {
			t.Fatalf("%s: %q, %v; want %q", step.recipient, got, err, step.want)
		}
	}
	last := offers[len(offers)-1]
	if last.current != "" || last.load["+15005550101"] != 2 || len(last.load) != 1 {
		t.Errorf("the last offer: %+v", last)
	}
	if offers[2].current != "+15005550101" {
		t.Errorf("a remembered recipient was offered %q", offers[2].current)
	}
}
