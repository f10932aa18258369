package verify

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/store"
)

var (
	account = store.Account{Sid: "AC1"}
	other   = store.Account{Sid: "AC2"}
	ctx     = context.Background()
)

const user = "+14155550100" // a US number whose last digit makes it mobile (docs/lookup.md)

// service is VA1 of AC1 with Twilio's defaults and name Acme.
func service(change ...func(*store.VerifyService)) store.VerifyService {
	s := store.VerifyService{Sid: "VA1", AccountSid: "AC1", FriendlyName: "Acme", CodeLength: DefaultCodeLength}
	for _, c := range change {
		c(&s)
	}
	return s
}

// env is a Service over a fake store and networks, on a clock at t0, whose codes come
// from digits (repeated).
type env struct {
	*Service
	store *fakeStore
	net   *fakeNetworks
	clock *fakeClock
}

func newEnv(t *testing.T, svc store.VerifyService) *env {
	t.Helper()
	e := &env{store: newFakeStore(svc), net: &fakeNetworks{}, clock: newClock()}
	e.Service = New(Config{Store: e.store, Texts: e.net, Calls: e.net, Clock: e.clock,
		Random: bytes.NewReader(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 100))})
	return e
}

// verifyErr is the code of a *Error, 0 for nil, -1 for any other error.
func verifyErr(err error) int {
	var e *Error
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.Code
	}
	return -1
}

func TestStartBySMS(t *testing.T) {
	e := newEnv(t, service())
	e.clock.advance(1500 * time.Millisecond)
	v, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Second) // to the second, as the API shows it
	if !strings.HasPrefix(v.Sid, "VE") || v.ServiceSid != "VA1" || v.AccountSid != "AC1" || v.To != user || v.Channel != ChannelSMS ||
		v.Status != StatusPending || v.Code != "123456" || v.CustomCode || v.Locale != "en" || v.WithLookup || v.Checks != 0 ||
		!v.DateCreated.Equal(now) || !v.DateUpdated.Equal(now) || !v.DateExpires.Equal(now.Add(10*time.Minute)) {
		t.Errorf("verification %+v", v)
	}
	if len(v.Sends) != 1 || !strings.HasPrefix(v.Sends[0].Sid, "VL") || v.Sends[0].Channel != ChannelSMS || !v.Sends[0].Time.Equal(now) {
		t.Errorf("sends %+v", v.Sends)
	}
	if len(e.net.texts) != 1 || len(e.net.calls) != 0 {
		t.Fatalf("texts %+v, calls %+v", e.net.texts, e.net.calls)
	}
	if out := e.net.texts[0]; out.To != user || out.From != Sender || !out.Network || out.Body != "Your Acme verification code is: 123456" ||
		out.MessagingServiceSid != "" || out.StatusCallback != "" {
		t.Errorf("text %+v", out)
	}
	if stored, _ := e.store.GetVerification(ctx, "AC1", "VA1", v.Sid); !reflect.DeepEqual(stored, v) {
		t.Errorf("stored %+v\nreturned %+v", stored, v)
	}
}

// TestStartsAgain: a start while a code is pending sends that code again, counting the
// send, up to five sends; after the code expires a start makes a new one.
func TestStartsAgain(t *testing.T) {
	e := newEnv(t, service())
	first, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= MaxSends; i++ {
		e.clock.advance(time.Minute)
		channel := ChannelSMS
		if i == 3 {
			channel = ChannelCall
		}
		v, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: channel, Locale: "es"})
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if v.Sid != first.Sid || v.Code != first.Code || len(v.Sends) != i || v.Channel != channel || v.Locale != "es" ||
			!v.DateUpdated.Equal(e.clock.now) || !v.DateCreated.Equal(first.DateCreated) || !v.DateExpires.Equal(first.DateExpires) {
			t.Errorf("send %d: %+v", i, v)
		}
		if last := v.Sends[i-1]; last.Channel != channel || !last.Time.Equal(e.clock.now) || last.Sid == v.Sends[i-2].Sid {
			t.Errorf("send %d recorded as %+v", i, last)
		}
	}
	if len(e.net.texts) != MaxSends-1 || len(e.net.calls) != 1 {
		t.Fatalf("%d texts and %d calls", len(e.net.texts), len(e.net.calls))
	}
	if !strings.Contains(e.net.texts[1].Body, first.Code) || !strings.HasPrefix(e.net.texts[1].Body, "Tu código") {
		t.Errorf("a text sent again: %q", e.net.texts[1].Body)
	}
	_, err = e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if verifyErr(err) != CodeMaxSends {
		t.Fatalf("a sixth send: %v", err)
	}
	if len(e.net.texts)+len(e.net.calls) != MaxSends {
		t.Errorf("the sixth send went out")
	}
	if v, _ := e.store.GetVerification(ctx, "AC1", "VA1", first.Sid); len(v.Sends) != MaxSends {
		t.Errorf("the refused send was counted: %d", len(v.Sends))
	}
	// Another number, and another service's, are not held back.
	if _, err := e.Start(ctx, account, "VA1", Start{To: "+14155550101", Channel: ChannelSMS}); err != nil {
		t.Errorf("another number: %v", err)
	}
	e.clock.now = first.DateExpires
	fresh, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil || fresh.Sid == first.Sid || fresh.Code == first.Code || len(fresh.Sends) != 1 {
		t.Errorf("after the code expired: %+v, %v (first %+v)", fresh, err, first)
	}
}

func TestStartRules(t *testing.T) {
	const landline = "+14155550106" // last digit 6: a landline (docs/lookup.md)
	for _, tt := range []struct {
		name    string
		svc     store.VerifyService
		start   Start
		code    int
		texts   int
		calls   int
		notFind bool // store.ErrNotFound
		check   func(t *testing.T, v store.Verification, e *env)
	}{
		{name: "email", svc: service(), start: Start{To: "a@example.com", Channel: ChannelEmail}, code: CodeServiceConfig},
		{name: "whatsapp", svc: service(), start: Start{To: user, Channel: ChannelWhatsApp}, code: CodeChannelDisabled},
		{name: "sna", svc: service(), start: Start{To: user, Channel: ChannelSNA}, code: CodeChannelDisabled},
		{name: "not a number", svc: service(), start: Start{To: "+1415", Channel: ChannelSMS}, code: CodeInvalidParameter},
		{name: "a custom code without CustomCodeEnabled", svc: service(), start: Start{To: user, Channel: ChannelSMS, CustomCode: "9876"}, code: CodeInvalidParameter},
		{name: "another account's service", svc: service(func(s *store.VerifyService) { s.AccountSid = "AC2" }),
			start: Start{To: user, Channel: ChannelSMS}, notFind: true},
		{name: "a custom code", svc: service(func(s *store.VerifyService) { s.CustomCodeEnabled = true }),
			start: Start{To: user, Channel: ChannelSMS, CustomCode: "ab12cd"}, texts: 1,
			check: func(t *testing.T, v store.Verification, e *env) {
				if v.Code != "ab12cd" || !v.CustomCode || !strings.HasSuffix(e.net.texts[0].Body, ": ab12cd") {
					t.Errorf("%+v, %q", v, e.net.texts[0].Body)
				}
			}},
		{name: "a code of the service's length", svc: service(func(s *store.VerifyService) { s.CodeLength = 10 }),
			start: Start{To: user, Channel: ChannelSMS}, texts: 1,
			check: func(t *testing.T, v store.Verification, _ *env) {
				if v.Code != "1234567890" {
					t.Errorf("code %q", v.Code)
				}
			}},
		{name: "a landline, skipped", svc: service(func(s *store.VerifyService) { s.LookupEnabled, s.SkipSmsToLandlines = true, true }),
			start: Start{To: landline, Channel: ChannelSMS}, code: CodeLandline},
		{name: "a landline, without lookup", svc: service(func(s *store.VerifyService) { s.SkipSmsToLandlines = true }),
			start: Start{To: landline, Channel: ChannelSMS}, texts: 1},
		{name: "a landline, not skipped", svc: service(func(s *store.VerifyService) { s.LookupEnabled = true }),
			start: Start{To: landline, Channel: ChannelSMS}, texts: 1,
			check: func(t *testing.T, v store.Verification, _ *env) {
				if !v.WithLookup {
					t.Errorf("the lookup is not recorded: %+v", v)
				}
			}},
		{name: "a landline, called", svc: service(func(s *store.VerifyService) { s.LookupEnabled, s.SkipSmsToLandlines = true, true }),
			start: Start{To: landline, Channel: ChannelCall}, calls: 1},
		{name: "a mobile, skipping landlines", svc: service(func(s *store.VerifyService) { s.LookupEnabled, s.SkipSmsToLandlines = true, true }),
			start: Start{To: user, Channel: ChannelSMS}, texts: 1},
		{name: "the service's warning, a custom name and an app hash",
			svc:   service(func(s *store.VerifyService) { s.DoNotShareWarningEnabled = true }),
			start: Start{To: user, Channel: ChannelSMS, CustomFriendlyName: "Shop", AppHash: "He42w354ol9"}, texts: 1,
			check: func(t *testing.T, _ store.Verification, e *env) {
				if want := "<#> " + Message("en", "Shop", "123456", true, "") + " He42w354ol9"; e.net.texts[0].Body != want {
					t.Errorf("body %q, want %q", e.net.texts[0].Body, want)
				}
			}},
		{name: "the number's language", svc: service(), start: Start{To: "+34600000000", Channel: ChannelSMS}, texts: 1,
			check: func(t *testing.T, v store.Verification, e *env) {
				if v.Locale != "es" || e.net.texts[0].Body != "Tu código de verificación de Acme es: 123456" {
					t.Errorf("%+v, %q", v, e.net.texts[0].Body)
				}
			}},
		{name: "PSD2", svc: service(func(s *store.VerifyService) { s.Psd2Enabled = true }),
			start: Start{To: user, Channel: ChannelSMS, Amount: "€10", Payee: "Acme"}, texts: 1,
			check: func(t *testing.T, v store.Verification, _ *env) {
				if v.Amount != "€10" || v.Payee != "Acme" {
					t.Errorf("%+v", v)
				}
			}},
		{name: "PSD2 details without PSD2", svc: service(), start: Start{To: user, Channel: ChannelSMS, Amount: "€10", Payee: "Acme"}, texts: 1,
			check: func(t *testing.T, v store.Verification, _ *env) {
				if v.Amount != "" || v.Payee != "" {
					t.Errorf("%+v", v)
				}
			}},
		{name: "a call", svc: service(func(s *store.VerifyService) { s.TtsName, s.DtmfInputRequired = "Polly.Joanna", true }),
			start: Start{To: user, Channel: ChannelCall, SendDigits: "1", CustomFriendlyName: "Shop"}, calls: 1,
			check: func(t *testing.T, v store.Verification, e *env) {
				out := e.net.calls[0]
				if out.To != user || out.From != Sender || !out.Network || out.SendDigits != "1" || out.URL != "" ||
					out.Twiml != CallTwiML("en", "Shop", v.Code, "Polly.Joanna", true) || v.Channel != ChannelCall {
					t.Errorf("call %+v for %+v", out, v)
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.svc)
			v, err := e.Start(ctx, account, "VA1", tt.start)
			if tt.notFind {
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("err %v, want ErrNotFound", err)
				}
				return
			}
			if verifyErr(err) != tt.code {
				t.Fatalf("err %v, want code %d", err, tt.code)
			}
			if len(e.net.texts) != tt.texts || len(e.net.calls) != tt.calls {
				t.Fatalf("%d texts, %d calls; want %d, %d", len(e.net.texts), len(e.net.calls), tt.texts, tt.calls)
			}
			if tt.code != 0 {
				if len(e.store.verifications) != 0 {
					t.Errorf("a refused start was written: %+v", e.store.verifications)
				}
				return
			}
			if tt.check != nil {
				tt.check(t, v, e)
			}
		})
	}
}

// TestStartRefusedByTheNetwork: a code the network will not deliver (a magic number, a
// STOP) is a failed request that leaves nothing behind: no new verification, no send.
func TestStartRefusedByTheNetwork(t *testing.T) {
	e := newEnv(t, service())
	refusal := phone.RuleErrorf(21610, "unsubscribed")
	e.net.refuse = refusal
	if _, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS}); !errors.Is(err, refusal) {
		t.Fatalf("err %v", err)
	}
	if len(e.store.verifications) != 0 {
		t.Fatalf("a verification whose code was not sent: %+v", e.store.verifications)
	}
	e.net.refuse = nil
	v, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil {
		t.Fatal(err)
	}
	e.net.refuse = refusal
	if _, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelCall}); !errors.Is(err, refusal) {
		t.Fatalf("err %v", err)
	}
	if got, _ := e.store.GetVerification(ctx, "AC1", "VA1", v.Sid); !reflect.DeepEqual(got.Sends, v.Sends) {
		t.Errorf("a send that did not go out is counted: %+v, want %+v", got.Sends, v.Sends)
	}
}

func TestStartStoreFailures(t *testing.T) {
	for _, method := range []string{"GetVerifyService", "StartVerification"} {
		e := newEnv(t, service())
		e.store.fail[method] = errDisk
		if _, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS}); !errors.Is(err, errDisk) || verifyErr(err) != -1 {
			t.Errorf("%s failing: %v", method, err)
		}
	}
	e := newEnv(t, service())
	e.Service.random = bytes.NewReader(nil)
	if _, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS}); err == nil || verifyErr(err) != -1 {
		t.Errorf("no randomness: %v", err)
	}
}

// TestSignIn: the code sent is approved once; a wrong code leaves it pending; the
// verification is then done with.
func TestSignIn(t *testing.T) {
	e := newEnv(t, service())
	v, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Minute)
	wrong, err := e.CheckCode(ctx, account, "VA1", "", user, Check{Code: "000000"})
	if err != nil || wrong.Status != StatusPending || wrong.Checks != 1 || wrong.Sid != v.Sid {
		t.Fatalf("a wrong code: %+v, %v", wrong, err)
	}
	right, err := e.CheckCode(ctx, account, "VA1", v.Sid, "", Check{Code: v.Code})
	if err != nil || right.Status != StatusApproved || right.Checks != 2 || !right.DateUpdated.Equal(t0.Add(time.Minute)) {
		t.Fatalf("the right code: %+v, %v", right, err)
	}
	for name, check := range map[string]func() (store.Verification, error){
		"by To": func() (store.Verification, error) {
			return e.CheckCode(ctx, account, "VA1", "", user, Check{Code: v.Code})
		},
		"by VerificationSid": func() (store.Verification, error) {
			return e.CheckCode(ctx, account, "VA1", v.Sid, "", Check{Code: v.Code})
		},
	} {
		_, err := check()
		if verifyErr(err) != CodeNotFound || err.Error() != "404 20404: The requested resource /Services/VA1/VerificationCheck was not found" {
			t.Errorf("checked again %s: %v", name, err)
		}
	}
}

func TestCheckLimits(t *testing.T) {
	e := newEnv(t, service())
	v, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= MaxChecks; i++ {
		got, err := e.CheckCode(ctx, account, "VA1", "", user, Check{Code: "999999"})
		if err != nil || got.Status != StatusPending || got.Checks != i {
			t.Fatalf("wrong code %d: %+v, %v", i, got, err)
		}
	}
	for range 2 {
		if _, err := e.CheckCode(ctx, account, "VA1", v.Sid, "", Check{Code: v.Code}); verifyErr(err) != CodeMaxChecks {
			t.Fatalf("a check past the limit: %v", err)
		}
	}
	if got, _ := e.Get(ctx, account, "VA1", v.Sid); got.Status != StatusMaxAttempts {
		t.Errorf("status %s", got.Status)
	}
	// No new verification to the number until the code expires.
	if _, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS}); verifyErr(err) != CodeMaxChecks {
		t.Errorf("a start while out of checks: %v", err)
	}
	e.clock.now = v.DateExpires
	if fresh, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS}); err != nil || fresh.Sid == v.Sid {
		t.Errorf("a start after the code expired: %+v, %v", fresh, err)
	}
}

func TestCheckExpiry(t *testing.T) {
	e := newEnv(t, service())
	v, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(Validity - time.Millisecond)
	if got, err := e.Get(ctx, account, "VA1", v.Sid); err != nil || got.Status != StatusPending {
		t.Errorf("just before: %+v, %v", got, err)
	}
	e.clock.advance(time.Millisecond)
	if got, err := e.Get(ctx, account, "", v.Sid); err != nil || got.Status != StatusExpired {
		t.Errorf("at expiry: %+v, %v", got, err)
	}
	if list, _, err := e.List(ctx, store.VerificationFilter{AccountSid: "AC1"}, store.Page{}); err != nil || len(list) != 1 || list[0].Status != StatusExpired {
		t.Errorf("listed at expiry: %+v, %v", list, err)
	}
	if _, err := e.CheckCode(ctx, account, "VA1", "", user, Check{Code: v.Code}); verifyErr(err) != CodeNotFound {
		t.Fatalf("the right code, expired: %v", err)
	}
	if stored, _ := e.store.GetVerification(ctx, "AC1", "VA1", v.Sid); stored.Status != StatusExpired || stored.Checks != 0 {
		t.Errorf("stored after the check: %+v", stored)
	}
}

func TestCheckFailures(t *testing.T) {
	e := newEnv(t, service())
	if _, err := e.CheckCode(ctx, other, "VA1", "", user, Check{Code: "123456"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's service: %v", err)
	}
	if _, err := e.CheckCode(ctx, account, "VA1", "", user, Check{Code: "123456"}); verifyErr(err) != CodeNotFound {
		t.Errorf("no verification to the number: %v", err)
	}
	if _, err := e.CheckCode(ctx, account, "VA1", "VEnone", "", Check{Code: "123456"}); verifyErr(err) != CodeNotFound {
		t.Errorf("no such verification: %v", err)
	}
	if _, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS}); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GetVerifyService", "LatestVerification", "UpdateVerification"} {
		e.store.fail = map[string]error{method: errDisk}
		if _, err := e.CheckCode(ctx, account, "VA1", "", user, Check{Code: "123456"}); !errors.Is(err, errDisk) || verifyErr(err) != -1 {
			t.Errorf("%s failing: %v", method, err)
		}
	}
}

func TestSetStatus(t *testing.T) {
	e := newEnv(t, service())
	v, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Minute)
	canceled, err := e.SetStatus(ctx, account, "VA1", v.Sid, StatusCanceled)
	if err != nil || canceled.Status != StatusCanceled || !canceled.DateUpdated.Equal(e.clock.now) {
		t.Fatalf("cancel: %+v, %v", canceled, err)
	}
	_, err = e.SetStatus(ctx, account, "VA1", v.Sid, StatusApproved)
	if verifyErr(err) != CodeNotFound || !strings.Contains(err.Error(), "/Services/VA1/Verifications/"+v.Sid+" was not found") {
		t.Errorf("approve a canceled one: %v", err)
	}
	if _, err := e.CheckCode(ctx, account, "VA1", "", user, Check{Code: v.Code}); verifyErr(err) != CodeNotFound {
		t.Errorf("check a canceled one: %v", err)
	}
	// A new one may start at once; approving it needs no code.
	next, err := e.Start(ctx, account, "VA1", Start{To: user, Channel: ChannelSMS})
	if err != nil || next.Sid == v.Sid {
		t.Fatalf("a start after a cancel: %+v, %v", next, err)
	}
	if approved, err := e.SetStatus(ctx, account, "VA1", next.Sid, StatusApproved); err != nil || approved.Status != StatusApproved {
		t.Errorf("approve: %+v, %v", approved, err)
	}
	if _, err := e.SetStatus(ctx, other, "VA1", next.Sid, StatusCanceled); verifyErr(err) != CodeNotFound {
		t.Errorf("another account's: %v", err)
	}
	e.store.fail["UpdateVerification"] = errDisk
	if _, err := e.SetStatus(ctx, account, "VA1", next.Sid, StatusCanceled); !errors.Is(err, errDisk) || verifyErr(err) != -1 {
		t.Errorf("the store failing: %v", err)
	}
}

func TestGetAndList(t *testing.T) {
	e := newEnv(t, service())
	if _, err := e.Get(ctx, account, "VA1", "VEnone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get a missing one: %v", err)
	}
	e.store.fail["ListVerifications"] = errDisk
	if _, _, err := e.List(ctx, store.VerificationFilter{AccountSid: "AC1"}, store.Page{}); !errors.Is(err, errDisk) {
		t.Errorf("list, the store failing: %v", err)
	}
}

func TestLookUp(t *testing.T) {
	for number, want := range map[string]string{
		"+14155550100": "mobile", "+14155550106": "landline", "+14155550108": "voip", "+14155550109": "voip", "+447400123456": "mobile",
	} {
		c, ok := LookUp(number)
		if !ok || c.Type != want || c.Name == "" {
			t.Errorf("LookUp(%s) = %+v, %v; want type %s", number, c, ok, want)
		}
	}
	if c, ok := LookUp("+1415"); ok || c != (Carrier{}) {
		t.Errorf("an invalid number: %+v, %v", c, ok)
	}
}

func TestNow(t *testing.T) {
	s := New(Config{Clock: clock.Real{}})
	if now := s.Now(); now.Location() != time.UTC || now.Nanosecond() != 0 || time.Since(now) > 2*time.Second {
		t.Errorf("Now() = %s", now)
	}
	if s.random == nil {
		t.Error("no source of codes")
	}
}

func TestPlusHint(t *testing.T) {
	if h := plusHint(" 14155550100"); !strings.Contains(h, "%2B") {
		t.Errorf("hint %q", h)
	}
	if h := plusHint("+14155550100"); h != "" {
		t.Errorf("hint for a number with its +: %q", h)
	}
	e := newEnv(t, service())
	if _, err := e.Start(ctx, account, "VA1", Start{To: " 14155550100", Channel: ChannelSMS}); verifyErr(err) != CodeInvalidParameter ||
		!strings.Contains(err.Error(), "Invalid parameter: To: ") || !strings.Contains(err.Error(), "%2B") {
		t.Errorf("a + sent as a space: %v", err)
	}
}
