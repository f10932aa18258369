package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// t0 has milliseconds, the precision the store keeps, so that times round-trip exactly.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

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

func mustCreateAccount(t testing.TB, db store.Store, a store.Account) store.Account {
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
		ContentSid:  fmt.Sprintf("HX%08d", i),
		DateCreated: created,
		DateUpdated: created,
	}
}

func mustCreateMessage(t testing.TB, db store.Store, m store.Message) store.Message {
	t.Helper()
	got, err := db.CreateMessage(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// testCall is call i of account: to +1555000000<i%3>, started i hours after t0, ended a
// minute later when i is even.
func testCall(account string, i int) store.Call {
	start := t0.Add(time.Duration(i) * time.Hour)
	c := store.Call{
		Sid: fmt.Sprintf("CA%s%08d", account, i), AccountSid: account, To: fmt.Sprintf("+155500000%02d", i%3),
		From: "+15559999999", Status: "in-progress", Direction: "outbound-api", StartTime: start,
		Settings: []byte(`{"url":"https://x"}`), State: []byte(`{"wait":"verb"}`), DateCreated: start, DateUpdated: start,
	}
	if i%2 == 0 {
		c.Status, c.EndTime, c.Duration, c.Price = "completed", start.Add(time.Minute), 60, "-0.01400"
	}
	return c
}

// testPhoneNumber is number e164 bought by account, i seconds after t0, with every
// field set so that a round trip checks every one.
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

func mustCreatePhoneNumber(t testing.TB, db store.Store, p store.PhoneNumber) store.PhoneNumber {
	t.Helper()
	got, err := db.CreatePhoneNumber(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func testDelivery(account, resource string, i int) store.WebhookDelivery {
	return store.WebhookDelivery{Sid: fmt.Sprintf("WH%s%s%06d", account, resource, i), AccountSid: account, ResourceSid: resource,
		Event: "message-status", URL: "https://x", Method: "POST", Params: map[string]string{}, DateCreated: t0}
}

// job is a job of account AC1 due at due, with the payload {"n":1}.
func job(kind, resource, queue string, due time.Time) store.Job {
	return store.Job{Kind: kind, AccountSid: "AC1", ResourceSid: resource, Queue: queue, Payload: []byte(`{"n":1}`), DueAt: due, DateCreated: due}
}

func mustApply(t testing.TB, db store.Store, w store.Writes) {
	t.Helper()
	if err := db.Apply(context.Background(), w); err != nil {
		t.Fatal(err)
	}
}

func countJobs(t *testing.T, db store.Store, kind string) int {
	t.Helper()
	n, err := db.CountJobs(context.Background(), kind)
	if err != nil {
		t.Fatal(err)
	}
	return n
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

func ptr[T any](v T) *T { return &v }

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

// messagesWithWork writes n messages of account, each with a job, and a webhook delivery
// record for every tenth, in one write. It returns their SIDs.
func messagesWithWork(t *testing.T, db store.Store, account string, n int) []string {
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
