package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// testPhoneNumber is number e164 bought by account, i seconds after t0, with every
// field set so that a round trip checks every column.
func testPhoneNumber(account, e164 string, i int) store.PhoneNumber {
	at := t0.Add(time.Duration(i) * time.Second)
	return store.PhoneNumber{
		Sid:                 fmt.Sprintf("PN%s%08d", account, i),
		AccountSid:          account,
		PhoneNumber:         e164,
		FriendlyName:        "line " + e164,
		IsoCountry:          "US",
		Type:                "local",
		AddressRequirements: "none",
		Capabilities:        store.Capabilities{Voice: true, SMS: true, MMS: true},
		Origin:              "twilio",
		PhoneNumberSettings: store.PhoneNumberSettings{
			APIVersion: "2010-04-01", SmsURL: "https://example.com/sms", SmsMethod: "GET",
			SmsFallbackURL: "https://example.com/sms-fallback", SmsFallbackMethod: "POST",
			SmsApplicationSid: "AP1", StatusCallback: "https://example.com/status", StatusCallbackMethod: "POST",
			VoiceURL: "https://example.com/voice", VoiceMethod: "POST", VoiceFallbackURL: "",
			VoiceFallbackMethod: "GET", VoiceApplicationSid: "", VoiceCallerIDLookup: true,
			VoiceReceiveMode: "voice", TrunkSid: "TK1", IdentitySid: "RI1", AddressSid: "AD1",
			EmergencyStatus: "Inactive", EmergencyAddressSid: "AD2", BundleSid: "BU1",
		},
		DateCreated: at,
		DateUpdated: at,
	}
}

func mustCreatePhoneNumber(t testing.TB, db *DB, p store.PhoneNumber) store.PhoneNumber {
	t.Helper()
	got, err := db.CreatePhoneNumber(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestPhoneNumberRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
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

func TestPhoneNumberOwnership(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
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

func TestOwnedPhoneNumbers(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
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

func TestUpdatePhoneNumber(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
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

func TestListPhoneNumbers(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
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

// TestPhoneNumberQueryPlans: lists walk the account's seq index in order (no sort), and
// lookups by number and ranges of numbers use the unique index.
func TestPhoneNumberQueryPlans(t *testing.T) {
	db := openTest(t)
	query, args, _ := phoneNumberListQuery(store.PhoneNumberFilter{AccountSid: "AC1", PhoneNumber: "0100", FriendlyName: "x"}, store.Page{Size: 50, After: 1000})
	if plan := explain(t, db, query, args); !strings.Contains(plan, "USING INDEX incoming_phone_numbers_account_seq ") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("list plan:\n%s", plan)
	}
	for name, q := range map[string]struct {
		sql  string
		args []any
	}{
		"owned range": {ownedNumbersQuery, []any{"+1", "+1:"}},
		"by number":   {"SELECT " + phoneNumberCols + " FROM incoming_phone_numbers WHERE phone_number = ?", []any{"+1"}},
	} {
		plan := explain(t, db, q.sql, q.args)
		// sqlite_autoindex_…_2 is the index of the table's second UNIQUE column.
		if !strings.Contains(plan, "INDEX sqlite_autoindex_incoming_phone_numbers_2 (phone_number") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s plan does not read the phone_number index in order:\n%s", name, plan)
		}
	}
}
