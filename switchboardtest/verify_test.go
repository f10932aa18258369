package switchboardtest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/switchboardtest"
)

// verifyEnv is a Switchboard with a Verify Service, and the Verify calls of an app's
// sign-in, made with the generated client.
type verifyEnv struct {
	*switchboardtest.Server
	service string
}

func startVerify(t *testing.T) verifyEnv {
	t.Helper()
	sb := switchboardtest.Start(t)
	resp, err := sb.Client.CreateVerifyServiceWithFormdataBodyWithResponse(context.Background(), client.CreateVerifyServiceRequest{FriendlyName: "Acme"})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create service: %v %s", err, resp.Body)
	}
	return verifyEnv{Server: sb, service: resp.JSON201.Sid}
}

// sendCode starts a verification by text and returns the answer.
func (e verifyEnv) sendCode(t *testing.T, to string) *client.CreateVerificationResponse {
	t.Helper()
	resp, err := e.Client.CreateVerificationWithFormdataBodyWithResponse(context.Background(), e.service,
		client.CreateVerificationRequest{To: to, Channel: client.CreateVerificationRequestChannelSms})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// check checks code for to and returns the answer.
func (e verifyEnv) check(t *testing.T, to, code string) *client.CreateVerificationCheckResponse {
	t.Helper()
	resp, err := e.Client.CreateVerificationCheckWithFormdataBodyWithResponse(context.Background(), e.service,
		client.CreateVerificationCheckRequest{To: &to, Code: &code})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// errorCode is the Twilio error code of an error answer.
func errorCode(body []byte) string {
	_, after, _ := strings.Cut(string(body), `"code":`)
	code, _, _ := strings.Cut(after, ",")
	return code
}

// wrong is a code of the same length as code that is not code.
func wrong(code string) string {
	if strings.HasPrefix(code, "1") {
		return "2" + code[1:]
	}
	return "1" + code[1:]
}

// A sign-in with a code sent by text: the app sends it, the test reads it as the phone
// would, and the app checks what the user typed.
func TestVerificationCodeSignIn(t *testing.T) {
	e := startVerify(t)
	const user = "+14155550100"
	if resp := e.sendCode(t, user); resp.JSON201 == nil || resp.JSON201.Status != client.VerificationStatusPending {
		t.Fatalf("send: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	code := e.VerificationCode(t, user)
	text := e.WaitForMessage(t, func(m client.Message) bool { return m.To == user })
	if !strings.HasSuffix(text.Body, ": "+code) {
		t.Errorf("the text %q does not hold the code %s", text.Body, code)
	}

	if resp := e.check(t, user, wrong(code)); resp.JSON200 == nil || resp.JSON200.Status != client.VerificationStatusPending || resp.JSON200.Valid {
		t.Fatalf("a wrong code: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	if resp := e.check(t, user, code); resp.JSON200 == nil || resp.JSON200.Status != client.VerificationStatusApproved || !resp.JSON200.Valid {
		t.Fatalf("the right code: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	if got := failure(t, func(tb testing.TB) { e.VerificationCode(tb, user) }); !strings.Contains(got, "approved, not pending") {
		t.Errorf("VerificationCode after approval failed with %q", got)
	}
	if got := failure(t, func(tb testing.TB) { e.VerificationCode(tb, "+14155550109") }); !strings.Contains(got, "no verification code was sent to +14155550109") {
		t.Errorf("VerificationCode of a number never sent one failed with %q", got)
	}
}

func TestVerificationLimits(t *testing.T) {
	e := startVerify(t)

	t.Run("five wrong codes, then 60202", func(t *testing.T) {
		const user = "+14155550101"
		e.sendCode(t, user)
		code := e.VerificationCode(t, user)
		for range 5 {
			if resp := e.check(t, user, wrong(code)); resp.JSON200 == nil || resp.JSON200.Valid {
				t.Fatalf("a wrong code: HTTP %d %s", resp.StatusCode(), resp.Body)
			}
		}
		if resp := e.check(t, user, code); resp.StatusCode() != http.StatusTooManyRequests || errorCode(resp.Body) != "60202" {
			t.Fatalf("the sixth check: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
	})

	t.Run("six sends, then 60203", func(t *testing.T) {
		const user = "+14155550102"
		for i := range 5 {
			if resp := e.sendCode(t, user); resp.JSON201 == nil || len(resp.JSON201.SendCodeAttempts) != i+1 {
				t.Fatalf("send %d: HTTP %d %s", i+1, resp.StatusCode(), resp.Body)
			}
		}
		if resp := e.sendCode(t, user); resp.StatusCode() != http.StatusTooManyRequests || errorCode(resp.Body) != "60203" {
			t.Fatalf("the sixth send: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
	})

	t.Run("a code after Advance=PT11M: expired, 20404", func(t *testing.T) {
		const user = "+14155550104"
		e.sendCode(t, user)
		code := e.VerificationCode(t, user)
		e.Advance(t, 11*time.Minute)
		if resp := e.check(t, user, code); resp.StatusCode() != http.StatusNotFound || errorCode(resp.Body) != "20404" {
			t.Fatalf("a check of an expired code: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
		if got := failure(t, func(tb testing.TB) { e.VerificationCode(tb, user) }); !strings.Contains(got, "expired, not pending") {
			t.Errorf("VerificationCode after expiry failed with %q", got)
		}
	})

	t.Run("a canceled verification, then a check: 20404", func(t *testing.T) {
		const user = "+14155550103"
		v := e.sendCode(t, user).JSON201
		code := e.VerificationCode(t, user)
		up, err := e.Client.UpdateVerificationWithFormdataBodyWithResponse(context.Background(), e.service, v.Sid,
			client.UpdateVerificationRequest{Status: client.UpdateVerificationRequestStatusCanceled})
		if err != nil || up.JSON200 == nil || up.JSON200.Status != client.VerificationStatusCanceled {
			t.Fatalf("cancel: %v %s", err, up.Body)
		}
		if resp := e.check(t, user, code); resp.StatusCode() != http.StatusNotFound || errorCode(resp.Body) != "20404" {
			t.Fatalf("a check of a canceled verification: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
	})
}
