package storecopy_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/postgres"
	"github.com/switchboard-dev/switchboard/store/sqlite"
	"github.com/switchboard-dev/switchboard/store/storecopy"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// t0 has milliseconds, the precision the stores keep.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "source.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.Database(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// must returns v, or panics with err: for the reads and writes of a test's own data,
// which are not what it tests, and whose failure must end it.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seed writes at least one row of every kind the store keeps into db, through the
// contract, with every field a round trip could lose set to something other than its
// zero value, and leaves some rows deleted so that the Seqs copied have gaps.
func seed(t *testing.T, db store.Store) {
	ctx := context.Background()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

	must(db.CreateAccount(ctx, store.Account{Sid: "AC1", FriendlyName: "main", Status: "active", AuthToken: "token1",
		DateCreated: at(0), DateUpdated: at(1)}))
	must(db.CreateSubaccount(ctx, store.Account{Sid: "AC2", ParentSid: "AC1", FriendlyName: "sub", Status: "active",
		AuthToken: "token2", DateCreated: at(2), DateUpdated: at(2)}, 10))
	must(db.CreateSubaccount(ctx, store.Account{Sid: "AC3", ParentSid: "AC1", FriendlyName: "closed", Status: "active",
		AuthToken: "token3", DateCreated: at(3), DateUpdated: at(3)}, 10))
	must(db.UpdateAccount(ctx, "AC3", store.AccountUpdate{Status: ptr("closed"), Now: at(4)}))
	yes := true
	must(db.UpdateAccount(ctx, "AC2", store.AccountUpdate{MediaAuth: &yes, RecordingAuth: &yes, Now: at(4)}))

	must(db.CreateKey(ctx, store.APIKey{Sid: "SK1", AccountSid: "AC1", FriendlyName: "main key", Type: store.KeyMain,
		SecretSalt: []byte{1, 2, 3}, SecretHash: []byte{4, 5, 6, 0}, DateCreated: at(5), DateUpdated: at(6)}))
	must(db.CreateKey(ctx, store.APIKey{Sid: "SK2", AccountSid: "AC1", Type: store.KeyStandard,
		SecretSalt: []byte{7}, SecretHash: []byte{8}, DateCreated: at(7), DateUpdated: at(7)}))
	must(db.CreateKey(ctx, store.APIKey{Sid: "SK3", AccountSid: "AC2", Type: store.KeyStandard,
		SecretSalt: []byte{9}, SecretHash: []byte{10}, DateCreated: at(8), DateUpdated: at(8)}))
	check(t, db.DeleteKey(ctx, "AC1", "SK2"))

	must(db.EnsureSetting(ctx, "page-token-key", []byte("0123456789abcdef")))
	must(db.AdvanceClock(ctx, 90*time.Minute))

	number := func(sid, account, e164 string, s int) store.PhoneNumber {
		return store.PhoneNumber{Sid: sid, AccountSid: account, PhoneNumber: e164, FriendlyName: "n " + sid, IsoCountry: "US",
			Type: "local", AddressRequirements: "none", Capabilities: store.Capabilities{Voice: true, SMS: true, MMS: true},
			Origin: "twilio", PhoneNumberSettings: store.PhoneNumberSettings{APIVersion: "2010-04-01", SmsURL: "https://app/sms",
				SmsMethod: "POST", SmsFallbackMethod: "GET", StatusCallbackMethod: "POST", VoiceURL: "https://app/voice",
				VoiceMethod: "GET", VoiceFallbackMethod: "POST", VoiceCallerIDLookup: true, VoiceReceiveMode: "voice",
				EmergencyStatus: "Inactive"},
			DateCreated: at(s), DateUpdated: at(s + 1)}
	}
	whatsappSender := number("PN1", "AC1", "+15005550001", 10)
	whatsappSender.WhatsApp = true
	must(db.CreatePhoneNumber(ctx, whatsappSender))
	must(db.CreatePhoneNumber(ctx, number("PN2", "AC1", "+15005550002", 11)))
	must(db.CreatePhoneNumber(ctx, number("PN3", "AC2", "+15005550003", 12)))
	must(db.CreatePhoneNumber(ctx, number("PN4", "AC1", "+15005550004", 13)))
	check(t, db.DeletePhoneNumber(ctx, "AC1", "PN4"))

	must(db.CreateMessagingService(ctx, store.MessagingService{Sid: "MG1", AccountSid: "AC1", FriendlyName: "svc",
		InboundRequestURL: "https://app/in", InboundMethod: "POST", FallbackMethod: "GET", StickySender: true,
		SmartEncoding: true, ScanMessageContent: "inherit", AreaCodeGeomatch: true, ValidityPeriod: 14400,
		Usecase: "marketing", DateCreated: at(20), DateUpdated: at(21)}))
	for i, pn := range []string{"PN1", "PN2"} {
		if _, _, err := db.AddServiceNumber(ctx, "AC1", "MG1", pn, 400, at(22+i)); err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreateAlphaSender(ctx, store.AlphaSender{Sid: "AI1", ServiceSid: "MG1", AccountSid: "AC1", AlphaSender: "Acme",
		DateCreated: at(24), DateUpdated: at(24)}))
	must(db.StickySender(ctx, "MG1", "+15551230000", at(25), func(string, map[string]int) string { return "+15005550002" }))

	must(db.CreateMessage(ctx, store.Message{Sid: "SM1", AccountSid: "AC1", To: "+15551230000", From: "+15005550001",
		Body: "hello", MediaURLs: []string{"https://app/a.png", "https://app/b.png"}, Status: "delivered",
		Direction: "outbound-api", NumSegments: 1, Price: "-0.00790", StatusCallback: "https://app/status",
		DateCreated: at(30), DateUpdated: at(31), DateSent: at(31)}))
	must(db.CreateMessage(ctx, store.Message{Sid: "SM2", AccountSid: "AC1", To: "+15551230001",
		MessagingServiceSid: "MG1", Body: "later", Status: "scheduled", Direction: "outbound-api", NumSegments: 1,
		ContentSid: "HX1", SendAt: at(3600), DateCreated: at(32), DateUpdated: at(32)}))
	must(db.CreateMessage(ctx, store.Message{Sid: "SM3", AccountSid: "AC2", To: "+15005550003", From: "+15551239999",
		Body: "STOP", Status: "failed", Direction: "inbound", NumSegments: 2, ErrorCode: 30003, ErrorMessage: "unreachable",
		DateCreated: at(33), DateUpdated: at(33)}))
	must(db.CreateMessage(ctx, store.Message{Sid: "SM4", AccountSid: "AC1", To: "+15551230000", From: "+15005550001",
		Body: "gone", Status: "delivered", Direction: "outbound-api", NumSegments: 1, DateCreated: at(34), DateUpdated: at(34)}))
	check(t, db.DeleteMessage(ctx, "AC1", "SM4"))
	check(t, db.Apply(ctx, store.Writes{
		OptOuts: []store.OptOut{{AccountSid: "AC2", Sender: "+15005550003", Recipient: "+15551239999", Out: true, DateCreated: at(33)}},
		Media: []store.Media{
			{Sid: "ME1", AccountSid: "AC1", MessageSid: "SM1", URL: "https://app/a.png", DateCreated: at(30), DateUpdated: at(30)},
			{Sid: "ME2", AccountSid: "AC1", MessageSid: "SM1", URL: "https://app/b.png", DateCreated: at(30), DateUpdated: at(30)},
		},
	}))
	check(t, db.Apply(ctx, store.Writes{MediaContents: []store.MediaContent{
		{Sid: "ME1", ContentType: "image/png", Content: []byte("\x89PNG\x00\x01binary"), DateUpdated: at(35)}}}))

	call := store.Call{Sid: "CA1", AccountSid: "AC1", To: "+15551230000", From: "+15005550001", PhoneNumberSid: "PN1",
		Status: "ringing", Direction: "outbound-api", CallerName: "Acme", StartTime: at(40),
		Settings: []byte(`{"url":"https://app/twiml"}`), State: []byte(`{"verb":0}`), DateCreated: at(40), DateUpdated: at(40)}
	check(t, db.Apply(ctx, store.Writes{Calls: []store.Call{call},
		CallEvents: []store.CallEvent{{AccountSid: "AC1", CallSid: "CA1", Type: "initiated", Description: "placed",
			Data: map[string]string{"to": "+15551230000"}, DateCreated: at(40)}}}))
	call.Status, call.EndTime, call.Duration, call.Price, call.State, call.DateUpdated = "completed", at(100), 60, "-0.01400", []byte(`{"verb":3}`), at(100)
	check(t, db.Apply(ctx, store.Writes{
		CallChanges: []store.CallChange{{Call: call, Version: 1}},
		CallEvents: []store.CallEvent{{AccountSid: "AC1", CallSid: "CA1", Type: "completed", Description: "hung up",
			Elapsed: 60500 * time.Millisecond, DateCreated: at(100)}},
		Recordings: []store.Recording{{Sid: "RE1", AccountSid: "AC1", CallSid: "CA1", Status: "completed", Source: "RecordVerb",
			Channels: 1, Duration: 12, Price: "-0.00250", StartTime: at(50), DateCreated: at(50), DateUpdated: at(62)}},
	}))

	must(db.CreateVerifyService(ctx, store.VerifyService{Sid: "VA1", AccountSid: "AC1", FriendlyName: "verify",
		CodeLength: 6, LookupEnabled: true, DtmfInputRequired: true, TtsName: "voice", Extra: []byte(`{"push":{"x":1}}`),
		DateCreated: at(70), DateUpdated: at(70)}))
	must(db.StartVerification(ctx, "AC1", "VA1", "+15551230000", func(*store.Verification) (store.Verification, error) {
		return store.Verification{Sid: "VE1", ServiceSid: "VA1", AccountSid: "AC1", To: "+15551230000", Channel: "sms",
			Status: "pending", Code: "123456", Locale: "fr", WithLookup: true,
			Sends:       []store.VerificationSend{{Sid: "VL1", Channel: "sms", Time: at(71)}},
			Checks:      2,
			DateCreated: at(71), DateUpdated: at(72), DateExpires: at(671)}, nil
	}))

	must(db.CreateContent(ctx, store.Content{Sid: "HX1", AccountSid: "AC1", FriendlyName: "order", Language: "en",
		Variables: map[string]string{"1": "customer"}, Types: []byte(`{"twilio/text":{"body":"Hi {{1}}"}}`),
		Approval:    store.ContentApproval{Name: "order", Category: "UTILITY", ContentType: "twilio/text", Status: "approved"},
		DateCreated: at(73), DateUpdated: at(74)}))
	must(db.CreateContent(ctx, store.Content{Sid: "HX2", AccountSid: "AC1", Language: "en", Types: []byte(`{"twilio/text":{"body":"x"}}`),
		DateCreated: at(75), DateUpdated: at(75)}))
	check(t, db.DeleteContent(ctx, "AC1", "HX2"))
	check(t, db.Apply(ctx, store.Writes{WhatsAppInbound: []store.WhatsAppInbound{
		{AccountSid: "AC1", Sender: "whatsapp:+14155238886", User: "whatsapp:+15551230000", At: at(76), Join: true},
		{AccountSid: "AC1", Sender: "whatsapp:+15005550001", User: "whatsapp:+15551230001", At: at(77)},
	}}))
	must(db.UpdateWhatsAppSandbox(ctx, "AC1", at(78), func(b *store.WhatsAppSandbox) error {
		b.InboundURL, b.InboundMethod, b.StatusCallback = "https://app/wa", "POST", "https://app/wa-status"
		return nil
	}))

	check(t, db.Apply(ctx, store.Writes{
		Deliveries: []store.WebhookDelivery{{Sid: "WH1", AccountSid: "AC1", ResourceSid: "SM1", Event: "message-status",
			URL: "https://app/status", Method: "POST", Params: map[string]string{"MessageStatus": "delivered", "To": "+1555"},
			Signature: "sig=", ResponseStatus: 500, ResponseType: "text/plain", ResponseBody: "oops\x00", Latency: 42 * time.Millisecond,
			Attempt: 2, ErrorCode: 11200, ErrorMessage: "HTTP 500", DateCreated: at(80)}},
		Jobs: []store.Job{
			{Kind: "message.step", AccountSid: "AC1", ResourceSid: "SM2", Payload: []byte(`{"step":1}`), DueAt: at(3600), DateCreated: at(32)},
			{Kind: "webhook", AccountSid: "AC1", ResourceSid: "SM1", Queue: "SM1", Target: "app", Payload: []byte(`{"a":1}`),
				DueAt: at(81), DateCreated: at(81)},
			{Kind: "webhook", AccountSid: "AC1", ResourceSid: "SM1", Queue: "SM1", Target: "app", Payload: []byte(`{"a":2}`),
				DueAt: at(82), DateCreated: at(82)},
		},
	}))
	// The first webhook job is under way when the copy is made: it keeps its lease.
	claimed := must(db.ClaimJobs(ctx, store.Claim{Owner: "worker-1", Now: at(90), Limit: 1,
		Leases: map[string]time.Duration{"webhook": time.Hour}}))
	if len(claimed) != 1 {
		t.Fatalf("claimed %d jobs, want 1", len(claimed))
	}
}

func ptr(s string) *string { return &s }

// all pages through a list of the contract, newest first, and returns every row.
func all[T any](t *testing.T, list func(store.Page) ([]T, bool, error), seq func(T) int64) []T {
	t.Helper()
	var out []T
	p := store.Page{Size: 2}
	for {
		page, more, err := list(p)
		check(t, err)
		out = append(out, page...)
		if !more || len(page) == 0 {
			return out
		}
		p.After = seq(page[len(page)-1])
	}
}

// same fails the test unless what src and dst give is deeply equal.
func same[T any](t *testing.T, what string, src, dst T) {
	t.Helper()
	if !reflect.DeepEqual(src, dst) {
		t.Errorf("%s differ:\nsource      %+v\ndestination %+v", what, src, dst)
	}
}

// sameContents compares everything the contract lets a caller read of db's rows.
func sameContents(t *testing.T, src, dst store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, account := range []string{"AC1", "AC2", "AC3"} {
		read := func(db store.Store) map[string]any {
			acct := must(db.GetAccount(ctx, account))
			accounts := all(t, func(p store.Page) ([]store.Account, bool, error) {
				return db.ListAccounts(ctx, store.AccountFilter{Sid: account, IncludeChildren: true}, p)
			}, func(a store.Account) int64 { return a.Seq })
			keys := all(t, func(p store.Page) ([]store.APIKey, bool, error) { return db.ListKeys(ctx, account, p) },
				func(k store.APIKey) int64 { return k.Seq })
			messages := all(t, func(p store.Page) ([]store.Message, bool, error) {
				return db.ListMessages(ctx, store.MessageFilter{AccountSid: account}, p)
			}, func(m store.Message) int64 { return m.Seq })
			var media []store.Media
			for _, m := range messages {
				media = append(media, must(db.MessageMedia(ctx, account, m.Sid))...)
			}
			for i, m := range media {
				if c, err := db.MediaContent(ctx, account, m.MessageSid, m.Sid); err == nil {
					media[i] = c
				}
			}
			numbers := all(t, func(p store.Page) ([]store.PhoneNumber, bool, error) {
				return db.ListPhoneNumbers(ctx, store.PhoneNumberFilter{AccountSid: account}, p)
			}, func(n store.PhoneNumber) int64 { return n.Seq })
			services := all(t, func(p store.Page) ([]store.MessagingService, bool, error) {
				return db.ListMessagingServices(ctx, account, p)
			}, func(m store.MessagingService) int64 { return m.Seq })
			var pools []any
			for _, s := range services {
				pools = append(pools,
					all(t, func(p store.Page) ([]store.ServiceNumber, bool, error) {
						return db.ListServiceNumbers(ctx, account, s.Sid, p)
					},
						func(n store.ServiceNumber) int64 { return n.Seq }),
					all(t, func(p store.Page) ([]store.AlphaSender, bool, error) {
						return db.ListAlphaSenders(ctx, account, s.Sid, p)
					},
						func(a store.AlphaSender) int64 { return a.Seq }),
					must(db.ServicePool(ctx, s.Sid)))
			}
			calls := all(t, func(p store.Page) ([]store.Call, bool, error) {
				return db.ListCalls(ctx, store.CallFilter{AccountSid: account}, p)
			}, func(c store.Call) int64 { return c.Seq })
			var events []store.CallEvent
			for _, c := range calls {
				events = append(events, all(t, func(p store.Page) ([]store.CallEvent, bool, error) {
					return db.ListCallEvents(ctx, account, c.Sid, p)
				}, func(e store.CallEvent) int64 { return e.Seq })...)
			}
			recordings := all(t, func(p store.Page) ([]store.Recording, bool, error) {
				return db.ListRecordings(ctx, store.RecordingFilter{AccountSid: account}, p)
			}, func(r store.Recording) int64 { return r.Seq })
			verifyServices := all(t, func(p store.Page) ([]store.VerifyService, bool, error) {
				return db.ListVerifyServices(ctx, account, p)
			}, func(v store.VerifyService) int64 { return v.Seq })
			verifications := all(t, func(p store.Page) ([]store.Verification, bool, error) {
				return db.ListVerifications(ctx, store.VerificationFilter{AccountSid: account}, p)
			}, func(v store.Verification) int64 { return v.Seq })
			deliveries := all(t, func(p store.Page) ([]store.WebhookDelivery, bool, error) {
				return db.ListDeliveries(ctx, store.DeliveryFilter{AccountSid: account}, p)
			}, func(d store.WebhookDelivery) int64 { return d.Seq })
			threads := all(t, func(p store.Page) ([]store.Thread, bool, error) {
				return db.ListThreads(ctx, store.ThreadFilter{AccountSid: account}, p)
			}, func(th store.Thread) int64 { return th.Last.Seq })
			usage := must(db.MediaUsage(ctx, account))
			contents := all(t, func(p store.Page) ([]store.Content, bool, error) { return db.ListContent(ctx, account, p) },
				func(c store.Content) int64 { return c.Seq })
			sandbox, err := db.GetWhatsAppSandbox(ctx, account)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			var sessions []any
			for _, sender := range []string{"whatsapp:+14155238886", "whatsapp:+15005550001"} {
				sessions = append(sessions, must(db.JoinedWhatsAppSessions(ctx, account, sender, t0, 10)))
				for _, user := range []string{"whatsapp:+15551230000", "whatsapp:+15551230001"} {
					w, err := db.GetWhatsAppSession(ctx, account, sender, user)
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Fatal(err)
					}
					sessions = append(sessions, w)
				}
			}
			return map[string]any{"account": acct, "accounts": accounts, "keys": keys, "messages": messages, "media": media,
				"numbers": numbers, "services": services, "pools": pools, "calls": calls, "events": events,
				"recordings": recordings, "verify services": verifyServices, "verifications": verifications,
				"deliveries": deliveries, "threads": threads, "media usage": usage,
				"contents": contents, "whatsapp sandbox": sandbox, "whatsapp sessions": sessions}
		}
		s, d := read(src), read(dst)
		for what := range s {
			same(t, account+" "+what, s[what], d[what])
		}
	}

	same(t, "first main account", must(src.FirstMainAccount(ctx)), must(dst.FirstMainAccount(ctx)))
	same(t, "owned numbers", must(src.OwnedPhoneNumbers(ctx, "")), must(dst.OwnedPhoneNumbers(ctx, "")))
	same(t, "clock offset", must(src.ClockOffset(ctx)), must(dst.ClockOffset(ctx)))
	same(t, "setting", must(src.EnsureSetting(ctx, "page-token-key", []byte("other"))),
		must(dst.EnsureSetting(ctx, "page-token-key", []byte("other"))))
	same(t, "stored media bytes", must(src.StoredMediaBytes(ctx)), must(dst.StoredMediaBytes(ctx)))
	same(t, "jobs", must(src.CountJobs(ctx, "")), must(dst.CountJobs(ctx, "")))
	now := t0.Add(85 * time.Second)
	same(t, "next job due", must(src.NextJobDue(ctx, now)), must(dst.NextJobDue(ctx, now)))
	for _, db := range []store.Store{src, dst} {
		key, acct, err := db.KeyForAuth(ctx, "SK1")
		check(t, err)
		if acct.Sid != "AC1" || string(key.SecretHash) != "\x04\x05\x06\x00" {
			t.Errorf("KeyForAuth(SK1) = %+v, %+v", key, acct)
		}
		if out := must(db.OptedOut(ctx, "AC2", "+15005550003", "+15551239999")); !out {
			t.Error("the opt-out was not kept")
		}
		sticky := must(db.StickySender(ctx, "MG1", "+15551230000", now, func(current string, _ map[string]int) string {
			return current
		}))
		if sticky != "+15005550002" {
			t.Errorf("sticky sender = %q, want +15005550002", sticky)
		}
	}
}

// copyStores copies src into dst as the command does.
func copyStores(t *testing.T, src *sqlite.DB, dst *postgres.DB) (storecopy.Counts, error) {
	t.Helper()
	ctx := context.Background()
	export := must(src.Export(ctx))
	defer export.Close()
	return storecopy.Copy(ctx, export, must(dst.Import(ctx)))
}

func TestCopyKeepsEverything(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openPostgres(t)
	seed(t, src)

	counts, err := copyStores(t, src, dst)
	check(t, err)
	want := map[string]int{"settings": 2, "accounts": 3, "API keys": 2, "phone numbers": 3, "messaging services": 1,
		"service numbers": 2, "alpha senders": 1, "sticky senders": 1, "opt-outs": 1, "messages": 3, "media": 2, "calls": 1,
		"call events": 2, "recordings": 1, "verify services": 1, "verifications": 1, "content templates": 1,
		"WhatsApp sessions": 2, "WhatsApp sandboxes": 1, "webhook deliveries": 1, "jobs": 3}
	for what, n := range want {
		if got := counts.Of(what); got != n {
			t.Errorf("copied %d %s, want %d (%s)", got, what, n, counts)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("counts of %d kinds, want %d: %s", len(counts), len(want), counts)
	}

	sameContents(t, src, dst)

	// The copy adds nothing to the change log: the event stream has nothing to tell.
	if n := must(dst.LastChange(ctx)); n != 0 {
		if changes := must(dst.Changes(ctx, 0, 10)); len(changes) > 0 {
			t.Errorf("the change log holds %d changes after the copy: %+v", len(changes), changes)
		}
	}

	// The job under way keeps its lease; the one behind it in its queue waits for it;
	// the scheduled step is due when it was.
	leases := map[string]time.Duration{"webhook": time.Minute, "message.step": time.Minute}
	if got := must(dst.ClaimJobs(ctx, store.Claim{Owner: "w", Now: t0.Add(100 * time.Second), Limit: 10, Leases: leases})); len(got) != 0 {
		t.Errorf("claimed %+v while the first webhook job's lease runs and the step is not due", got)
	}
	got := must(dst.ClaimJobs(ctx, store.Claim{Owner: "w", Now: t0.Add(2 * time.Hour), Limit: 10, Leases: leases}))
	// Claims come in the order jobs were written: the step (written first), then the
	// webhook job.
	if len(got) != 2 || got[0].ResourceSid != "SM2" || got[1].ResourceSid != "SM1" || string(got[1].Payload) != `{"a":1}` ||
		got[1].Attempts != 2 {
		t.Errorf("after the lease and the due time, claimed %+v; want the first webhook job (its second attempt) and the step", got)
	}

	// New rows come after the copied ones, and after those deleted before the copy
	// (the newest message and phone number were): both databases hand out the same
	// next Seq.
	newMessage := store.Message{Sid: "SM9", AccountSid: "AC1", To: "+1555", From: "+15005550001", Status: "queued",
		Direction: "outbound-api", DateCreated: t0, DateUpdated: t0}
	if s, d := must(src.CreateMessage(ctx, newMessage)), must(dst.CreateMessage(ctx, newMessage)); s.Seq != d.Seq {
		t.Errorf("a new message has seq %d on PostgreSQL, %d on SQLite", d.Seq, s.Seq)
	}
	newNumber := store.PhoneNumber{Sid: "PN9", AccountSid: "AC1", PhoneNumber: "+15005550009", IsoCountry: "US", Type: "local",
		DateCreated: t0, DateUpdated: t0}
	if s, d := must(src.CreatePhoneNumber(ctx, newNumber)), must(dst.CreatePhoneNumber(ctx, newNumber)); s.Seq != d.Seq {
		t.Errorf("a new phone number has seq %d on PostgreSQL, %d on SQLite", d.Seq, s.Seq)
	}
	newContent := store.Content{Sid: "HX9", AccountSid: "AC1", Language: "en", Types: []byte(`{"twilio/text":{"body":"x"}}`),
		DateCreated: t0, DateUpdated: t0}
	if s, d := must(src.CreateContent(ctx, newContent)), must(dst.CreateContent(ctx, newContent)); s.Seq != d.Seq {
		t.Errorf("a new content template has seq %d on PostgreSQL, %d on SQLite", d.Seq, s.Seq)
	}
	newAccount := store.Account{Sid: "AC9", Status: "active", AuthToken: "t", DateCreated: t0, DateUpdated: t0}
	if s, d := must(src.CreateAccount(ctx, newAccount)), must(dst.CreateAccount(ctx, newAccount)); s.Seq != d.Seq {
		t.Errorf("a new account has seq %d on PostgreSQL, %d on SQLite", d.Seq, s.Seq)
	}
	// The copied credentials authenticate on the destination at once.
	if _, err := dst.AuthGeneration(ctx); err != nil {
		t.Fatal(err)
	}
	if _, a, err := dst.KeyForAuth(ctx, "SK3"); err != nil || a.AuthToken != "token2" {
		t.Errorf("KeyForAuth(SK3) = %+v, %v", a, err)
	}
}

func TestCopyEmptyDatabase(t *testing.T) {
	src, dst := openSQLite(t), openPostgres(t)
	counts, err := copyStores(t, src, dst)
	check(t, err)
	for _, c := range counts {
		if c.N != 0 {
			t.Errorf("copied %d %s from an empty database", c.N, c.What)
		}
	}
}

func TestCopyRefusesNonEmptyDestination(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openPostgres(t)
	seed(t, src)
	must(dst.CreateAccount(ctx, store.Account{Sid: "ACX", Status: "active", AuthToken: "t", DateCreated: t0, DateUpdated: t0}))

	if _, err := copyStores(t, src, dst); !errors.Is(err, storecopy.ErrNotEmpty) {
		t.Fatalf("copy into a database with an account: %v, want ErrNotEmpty", err)
	}
	if list, _, err := dst.ListAccounts(ctx, store.AccountFilter{Sid: "AC1", IncludeChildren: true}, store.Page{}); err != nil || len(list) != 0 {
		t.Errorf("after the refused copy: %d accounts (%v), want none", len(list), err)
	}
	// The import's locks and connection were given back: the database serves writes.
	must(dst.CreateAccount(ctx, store.Account{Sid: "ACY", Status: "active", AuthToken: "t", DateCreated: t0, DateUpdated: t0}))
}

// failingCalls is an import that fails when it comes to calls, after it has written the
// accounts, numbers and messages.
type failingCalls struct {
	*postgres.Import
}

var errInjected = errors.New("injected failure")

func (failingCalls) AddCalls(context.Context, []store.Call) error { return errInjected }

func TestCopyIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openPostgres(t)
	seed(t, src)
	export := must(src.Export(ctx))
	defer export.Close()
	_, err := storecopy.Copy(ctx, export, failingCalls{must(dst.Import(ctx))})
	if !errors.Is(err, errInjected) {
		t.Fatalf("copy: %v, want the injected failure", err)
	}
	if _, err := dst.GetAccount(ctx, "AC1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a failed copy, GetAccount(AC1): %v, want ErrNotFound", err)
	}
	if n := must(dst.StoredMediaBytes(ctx)); n != 0 {
		t.Errorf("after a failed copy the destination stores %d bytes of media", n)
	}
	if off := must(dst.ClockOffset(ctx)); off != 0 {
		t.Errorf("after a failed copy the destination's clock is %v ahead", off)
	}
	// Nothing was left behind: a second copy succeeds.
	export.Close()
	if _, err := copyStores(t, src, dst); err != nil {
		t.Fatalf("a copy after a failed one: %v", err)
	}
	sameContents(t, src, dst)
}
