package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// TestMessagingServiceRoundTrip: a service is stored, read, updated (its identity and
// creation kept) and deleted with its pool and sticky senders, and is its account's only.
func TestMessagingServiceRoundTrip(t *testing.T) {
	db := openTest(t)
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

// TestServicePool: numbers join one pool at a time, of their own account's services, up
// to the limit; an alphanumeric sender is one per service; the pool lists both.
func TestServicePool(t *testing.T) {
	db := openTest(t)
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

// TestStickySender: the first choice for a recipient is remembered and offered again,
// with each sender's number of recipients; "" is not remembered.
func TestStickySender(t *testing.T) {
	db := openTest(t)
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
