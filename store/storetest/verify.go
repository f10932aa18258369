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

// Verify runs the tests of the Verify family: Verify Services and their verifications.
func Verify(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"VerifyServiceRoundTrip", testVerifyServiceRoundTrip},
		{"ListVerifyServices", testListVerifyServices},
		{"VerificationRoundTrip", testVerificationRoundTrip},
		{"StartVerification", testStartVerification},
		{"ConcurrentStarts", testConcurrentStarts},
		{"ConcurrentChecks", testConcurrentChecks},
		{"ListVerifications", testListVerifications},
		{"DeletingAServiceDeletesItsVerifications", testDeleteVerifyService},
	})
}

// testVerifyService is service sid of account, created i seconds after t0, with every
// field set so that a round trip checks every one.
func testVerifyService(account, sid string, i int) store.VerifyService {
	at := t0.Add(time.Duration(i) * time.Second)
	return store.VerifyService{
		Sid: sid, AccountSid: account, FriendlyName: "Service " + sid, CodeLength: 8, LookupEnabled: true,
		SkipSmsToLandlines: true, DtmfInputRequired: true, TtsName: "Polly.Joanna", Psd2Enabled: true,
		DoNotShareWarningEnabled: true, CustomCodeEnabled: true, DefaultTemplateSid: "HJ1", VerifyEventSubscriptionEnabled: true,
		Extra: []byte(`{"totp":{"issuer":"x","skew":1},"push":null}`), DateCreated: at, DateUpdated: at,
	}
}

func mustCreateVerifyService(t testing.TB, db store.Store, s store.VerifyService) store.VerifyService {
	t.Helper()
	got, err := db.CreateVerifyService(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// testVerification is verification sid of service VA1 of account AC1 to number to,
// created i seconds after t0, with every field set.
func testVerification(sid, to string, i int) store.Verification {
	at := t0.Add(time.Duration(i) * time.Second)
	return store.Verification{
		Sid: sid, ServiceSid: "VA1", AccountSid: "AC1", To: to, Channel: "sms", Status: "pending", Code: "0123456789",
		CustomCode: true, Locale: "pt-BR", Amount: "€39.99", Payee: "Acme", WithLookup: true,
		Sends: []store.VerificationSend{
			{Sid: "VL" + sid + "a", Channel: "sms", Time: at},
			{Sid: "VL" + sid + "b", Channel: "call", Time: at.Add(1500 * time.Millisecond)},
		},
		Checks: 2, DateCreated: at, DateUpdated: at.Add(time.Minute), DateExpires: at.Add(10 * time.Minute),
	}
}

// insertVerification writes v as a new verification through StartVerification.
func insertVerification(t testing.TB, db store.Store, v store.Verification) store.Verification {
	t.Helper()
	got, err := db.StartVerification(context.Background(), v.AccountSid, v.ServiceSid, v.To,
		func(*store.Verification) (store.Verification, error) { return v, nil })
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// verifyAccounts makes accounts AC1 and AC2, and services VA1 and VA2 of AC1 and VA3
// of AC2.
func verifyAccounts(t *testing.T, db store.Store) {
	t.Helper()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	mustCreateVerifyService(t, db, testVerifyService("AC1", "VA1", 1))
	mustCreateVerifyService(t, db, testVerifyService("AC1", "VA2", 2))
	mustCreateVerifyService(t, db, testVerifyService("AC2", "VA3", 3))
}

func testVerifyServiceRoundTrip(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	if _, err := db.CreateVerifyService(ctx, testVerifyService("ACnone", "VA9", 0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("service of no account: %v", err)
	}
	want := testVerifyService("AC1", "VA1", 0)
	created := mustCreateVerifyService(t, db, want)
	if created.Seq == 0 {
		t.Fatal("Seq not set")
	}
	want.Seq = created.Seq
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("created\n got %+v\nwant %+v", created, want)
	}
	if _, err := db.CreateVerifyService(ctx, want); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same SID twice: %v", err)
	}
	if got, err := db.GetVerifyService(ctx, "AC1", "VA1"); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("get\n got %+v, %v\nwant %+v", got, err, want)
	}
	if _, err := db.GetVerifyService(ctx, "AC2", "VA1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's service: %v", err)
	}

	later := t0.Add(time.Hour)
	updated, err := db.UpdateVerifyService(ctx, "AC1", "VA1", later, func(s *store.VerifyService) error {
		s.Sid, s.AccountSid, s.DateCreated, s.FriendlyName, s.CodeLength, s.Extra = "VAx", "AC2", later, "renamed", 4, []byte(`{}`)
		s.LookupEnabled, s.TtsName = false, ""
		return nil
	})
	if err != nil || updated.Sid != "VA1" || updated.AccountSid != "AC1" || !updated.DateCreated.Equal(want.DateCreated) ||
		!updated.DateUpdated.Equal(later) || updated.FriendlyName != "renamed" || updated.CodeLength != 4 ||
		updated.LookupEnabled || updated.TtsName != "" || string(updated.Extra) != "{}" || !updated.SkipSmsToLandlines {
		t.Errorf("update: %+v, %v", updated, err)
	}
	if got, err := db.GetVerifyService(ctx, "AC1", "VA1"); err != nil || !reflect.DeepEqual(got, updated) {
		t.Errorf("read after update\n got %+v, %v\nwant %+v", got, err, updated)
	}
	refused := errors.New("no")
	if _, err := db.UpdateVerifyService(ctx, "AC1", "VA1", later, func(s *store.VerifyService) error {
		s.FriendlyName = "half done"
		return refused
	}); !errors.Is(err, refused) {
		t.Errorf("a refused update: %v", err)
	}
	if got, _ := db.GetVerifyService(ctx, "AC1", "VA1"); got.FriendlyName != "renamed" {
		t.Errorf("a refused update wrote %q", got.FriendlyName)
	}
	if _, err := db.UpdateVerifyService(ctx, "AC2", "VA1", later, func(*store.VerifyService) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update another account's service: %v", err)
	}
	if err := db.DeleteVerifyService(ctx, "AC2", "VA1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete another account's service: %v", err)
	}
	if err := db.DeleteVerifyService(ctx, "AC1", "VA1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetVerifyService(ctx, "AC1", "VA1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted service: %v", err)
	}
	if err := db.DeleteVerifyService(ctx, "AC1", "VA1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func testListVerifyServices(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var mine []int64
	for i := range 5 {
		s := mustCreateVerifyService(t, db, testVerifyService("AC1", fmt.Sprintf("VA1%02d", i), i))
		mine = append([]int64{s.Seq}, mine...) // newest first
		mustCreateVerifyService(t, db, testVerifyService("AC2", fmt.Sprintf("VA2%02d", i), i))
	}
	first, more, err := db.ListVerifyServices(ctx, "AC1", store.Page{Size: 2})
	if err != nil || !more || !reflect.DeepEqual(seqs(first, verifyServiceSeq), mine[:2]) {
		t.Fatalf("first page: %v more %v, %v; want %v", seqs(first, verifyServiceSeq), more, err, mine[:2])
	}
	rest, more, err := db.ListVerifyServices(ctx, "AC1", store.Page{Size: 10, After: first[1].Seq})
	if err != nil || more || !reflect.DeepEqual(seqs(rest, verifyServiceSeq), mine[2:]) {
		t.Fatalf("after: %v more %v, %v; want %v", seqs(rest, verifyServiceSeq), more, err, mine[2:])
	}
	back, more, err := db.ListVerifyServices(ctx, "AC1", store.Page{Size: 2, Before: rest[0].Seq})
	if err != nil || more || !reflect.DeepEqual(seqs(back, verifyServiceSeq), mine[:2]) {
		t.Fatalf("before: %v more %v, %v; want %v", seqs(back, verifyServiceSeq), more, err, mine[:2])
	}
	got, err := db.GetVerifyService(ctx, "AC1", first[0].Sid)
	sameAsAlone(t, first[0], got, err)
}

func verifyServiceSeq(s store.VerifyService) int64 { return s.Seq }
func verificationSeq(v store.Verification) int64   { return v.Seq }

func testVerificationRoundTrip(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	verifyAccounts(t, db)
	want := testVerification("VE1", "+15550000001", 0)
	created := insertVerification(t, db, want)
	if created.Seq == 0 {
		t.Fatal("Seq not set")
	}
	want.Seq = created.Seq
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("created\n got %+v\nwant %+v", created, want)
	}
	for name, get := range map[string]func() (store.Verification, error){
		"GetVerification":                func() (store.Verification, error) { return db.GetVerification(ctx, "AC1", "VA1", "VE1") },
		"GetVerification of any service": func() (store.Verification, error) { return db.GetVerification(ctx, "AC1", "", "VE1") },
		"LatestVerification":             func() (store.Verification, error) { return db.LatestVerification(ctx, "AC1", "VA1", "+15550000001") },
	} {
		got, err := get()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %+v, %v\nwant %+v", name, got, err, want)
		}
	}
	for name, get := range map[string]func() (store.Verification, error){
		"another service":         func() (store.Verification, error) { return db.GetVerification(ctx, "AC1", "VA2", "VE1") },
		"another account":         func() (store.Verification, error) { return db.GetVerification(ctx, "AC2", "", "VE1") },
		"latest of another":       func() (store.Verification, error) { return db.LatestVerification(ctx, "AC1", "VA2", "+15550000001") },
		"latest to another":       func() (store.Verification, error) { return db.LatestVerification(ctx, "AC1", "VA1", "+15550000002") },
		"latest, another account": func() (store.Verification, error) { return db.LatestVerification(ctx, "AC2", "VA1", "+15550000001") },
	} {
		if _, err := get(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}

	updated, err := db.UpdateVerification(ctx, "AC1", "VA1", "VE1", func(v *store.Verification) error {
		v.Sid, v.ServiceSid, v.AccountSid, v.To, v.DateCreated = "VEx", "VA2", "AC2", "+1", t0.Add(time.Hour)
		v.Status, v.Checks, v.Channel, v.DateUpdated = "approved", 3, "call", t0.Add(2*time.Minute)
		v.Sends = append(v.Sends, store.VerificationSend{Sid: "VLc", Channel: "sms", Time: t0.Add(90 * time.Second)})
		return nil
	})
	wantUpdated := want
	wantUpdated.Status, wantUpdated.Checks, wantUpdated.Channel, wantUpdated.DateUpdated = "approved", 3, "call", t0.Add(2*time.Minute)
	wantUpdated.Sends = append(append([]store.VerificationSend{}, want.Sends...), store.VerificationSend{Sid: "VLc", Channel: "sms", Time: t0.Add(90 * time.Second)})
	if err != nil || !reflect.DeepEqual(updated, wantUpdated) {
		t.Fatalf("update\n got %+v, %v\nwant %+v", updated, err, wantUpdated)
	}
	if got, err := db.GetVerification(ctx, "AC1", "VA1", "VE1"); err != nil || !reflect.DeepEqual(got, wantUpdated) {
		t.Errorf("read after update\n got %+v, %v\nwant %+v", got, err, wantUpdated)
	}
	refused := errors.New("no")
	if _, err := db.UpdateVerification(ctx, "AC1", "VA1", "VE1", func(v *store.Verification) error {
		v.Checks = 99
		return refused
	}); !errors.Is(err, refused) {
		t.Errorf("a refused update: %v", err)
	}
	if got, _ := db.GetVerification(ctx, "AC1", "VA1", "VE1"); got.Checks != 3 {
		t.Errorf("a refused update wrote checks = %d", got.Checks)
	}
	for _, k := range []struct{ account, service string }{{"AC2", "VA1"}, {"AC1", "VA2"}, {"AC1", ""}} {
		if _, err := db.UpdateVerification(ctx, k.account, k.service, "VE1", func(*store.Verification) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update as %s of service %q: %v", k.account, k.service, err)
		}
	}

	if err := db.DeleteVerification(ctx, "AC2", "VE1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete another account's verification: %v", err)
	}
	if err := db.DeleteVerification(ctx, "AC1", "VE1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetVerification(ctx, "AC1", "", "VE1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted verification: %v", err)
	}
	if err := db.DeleteVerification(ctx, "AC1", "VE1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

// testStartVerification: start sees the newest verification of the service to the
// number, and what it returns is an update of that one or a new one.
func testStartVerification(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	verifyAccounts(t, db)
	const to = "+15550000001"

	for _, k := range []struct{ account, service string }{{"AC2", "VA1"}, {"AC1", "VA3"}, {"AC1", "VAnone"}} {
		_, err := db.StartVerification(ctx, k.account, k.service, to, func(*store.Verification) (store.Verification, error) {
			t.Errorf("start called for service %s of %s", k.service, k.account)
			return testVerification("VE9", to, 0), nil
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("start as %s with service %s: %v, want ErrNotFound", k.account, k.service, err)
		}
	}

	// The first start finds none; the store sets the service, account and number.
	first := testVerification("VE1", to, 0)
	first.ServiceSid, first.AccountSid, first.To = "", "", ""
	v1, err := db.StartVerification(ctx, "AC1", "VA1", to, func(current *store.Verification) (store.Verification, error) {
		if current != nil {
			t.Errorf("first start saw %+v", current)
		}
		return first, nil
	})
	if err != nil || v1.Seq == 0 || v1.ServiceSid != "VA1" || v1.AccountSid != "AC1" || v1.To != to || v1.Code != first.Code {
		t.Fatalf("first start: %+v, %v", v1, err)
	}
	// Another service's, and another number's, are other verifications.
	insertVerification(t, db, store.Verification{Sid: "VE2", ServiceSid: "VA2", AccountSid: "AC1", To: to, Channel: "sms",
		Status: "pending", Code: "1", DateCreated: t0, DateUpdated: t0, DateExpires: t0})
	insertVerification(t, db, store.Verification{Sid: "VE3", ServiceSid: "VA1", AccountSid: "AC1", To: "+15550000002", Channel: "sms",
		Status: "pending", Code: "1", DateCreated: t0, DateUpdated: t0, DateExpires: t0})

	// The second sees the first, and returning it changed updates it; the fields that
	// name it are kept.
	v2, err := db.StartVerification(ctx, "AC1", "VA1", to, func(current *store.Verification) (store.Verification, error) {
		if current == nil || !reflect.DeepEqual(*current, v1) {
			t.Errorf("second start saw\n %+v\nwant %+v", current, v1)
			return store.Verification{}, errors.New("wrong current")
		}
		next := *current
		next.Sends = append(next.Sends, store.VerificationSend{Sid: "VLx", Channel: "call", Time: t0.Add(time.Minute)})
		next.Channel, next.To, next.DateCreated, next.ServiceSid = "call", "+1999", t0.Add(time.Hour), "VA2"
		return next, nil
	})
	if err != nil || v2.Seq != v1.Seq || v2.Sid != "VE1" || len(v2.Sends) != 3 || v2.Channel != "call" || v2.To != to ||
		!v2.DateCreated.Equal(v1.DateCreated) || v2.ServiceSid != "VA1" {
		t.Fatalf("second start: %+v, %v", v2, err)
	}
	// An error writes nothing.
	refused := errors.New("too many")
	if _, err := db.StartVerification(ctx, "AC1", "VA1", to, func(current *store.Verification) (store.Verification, error) {
		return testVerification("VE4", to, 4), refused
	}); !errors.Is(err, refused) {
		t.Errorf("a refused start: %v", err)
	}
	if latest, err := db.LatestVerification(ctx, "AC1", "VA1", to); err != nil || !reflect.DeepEqual(latest, v2) {
		t.Errorf("after a refused start the latest is %+v, %v", latest, err)
	}
	// Returning another SID makes a new verification, which is the newest next time.
	v5, err := db.StartVerification(ctx, "AC1", "VA1", to, func(current *store.Verification) (store.Verification, error) {
		return testVerification("VE5", to, 5), nil
	})
	if err != nil || v5.Sid != "VE5" || v5.Seq <= v2.Seq {
		t.Fatalf("a new verification: %+v, %v", v5, err)
	}
	if old, err := db.GetVerification(ctx, "AC1", "VA1", "VE1"); err != nil || !reflect.DeepEqual(old, v2) {
		t.Errorf("the older one changed: %+v, %v", old, err)
	}
	if _, err := db.StartVerification(ctx, "AC1", "VA1", to, func(current *store.Verification) (store.Verification, error) {
		if current == nil || current.Sid != "VE5" {
			t.Errorf("the newest is %+v, want VE5", current)
		}
		return testVerification("VE2", to, 6), nil // a SID that is taken
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a new verification with a taken SID: %v", err)
	}
}

// testConcurrentStarts: starts to one number at once each see the others' writes, so
// that they make one verification with every send counted.
func testConcurrentStarts(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	verifyAccounts(t, db)
	const to, starts = "+15550000001", 8
	var wg sync.WaitGroup
	for i := range starts {
		wg.Go(func() {
			_, err := db.StartVerification(ctx, "AC1", "VA1", to, func(current *store.Verification) (store.Verification, error) {
				send := store.VerificationSend{Sid: fmt.Sprintf("VL%d", i), Channel: "sms", Time: t0}
				if current == nil {
					v := testVerification(fmt.Sprintf("VE%d", i), to, i)
					v.Sends = []store.VerificationSend{send}
					return v, nil
				}
				next := *current
				next.Sends = append(next.Sends, send)
				return next, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	list, _, err := db.ListVerifications(ctx, store.VerificationFilter{AccountSid: "AC1", To: to}, store.Page{})
	if err != nil || len(list) != 1 || len(list[0].Sends) != starts {
		t.Fatalf("after %d starts at once: %d verifications, %+v, %v", starts, len(list), list, err)
	}
}

// testConcurrentChecks: updates of one verification at once each see the others'.
func testConcurrentChecks(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	verifyAccounts(t, db)
	v := testVerification("VE1", "+15550000001", 0)
	v.Checks = 0
	insertVerification(t, db, v)
	const checks = 8
	var wg sync.WaitGroup
	for range checks {
		wg.Go(func() {
			if _, err := db.UpdateVerification(ctx, "AC1", "VA1", "VE1", func(v *store.Verification) error {
				v.Checks++
				return nil
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := db.GetVerification(ctx, "AC1", "VA1", "VE1"); err != nil || got.Checks != checks {
		t.Fatalf("after %d checks at once: %d, %v", checks, got.Checks, err)
	}
}

func testListVerifications(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	verifyAccounts(t, db)
	var all, toOne, ofVA2 []int64 // newest first
	for i := range 6 {
		v := testVerification(fmt.Sprintf("VE%02d", i), fmt.Sprintf("+155500000%02d", i%2), i)
		if i%3 == 0 {
			v.ServiceSid = "VA2"
		}
		got := insertVerification(t, db, v)
		all = append([]int64{got.Seq}, all...)
		if i%2 == 1 {
			toOne = append([]int64{got.Seq}, toOne...)
		}
		if i%3 == 0 {
			ofVA2 = append([]int64{got.Seq}, ofVA2...)
		}
	}
	other := testVerification("VE99", "+15550000001", 9)
	other.ServiceSid, other.AccountSid = "VA3", "AC2"
	insertVerification(t, db, other)

	for _, tt := range []struct {
		name   string
		filter store.VerificationFilter
		want   []int64
	}{
		{"all", store.VerificationFilter{AccountSid: "AC1"}, all},
		{"to", store.VerificationFilter{AccountSid: "AC1", To: "+15550000001"}, toOne},
		{"service", store.VerificationFilter{AccountSid: "AC1", ServiceSid: "VA2"}, ofVA2},
		{"service and to", store.VerificationFilter{AccountSid: "AC1", ServiceSid: "VA2", To: "+15550000001"}, []int64{all[2]}},
		{"another account's service", store.VerificationFilter{AccountSid: "AC1", ServiceSid: "VA3"}, []int64{}},
	} {
		got, more, err := db.ListVerifications(ctx, tt.filter, store.Page{Size: 50})
		if err != nil || more || !reflect.DeepEqual(seqs(got, verificationSeq), tt.want) {
			t.Errorf("%s: %v more %v, %v; want %v", tt.name, seqs(got, verificationSeq), more, err, tt.want)
		}
	}
	f := store.VerificationFilter{AccountSid: "AC1"}
	first, more, err := db.ListVerifications(ctx, f, store.Page{Size: 4})
	if err != nil || !more || !reflect.DeepEqual(seqs(first, verificationSeq), all[:4]) {
		t.Fatalf("first page: %v more %v, %v", seqs(first, verificationSeq), more, err)
	}
	rest, more, err := db.ListVerifications(ctx, f, store.Page{Size: 4, After: first[3].Seq})
	if err != nil || more || !reflect.DeepEqual(seqs(rest, verificationSeq), all[4:]) {
		t.Fatalf("after: %v more %v, %v", seqs(rest, verificationSeq), more, err)
	}
	if offset, _, err := db.ListVerifications(ctx, f, store.Page{Size: 2, Offset: 3}); err != nil || !reflect.DeepEqual(seqs(offset, verificationSeq), all[3:5]) {
		t.Fatalf("offset: %v, %v", seqs(offset, verificationSeq), err)
	}
	got, err := db.GetVerification(ctx, "AC1", "", first[0].Sid)
	sameAsAlone(t, first[0], got, err)
}

func testDeleteVerifyService(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	verifyAccounts(t, db)
	insertVerification(t, db, testVerification("VE1", "+15550000001", 0))
	kept := testVerification("VE2", "+15550000001", 1)
	kept.ServiceSid = "VA2"
	insertVerification(t, db, kept)
	if err := db.DeleteVerifyService(ctx, "AC1", "VA1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetVerification(ctx, "AC1", "", "VE1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a verification outlived its service: %v", err)
	}
	if _, err := db.GetVerification(ctx, "AC1", "VA2", "VE2"); err != nil {
		t.Errorf("another service's verification went too: %v", err)
	}
}
