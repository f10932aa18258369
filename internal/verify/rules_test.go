package verify

import (
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

func TestNewCode(t *testing.T) {
	for _, tt := range []struct {
		name   string
		length int
		random []byte
		want   string
	}{
		{"each byte its last digit", 6, []byte{0, 1, 9, 10, 19, 249, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, "019099"},
		{"bytes of 250 and over are drawn again", 4, append([]byte{250, 251, 255, 3, 252, 4, 5, 6}, make([]byte, 8)...), "3456"},
		{"a code longer than one read", 10, append(bytes.Repeat([]byte{255}, 14), append([]byte{1, 2}, bytes.Repeat([]byte{8}, 16)...)...), "1288888888"},
		{"the shortest", 4, bytes.Repeat([]byte{5}, 16), "5555"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewCode(tt.length, bytes.NewReader(tt.random))
			if err != nil || got != tt.want {
				t.Errorf("NewCode(%d) = %q, %v; want %q", tt.length, got, err, tt.want)
			}
		})
	}
	if _, err := NewCode(6, iotest.ErrReader(errDisk)); !errors.Is(err, errDisk) {
		t.Errorf("a failing source: %v", err)
	}
	if _, err := NewCode(6, bytes.NewReader(bytes.Repeat([]byte{250}, 16))); err == nil {
		t.Error("a source that runs out gave a code")
	}
	// From crypto/rand: the length asked, digits only, and not always the same.
	seen := map[string]bool{}
	for range 20 {
		code, err := NewCode(MaxCodeLength, New(Config{}).random)
		if err != nil || len(code) != MaxCodeLength || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("code %q, %v", code, err)
		}
		seen[code] = true
	}
	if len(seen) < 2 {
		t.Errorf("20 codes from crypto/rand were all %v", seen)
	}
}

func TestCurrent(t *testing.T) {
	expires := t0.Add(Validity)
	for _, tt := range []struct {
		status string
		now    time.Time
		want   string
	}{
		{StatusPending, expires.Add(-time.Millisecond), StatusPending},
		{StatusPending, expires, StatusExpired},
		{StatusPending, expires.Add(time.Hour), StatusExpired},
		{StatusApproved, expires.Add(time.Hour), StatusApproved},
		{StatusCanceled, expires, StatusCanceled},
		{StatusMaxAttempts, expires, StatusMaxAttempts},
	} {
		v := store.Verification{Sid: "VE1", Status: tt.status, DateExpires: expires}
		got := Current(v, tt.now)
		if got.Status != tt.want || got.Sid != "VE1" {
			t.Errorf("%s at %s: %+v, want %s", tt.status, tt.now.Sub(t0), got, tt.want)
		}
	}
}

// sends is n sends of a verification.
func sends(n int) []store.VerificationSend {
	out := make([]store.VerificationSend, n)
	for i := range out {
		out[i] = store.VerificationSend{Sid: "VL", Channel: ChannelSMS, Time: t0}
	}
	return out
}

func TestDecideStart(t *testing.T) {
	expires := t0.Add(Validity)
	v := func(status string, n int) *store.Verification {
		return &store.Verification{Status: status, Sends: sends(n), DateExpires: expires}
	}
	for _, tt := range []struct {
		name    string
		current *store.Verification
		now     time.Time
		want    startOutcome
		err     *Error
	}{
		{"none", nil, t0, startNew, nil},
		{"pending, sent once", v(StatusPending, 1), t0, startResend, nil},
		{"pending, sent four times", v(StatusPending, MaxSends-1), t0, startResend, nil},
		{"pending, sent five times", v(StatusPending, MaxSends), t0, 0, errMaxSends},
		{"sent five times, expired", v(StatusPending, MaxSends), expires, startNew, nil},
		{"expired", v(StatusPending, 1), expires.Add(time.Second), startNew, nil},
		{"approved", v(StatusApproved, MaxSends), t0, startNew, nil},
		{"canceled", v(StatusCanceled, MaxSends), t0, startNew, nil},
		{"out of checks", v(StatusMaxAttempts, 1), expires.Add(-time.Millisecond), 0, errMaxChecks},
		{"out of checks, expired", v(StatusMaxAttempts, 1), expires, startNew, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decideStart(tt.current, tt.now)
			if tt.err != nil {
				if err != tt.err {
					t.Fatalf("err %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("decideStart = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	expires := t0.Add(Validity)
	later := t0.Add(time.Minute)
	base := store.Verification{Status: StatusPending, Code: "123456", DateUpdated: t0, DateExpires: expires}
	with := func(f func(*store.Verification)) store.Verification {
		v := base
		f(&v)
		return v
	}
	psd2 := with(func(v *store.Verification) { v.Amount, v.Payee = "€10", "Acme" })
	for _, tt := range []struct {
		name    string
		v       store.Verification
		check   Check
		now     time.Time
		want    checkOutcome
		wantNew store.Verification
	}{
		{"the right code", base, Check{Code: "123456"}, later, checkCounted,
			with(func(v *store.Verification) { v.Status, v.Checks, v.DateUpdated = StatusApproved, 1, later })},
		{"a wrong code", base, Check{Code: "654321"}, later, checkCounted,
			with(func(v *store.Verification) { v.Checks, v.DateUpdated = 1, later })},
		{"a code's prefix", base, Check{Code: "12345"}, later, checkCounted,
			with(func(v *store.Verification) { v.Checks, v.DateUpdated = 1, later })},
		{"the fifth check, right", with(func(v *store.Verification) { v.Checks = MaxChecks - 1 }), Check{Code: "123456"}, later, checkCounted,
			with(func(v *store.Verification) { v.Status, v.Checks, v.DateUpdated = StatusApproved, MaxChecks, later })},
		{"the sixth check, right", with(func(v *store.Verification) { v.Checks = MaxChecks }), Check{Code: "123456"}, later, checkTooMany,
			with(func(v *store.Verification) { v.Status, v.Checks, v.DateUpdated = StatusMaxAttempts, MaxChecks, later })},
		{"out of checks", with(func(v *store.Verification) { v.Status, v.Checks = StatusMaxAttempts, MaxChecks }), Check{Code: "123456"}, later, checkTooMany,
			with(func(v *store.Verification) { v.Status, v.Checks = StatusMaxAttempts, MaxChecks })},
		{"expired now", base, Check{Code: "123456"}, expires, checkGone,
			with(func(v *store.Verification) { v.Status, v.DateUpdated = StatusExpired, expires })},
		{"expired before", with(func(v *store.Verification) { v.Status = StatusExpired }), Check{Code: "123456"}, expires, checkGone,
			with(func(v *store.Verification) { v.Status = StatusExpired })},
		{"approved", with(func(v *store.Verification) { v.Status = StatusApproved }), Check{Code: "123456"}, later, checkGone,
			with(func(v *store.Verification) { v.Status = StatusApproved })},
		{"canceled", with(func(v *store.Verification) { v.Status = StatusCanceled }), Check{Code: "123456"}, later, checkGone,
			with(func(v *store.Verification) { v.Status = StatusCanceled })},
		{"PSD2, all match", psd2, Check{Code: "123456", Amount: "€10", Payee: "Acme"}, later, checkCounted,
			with(func(v *store.Verification) {
				v.Amount, v.Payee, v.Status, v.Checks, v.DateUpdated = "€10", "Acme", StatusApproved, 1, later
			})},
		{"PSD2, another amount", psd2, Check{Code: "123456", Amount: "€11", Payee: "Acme"}, later, checkCounted,
			with(func(v *store.Verification) { v.Amount, v.Payee, v.Checks, v.DateUpdated = "€10", "Acme", 1, later })},
		{"PSD2, another payee", psd2, Check{Code: "123456", Amount: "€10"}, later, checkCounted,
			with(func(v *store.Verification) { v.Amount, v.Payee, v.Checks, v.DateUpdated = "€10", "Acme", 1, later })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			if got := check(&v, tt.check, tt.now); got != tt.want {
				t.Errorf("outcome %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(v, tt.wantNew) {
				t.Errorf("verification\n got %+v\nwant %+v", v, tt.wantNew)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	expires := t0.Add(Validity)
	later := t0.Add(time.Minute)
	for _, tt := range []struct {
		name       string
		status     string // the verification's
		set        string
		now        time.Time
		ok         bool
		wantStatus string
		wantDate   time.Time
	}{
		{"cancel", StatusPending, StatusCanceled, later, true, StatusCanceled, later},
		{"approve", StatusPending, StatusApproved, later, true, StatusApproved, later},
		{"cancel an approved one", StatusApproved, StatusCanceled, later, false, StatusApproved, t0},
		{"approve a canceled one", StatusCanceled, StatusApproved, later, false, StatusCanceled, t0},
		{"cancel an expired one", StatusPending, StatusCanceled, expires, false, StatusExpired, expires},
		{"cancel one out of checks", StatusMaxAttempts, StatusCanceled, later, false, StatusMaxAttempts, t0},
		{"a status an app may not set", StatusPending, StatusExpired, later, false, StatusPending, t0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := store.Verification{Status: tt.status, DateUpdated: t0, DateExpires: expires}
			if ok := update(&v, tt.set, tt.now); ok != tt.ok || v.Status != tt.wantStatus || !v.DateUpdated.Equal(tt.wantDate) {
				t.Errorf("update = %v, %s at %s; want %v, %s at %s", ok, v.Status, v.DateUpdated.Sub(t0), tt.ok, tt.wantStatus, tt.wantDate.Sub(t0))
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  *Error
		want Error
	}{
		{"invalid parameter", InvalidParameter("To", ""), Error{http.StatusBadRequest, 60200, "Invalid parameter: To"}},
		{"invalid parameter, why", InvalidParameter("Code", "too short"), Error{http.StatusBadRequest, 60200, "Invalid parameter: Code: too short"}},
		{"not found", NotFound("/Services/VA1/VerificationCheck"), Error{http.StatusNotFound, 20404, "The requested resource /Services/VA1/VerificationCheck was not found"}},
		{"max checks", errMaxChecks, Error{http.StatusTooManyRequests, 60202, "Max check attempts reached"}},
		{"max sends", errMaxSends, Error{http.StatusTooManyRequests, 60203, "Max send attempts reached"}},
		{"landline", errLandline, Error{http.StatusForbidden, 60205, "SMS is not supported by landline phone number"}},
		{"email", channelError(ChannelEmail), Error{http.StatusBadRequest, 60217, messageChannelEmail}},
		{"whatsapp", channelError(ChannelWhatsApp), Error{http.StatusBadRequest, 60223, "Delivery channel disabled: Switchboard does not simulate the whatsapp channel; use sms or call"}},
		{"sna", channelError(ChannelSNA), Error{http.StatusBadRequest, 60223, "Delivery channel disabled: Switchboard does not simulate the sna channel; use sms or call"}},
		{"auto", channelError(ChannelAuto), Error{http.StatusBadRequest, 60223, "Delivery channel disabled: Switchboard does not simulate the auto channel; use sms or call"}},
	} {
		if *tt.err != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, *tt.err, tt.want)
		}
	}
	if e := errMaxSends.Error(); e != "429 60203: Max send attempts reached" {
		t.Errorf("Error() = %q", e)
	}
	for _, ch := range []string{ChannelSMS, ChannelCall} {
		if e := channelError(ch); e != nil {
			t.Errorf("channel %s: %v", ch, e)
		}
	}
}
