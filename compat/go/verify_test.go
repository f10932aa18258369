package compat

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	verify "github.com/twilio/twilio-go/rest/verify/v2"

	"github.com/switchboard-dev/switchboard/client"
)

var verifyServiceSID = regexp.MustCompile(`^VA[0-9a-f]{32}$`)

// newVerifyService makes a Verify Service through twilio-go's VerifyV2, whose requests go
// to verify.twilio.com, which the transport sends to Switchboard.
func newVerifyService(t *testing.T, e *sdkEnv, params *verify.CreateServiceParams) string {
	t.Helper()
	svc, err := e.SDK.VerifyV2.CreateService(params)
	if err != nil {
		t.Fatal(err)
	}
	return deref(svc.Sid)
}

func sendCode(e *sdkEnv, service, to, channel string) (*verify.VerifyV2Verification, error) {
	p := &verify.CreateVerificationParams{}
	p.SetTo(to)
	p.SetChannel(channel)
	return e.SDK.VerifyV2.CreateVerification(service, p)
}

func checkCode(e *sdkEnv, service, to, code string) (*verify.VerifyV2VerificationCheck, error) {
	p := &verify.CreateVerificationCheckParams{}
	p.SetTo(to)
	p.SetCode(code)
	return e.SDK.VerifyV2.CreateVerificationCheck(service, p)
}

// codeSentTo reads the latest code sent to number through Switchboard's simulator, as a
// test does instead of reading a phone.
func codeSentTo(t *testing.T, e *sdkEnv, number string) string {
	t.Helper()
	one := 1
	resp, err := e.Client.ListSimulatorVerificationsWithResponse(context.Background(), e.Main.Sid,
		&client.ListSimulatorVerificationsParams{To: &number, PageSize: &one})
	if err != nil || resp.JSON200 == nil || len(resp.JSON200.Verifications) != 1 || resp.JSON200.Verifications[0].Status != "pending" {
		t.Fatalf("code sent to %s: %v %s", number, err, resp.Body)
	}
	return resp.JSON200.Verifications[0].Code
}

// wrongCode is a code of code's length that is not code.
func wrongCode(code string) string {
	if strings.HasPrefix(code, "1") {
		return "2" + code[1:]
	}
	return "1" + code[1:]
}

func TestVerifyServicesCRUD(t *testing.T) {
	t.Parallel()
	e := start(t)
	vv := e.SDK.VerifyV2
	create := &verify.CreateServiceParams{}
	create.SetFriendlyName("Acme")
	create.SetCodeLength(8)
	create.SetTotpIssuer("Acme Inc")
	svc, err := vv.CreateService(create)
	if err != nil {
		t.Fatal(err)
	}
	sid := deref(svc.Sid)
	switch {
	case !verifyServiceSID.MatchString(sid) || deref(svc.AccountSid) != e.Main.Sid || deref(svc.FriendlyName) != "Acme" || svc.CodeLength != 8:
		t.Errorf("created %+v", svc)
	case svc.DateCreated == nil || time.Since(*svc.DateCreated) > time.Minute:
		t.Errorf("date_created %v: the SDK reads v2 dates as ISO 8601", svc.DateCreated)
	case svc.Totp == nil || (*svc.Totp).(map[string]any)["issuer"] != "Acme Inc":
		t.Errorf("totp %v", svc.Totp)
	case svc.Links == nil || (*svc.Links)["verifications"] == nil:
		t.Errorf("links %v", svc.Links)
	}
	update := &verify.UpdateServiceParams{}
	update.SetDoNotShareWarningEnabled(true)
	if up, err := vv.UpdateService(sid, update); err != nil || !deref(up.DoNotShareWarningEnabled) || up.CodeLength != 8 {
		t.Fatalf("update: %v %+v", err, up)
	}
	if got, err := vv.FetchService(sid); err != nil || !deref(got.DoNotShareWarningEnabled) {
		t.Fatalf("fetch: %v %+v", err, got)
	}
	// Paging: the SDK follows meta.next_page_url, one service a page.
	second := &verify.CreateServiceParams{}
	second.SetFriendlyName("Second")
	if _, err := vv.CreateService(second); err != nil {
		t.Fatal(err)
	}
	list := &verify.ListServiceParams{}
	list.SetPageSize(1)
	all, err := vv.ListService(list)
	if err != nil || len(all) != 2 || deref(all[0].FriendlyName) != "Second" || deref(all[1].FriendlyName) != "Acme" {
		t.Fatalf("list: %v %d", err, len(all))
	}
	if err := vv.DeleteService(sid); err != nil {
		t.Fatal(err)
	}
	_, err = vv.FetchService(sid)
	e.wantError(t, err, 404, 20404)
}

// TestVerifySignIn: the sign-in of the quickstarts: a code sent by text, read here
// through the simulator, checked; a wrong code is no error, only not approved.
func TestVerifySignIn(t *testing.T) {
	t.Parallel()
	e := start(t)
	service := newVerifyService(t, e, (&verify.CreateServiceParams{}).SetFriendlyName("Acme"))
	v, err := sendCode(e, service, to, "sms")
	if err != nil {
		t.Fatal(err)
	}
	if deref(v.Status) != "pending" || deref(v.Channel) != "sms" || deref(v.To) != to || v.SendCodeAttempts == nil || len(*v.SendCodeAttempts) != 1 ||
		v.DateCreated == nil || time.Since(*v.DateCreated) > time.Minute {
		t.Errorf("verification %+v", v)
	}
	code := codeSentTo(t, e, to)

	wrong, err := checkCode(e, service, to, wrongCode(code))
	if err != nil || deref(wrong.Status) != "pending" || deref(wrong.Valid) {
		t.Fatalf("a wrong code: %v %+v", err, wrong)
	}
	right, err := checkCode(e, service, to, code)
	if err != nil || deref(right.Status) != "approved" || !deref(right.Valid) || deref(right.Sid) != deref(v.Sid) {
		t.Fatalf("the right code: %v %+v", err, right)
	}
	if got, err := e.SDK.VerifyV2.FetchVerification(service, deref(v.Sid)); err != nil || deref(got.Status) != "approved" {
		t.Errorf("fetch: %v %+v", err, got)
	}
	_, err = checkCode(e, service, to, code)
	if got := e.wantError(t, err, 404, 20404); got.Message != "The requested resource /Services/"+service+"/VerificationCheck was not found" {
		t.Errorf("message %q", got.Message)
	}
}

func TestVerifyLimits(t *testing.T) {
	t.Parallel()
	e := start(t)
	service := newVerifyService(t, e, (&verify.CreateServiceParams{}).SetFriendlyName("Acme"))

	t.Run("five wrong codes, then 60202", func(t *testing.T) {
		const user = "+14155550101"
		if _, err := sendCode(e, service, user, "sms"); err != nil {
			t.Fatal(err)
		}
		code := codeSentTo(t, e, user)
		for range 5 {
			if c, err := checkCode(e, service, user, wrongCode(code)); err != nil || deref(c.Valid) {
				t.Fatalf("a wrong code: %v %+v", err, c)
			}
		}
		_, err := checkCode(e, service, user, code)
		e.wantError(t, err, 429, 60202)
	})

	t.Run("six sends, then 60203", func(t *testing.T) {
		const user = "+14155550102"
		for i := range 5 {
			if v, err := sendCode(e, service, user, "sms"); err != nil || len(*v.SendCodeAttempts) != i+1 {
				t.Fatalf("send %d: %v %+v", i+1, err, v)
			}
		}
		_, err := sendCode(e, service, user, "sms")
		e.wantError(t, err, 429, 60203)
	})

	t.Run("a canceled verification, then a check: 20404", func(t *testing.T) {
		const user = "+14155550103"
		v, err := sendCode(e, service, user, "sms")
		if err != nil {
			t.Fatal(err)
		}
		code := codeSentTo(t, e, user)
		up := &verify.UpdateVerificationParams{}
		up.SetStatus("canceled")
		if c, err := e.SDK.VerifyV2.UpdateVerification(service, deref(v.Sid), up); err != nil || deref(c.Status) != "canceled" {
			t.Fatalf("cancel: %v %+v", err, c)
		}
		_, err = checkCode(e, service, user, code)
		e.wantError(t, err, 404, 20404)
	})

	// The clock moves 11 minutes in a moment, past the code's 10: the code has expired,
	// and Twilio answers its check as it does any verification it has deleted. The sends
	// are counted per verification, so the number may be sent a new code.
	t.Run("a code after Advance=PT11M: expired, 20404", func(t *testing.T) {
		const user = "+14155550105"
		if _, err := sendCode(e, service, user, "sms"); err != nil {
			t.Fatal(err)
		}
		code := codeSentTo(t, e, user)
		e.Advance(t, 11*time.Minute)
		_, err := checkCode(e, service, user, code)
		e.wantError(t, err, 404, 20404)
		if v, err := sendCode(e, service, "+14155550102", "sms"); err != nil || len(*v.SendCodeAttempts) != 1 {
			t.Fatalf("a send after the verification that reached 60203 expired: %v %+v", err, v)
		}
	})

	t.Run("a channel Switchboard does not simulate", func(t *testing.T) {
		_, err := sendCode(e, service, "+14155550104", "whatsapp")
		e.wantError(t, err, 400, 60223)
	})
}

// TestVerifyByCall: a code by call, said on the call's timeline.
func TestVerifyByCall(t *testing.T) {
	t.Parallel()
	e := start(t)
	service := newVerifyService(t, e, (&verify.CreateServiceParams{}).SetFriendlyName("Acme"))
	v, err := sendCode(e, service, to, "call")
	if err != nil || deref(v.Channel) != "call" {
		t.Fatalf("call: %v %+v", err, v)
	}
	code := codeSentTo(t, e, to)
	if c, err := checkCode(e, service, to, code); err != nil || deref(c.Status) != "approved" {
		t.Fatalf("check: %v %+v", err, c)
	}
}
