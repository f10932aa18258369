package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/verify"
)

var (
	verifyServiceSID = regexp.MustCompile(`^VA[0-9a-f]{32}$`)
	verificationSID  = regexp.MustCompile(`^VE[0-9a-f]{32}$`)
)

const verifyTo = "+14155550100"

func createVerifyService(t testing.TB, c *client.ClientWithResponses, req client.CreateVerifyServiceRequest) client.VerifyService {
	t.Helper()
	resp, err := c.CreateVerifyServiceWithFormdataBodyWithResponse(context.Background(), req)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create verify service: %v HTTP %d %s", err, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

// startVerification starts a verification and returns the HTTP response.
func startVerification(t testing.TB, c *client.ClientWithResponses, service string, req client.CreateVerificationRequest) *client.CreateVerificationResponse {
	t.Helper()
	resp, err := c.CreateVerificationWithFormdataBodyWithResponse(context.Background(), service, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func mustStart(t testing.TB, c *client.ClientWithResponses, service string, req client.CreateVerificationRequest) client.Verification {
	t.Helper()
	resp := startVerification(t, c, service, req)
	if resp.JSON201 == nil {
		t.Fatalf("start verification: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

func checkCode(t testing.TB, c *client.ClientWithResponses, service string, req client.CreateVerificationCheckRequest) *client.CreateVerificationCheckResponse {
	t.Helper()
	resp, err := c.CreateVerificationCheckWithFormdataBodyWithResponse(context.Background(), service, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// codeSentTo reads the latest code sent to number, as a test does instead of reading a
// phone, and checks that it is pending.
func codeSentTo(t testing.TB, env *servertest.Env, number string) client.SimulatorVerification {
	t.Helper()
	resp, err := env.Client.ListSimulatorVerificationsWithResponse(context.Background(), env.Main.Sid,
		&client.ListSimulatorVerificationsParams{To: &number, PageSize: ptr(client.PageSize(1))})
	if err != nil || resp.JSON200 == nil || len(resp.JSON200.Verifications) != 1 {
		t.Fatalf("codes sent to %s: %v %s", number, err, resp.Body)
	}
	return resp.JSON200.Verifications[0]
}

// wantVerifyError checks an error answer's status, code and, unless message is "", its
// message.
func wantVerifyError(t testing.TB, what string, status int, body []byte, code int, message string) {
	t.Helper()
	var e client.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: error body %q: %v", what, body, err)
	}
	if e.Status != status || e.Code != code || (message != "" && e.Message != message) ||
		e.MoreInfo != "https://www.twilio.com/docs/errors/"+strconv.Itoa(code) {
		t.Errorf("%s: want %d %d %q, got %s", what, status, code, message, body)
	}
}

func TestVerifyServiceCRUD(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme"})
	base := env.URL + "/v2/Services/" + svc.Sid
	switch {
	case !verifyServiceSID.MatchString(svc.Sid) || svc.AccountSid != env.Main.Sid || svc.FriendlyName != "Acme":
		t.Errorf("created %+v", svc)
	// Twilio's defaults.
	case svc.CodeLength != 6 || svc.LookupEnabled || svc.SkipSmsToLandlines || svc.DtmfInputRequired || svc.TtsName != nil ||
		svc.Psd2Enabled || svc.DoNotShareWarningEnabled || svc.CustomCodeEnabled || svc.DefaultTemplateSid != nil ||
		svc.VerifyEventSubscriptionEnabled:
		t.Errorf("defaults %+v", svc)
	case svc.Push.IncludeDate != nil || svc.Totp.Issuer != nil || svc.Whatsapp.From != nil || svc.Passkeys.RelyingParty.Origins != nil:
		t.Errorf("kept settings never given are not null: %+v", svc)
	case svc.Url != base || svc.Links["verifications"] != base+"/Verifications" || svc.Links["verification_checks"] != base+"/VerificationCheck" || len(svc.Links) != 7:
		t.Errorf("url %s links %v", svc.Url, svc.Links)
	case time.Since(svc.DateCreated) > time.Minute || svc.DateCreated.Location() != time.UTC || !svc.DateUpdated.Equal(svc.DateCreated):
		t.Errorf("dates %v %v", svc.DateCreated, svc.DateUpdated)
	}

	// Update: what is given changes, the rest stays; the kept settings come back as given.
	up, err := env.Client.UpdateVerifyServiceWithFormdataBodyWithResponse(ctx, svc.Sid, client.UpdateVerifyServiceRequest{
		CodeLength: ptr(8), TtsName: ptr("Polly.Joanna"), DoNotShareWarningEnabled: ptr(true),
		TotpIssuer: ptr("Acme Inc"), TotpSkew: ptr(2), PushIncludeDate: ptr(false),
		PasskeysRelyingPartyOrigins: ptr("https://a.example, https://b.example"), WhatsappFrom: ptr("+14155550199"),
	})
	if err != nil || up.JSON200 == nil {
		t.Fatalf("update: %v %s", err, up.Body)
	}
	u := up.JSON200
	if u.CodeLength != 8 || deref(u.TtsName) != "Polly.Joanna" || !u.DoNotShareWarningEnabled || u.FriendlyName != "Acme" ||
		deref(u.Totp.Issuer) != "Acme Inc" || deref(u.Totp.Skew) != 2 || u.Totp.TimeStep != nil || u.Push.IncludeDate == nil || *u.Push.IncludeDate ||
		u.Passkeys.RelyingParty.Origins == nil || strings.Join(*u.Passkeys.RelyingParty.Origins, "|") != "https://a.example|https://b.example" ||
		deref(u.Whatsapp.From) != "+14155550199" {
		t.Errorf("updated %+v", u)
	}
	// "" clears a text setting; settings not given stay.
	up, err = env.Client.UpdateVerifyServiceWithFormdataBodyWithResponse(ctx, svc.Sid, client.UpdateVerifyServiceRequest{TtsName: ptr(""), TotpIssuer: ptr("")})
	if err != nil || up.JSON200 == nil || up.JSON200.TtsName != nil || up.JSON200.Totp.Issuer != nil || deref(up.JSON200.Totp.Skew) != 2 || up.JSON200.CodeLength != 8 {
		t.Fatalf("clear: %v %s", err, up.Body)
	}
	got, err := env.Client.FetchVerifyServiceWithResponse(ctx, svc.Sid)
	if err != nil || got.JSON200 == nil || got.JSON200.CodeLength != 8 || got.JSON200.Totp.Issuer != nil || deref(got.JSON200.Totp.Skew) != 2 {
		t.Fatalf("fetch: %v %s", err, got.Body)
	}

	list, err := env.Client.ListVerifyServicesWithResponse(ctx, &client.ListVerifyServicesParams{})
	if err != nil || list.JSON200 == nil || len(list.JSON200.Services) != 1 || list.JSON200.Meta.Key != "services" ||
		!strings.HasPrefix(list.JSON200.Meta.Url, env.URL+"/v2/Services?") {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	// Another account sees none of it.
	other, _ := secondTenant(t, env)
	otherClient := env.ClientFor(other.Sid, other.AuthToken)
	if resp, err := otherClient.FetchVerifyServiceWithResponse(ctx, svc.Sid); err != nil || resp.StatusCode() != http.StatusNotFound {
		t.Errorf("another account's service: %v HTTP %d", err, resp.StatusCode())
	} else {
		wantVerifyError(t, "another account's service", 404, resp.Body, 20404, "The requested resource /Services/"+svc.Sid+" was not found")
	}
	if resp, err := otherClient.ListVerifyServicesWithResponse(ctx, nil); err != nil || resp.JSON200 == nil || len(resp.JSON200.Services) != 0 {
		t.Errorf("another account's list: %v %s", err, resp.Body)
	}

	del, err := env.Client.DeleteVerifyServiceWithResponse(ctx, svc.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v %s", err, del.Body)
	}
	if resp, _ := env.Client.FetchVerifyServiceWithResponse(ctx, svc.Sid); resp.StatusCode() != http.StatusNotFound {
		t.Errorf("a deleted service: HTTP %d", resp.StatusCode())
	}
}

// TestVerifyParameters: Verify's invalid parameters are 60200, named as Twilio names
// them.
func TestVerifyParameters(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme"})
	post := func(path string, form url.Values) (int, []byte) {
		req, err := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
		req.Header.Set("Content-Type", formType)
		resp, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readBody(t, resp)
	}
	verifications := "/v2/Services/" + svc.Sid + "/Verifications"
	checks := "/v2/Services/" + svc.Sid + "/VerificationCheck"
	for _, tt := range []struct {
		name    string
		path    string
		form    url.Values
		status  int
		code    int
		message string
	}{
		{"no FriendlyName", "/v2/Services", url.Values{}, 400, 60200, "Invalid parameter: FriendlyName"},
		{"a FriendlyName too long", "/v2/Services", url.Values{"FriendlyName": {strings.Repeat("x", 33)}}, 400, 60200, "Invalid parameter: FriendlyName"},
		{"a code too long", "/v2/Services", url.Values{"FriendlyName": {"x"}, "CodeLength": {"11"}}, 400, 60200, "Invalid parameter: CodeLength"},
		{"a code too short", "/v2/Services/" + svc.Sid, url.Values{"CodeLength": {"3"}}, 400, 60200, "Invalid parameter: CodeLength"},
		{"a CodeLength not a number", "/v2/Services/" + svc.Sid, url.Values{"CodeLength": {"six"}}, 400, 60200, "Invalid parameter: CodeLength"},
		{"no To", verifications, url.Values{"Channel": {"sms"}}, 400, 60200, "Invalid parameter: To"},
		{"a To without its +", verifications, url.Values{"To": {"14155550100"}, "Channel": {"sms"}}, 400, 60200, ""},
		{"no Channel", verifications, url.Values{"To": {verifyTo}}, 400, 60200, "Invalid parameter: Channel"},
		{"an unknown Channel", verifications, url.Values{"To": {verifyTo}, "Channel": {"pigeon"}}, 400, 60200, "Invalid parameter: Channel"},
		{"email", verifications, url.Values{"To": {"a@example.com"}, "Channel": {"email"}}, 400, 60217, ""},
		{"whatsapp", verifications, url.Values{"To": {verifyTo}, "Channel": {"whatsapp"}}, 400, 60223, ""},
		{"a CustomCode without CustomCodeEnabled", verifications, url.Values{"To": {verifyTo}, "Channel": {"sms"}, "CustomCode": {"1234"}}, 400, 60200, ""},
		{"a CustomCode too short", verifications, url.Values{"To": {verifyTo}, "Channel": {"sms"}, "CustomCode": {"123"}}, 400, 60200, "Invalid parameter: CustomCode"},
		{"a check without To or VerificationSid", checks, url.Values{"Code": {"123456"}}, 400, 60200, ""},
		{"a check without Code", checks, url.Values{"To": {verifyTo}}, 400, 60200, ""},
		{"a Code too short", checks, url.Values{"To": {verifyTo}, "Code": {"123"}}, 400, 60200, "Invalid parameter: Code"},
		{"a check of no verification", checks, url.Values{"To": {verifyTo}, "Code": {"123456"}}, 404, 20404,
			"The requested resource /Services/" + svc.Sid + "/VerificationCheck was not found"},
		{"another Status", verifications + "/VEcccccccccccccccccccccccccccccccc", url.Values{"Status": {"expired"}}, 400, 60200, "Invalid parameter: Status"},
		{"a service that is not there", "/v2/Services/VAcccccccccccccccccccccccccccccccc/Verifications", url.Values{"To": {verifyTo}, "Channel": {"sms"}}, 404, 20404,
			"The requested resource /Services/VAcccccccccccccccccccccccccccccccc/Verifications was not found"},
		{"a verification that is not there", verifications + "/VEcccccccccccccccccccccccccccccccc", url.Values{"Status": {"canceled"}}, 404, 20404,
			"The requested resource /Services/" + svc.Sid + "/Verifications/VEcccccccccccccccccccccccccccccccc was not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.path, tt.form)
			if status != tt.status {
				t.Fatalf("HTTP %d %s, want %d", status, body, tt.status)
			}
			wantVerifyError(t, tt.name, tt.status, body, tt.code, tt.message)
		})
	}
}

// TestVerifySignIn: a sign-in with a code sent by text: the text goes out from Verify's
// sender like any other message, the test reads the code through the simulator, a
// wrong code leaves the verification pending, the right one approves it, and then it is
// done with.
func TestVerifySignIn(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme"})
	v := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: verifyTo, Channel: client.CreateVerificationRequestChannelSms})
	switch {
	case !verificationSID.MatchString(v.Sid) || v.ServiceSid != svc.Sid || v.AccountSid != env.Main.Sid || v.To != verifyTo:
		t.Errorf("verification %+v", v)
	case v.Channel != "sms" || v.Status != "pending" || v.Valid || v.Amount != nil || v.Payee != nil || v.Sna != nil || v.Lookup.Carrier != nil:
		t.Errorf("verification %+v", v)
	case len(v.SendCodeAttempts) != 1 || v.SendCodeAttempts[0].Channel != "SMS" || !strings.HasPrefix(v.SendCodeAttempts[0].AttemptSid, "VL"):
		t.Errorf("send_code_attempts %+v", v.SendCodeAttempts)
	case v.Url != env.URL+"/v2/Services/"+svc.Sid+"/Verifications/"+v.Sid || v.DateCreated.Location() != time.UTC:
		t.Errorf("url %s, date %v", v.Url, v.DateCreated)
	}

	code := codeSentTo(t, env, verifyTo)
	if code.Sid != v.Sid || code.Status != "pending" || len(code.Code) != 6 || code.Sends != 1 || code.Checks != 0 || code.Locale != "en" ||
		!code.DateExpires.Equal(code.DateCreated.Add(10*time.Minute)) {
		t.Fatalf("the code as the simulator shows it: %+v", code)
	}
	byID, err := env.Client.FetchSimulatorVerificationWithResponse(ctx, env.Main.Sid, v.Sid)
	if err != nil || byID.JSON200 == nil || byID.JSON200.Code != code.Code {
		t.Fatalf("the code by SID: %v %s", err, byID.Body)
	}

	// The text is a message like any other, from Verify's sender, in Twilio's words.
	msgs, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, &client.ListMessagesParams{To: ptr(verifyTo)})
	if err != nil || msgs.JSON200 == nil || len(msgs.JSON200.Messages) != 1 {
		t.Fatalf("messages: %v %s", err, msgs.Body)
	}
	if m := msgs.JSON200.Messages[0]; deref(m.From) != verify.Sender || m.Body != "Your Acme verification code is: "+code.Code {
		t.Errorf("the text: from %v, body %q", deref(m.From), m.Body)
	}
	thread, err := env.Client.ListThreadMessagesWithResponse(ctx, env.Main.Sid, &client.ListThreadMessagesParams{Number: verify.Sender, Party: verifyTo})
	if err != nil || thread.JSON200 == nil || len(thread.JSON200.Messages) != 1 {
		t.Errorf("the inbox's thread: %v %s", err, thread.Body)
	}

	wrong := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(verifyTo), Code: ptr(otherCode(code.Code))})
	if wrong.JSON200 == nil || wrong.JSON200.Status != "pending" || wrong.JSON200.Valid || wrong.JSON200.Sid != v.Sid ||
		wrong.JSON200.SnaAttemptsErrorCodes == nil || len(wrong.JSON200.SnaAttemptsErrorCodes) != 0 {
		t.Fatalf("a wrong code: HTTP %d %s", wrong.StatusCode(), wrong.Body)
	}
	right := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(verifyTo), Code: ptr(code.Code)})
	if right.JSON200 == nil || right.JSON200.Status != "approved" || !right.JSON200.Valid || right.JSON200.To != verifyTo || right.JSON200.Channel != "sms" {
		t.Fatalf("the right code: HTTP %d %s", right.StatusCode(), right.Body)
	}
	fetched, err := env.Client.FetchVerificationWithResponse(ctx, svc.Sid, v.Sid)
	if err != nil || fetched.JSON200 == nil || fetched.JSON200.Status != "approved" || !fetched.JSON200.Valid {
		t.Errorf("fetched after approval: %v %s", err, fetched.Body)
	}
	for name, req := range map[string]client.CreateVerificationCheckRequest{
		"by To":              {To: ptr(verifyTo), Code: ptr(code.Code)},
		"by VerificationSid": {VerificationSid: &v.Sid, Code: ptr(code.Code)},
	} {
		again := checkCode(t, env.Client, svc.Sid, req)
		if again.StatusCode() != http.StatusNotFound {
			t.Fatalf("checked again %s: HTTP %d %s", name, again.StatusCode(), again.Body)
		}
		wantVerifyError(t, "checked again "+name, 404, again.Body, 20404, "The requested resource /Services/"+svc.Sid+"/VerificationCheck was not found")
	}
	// The next sign-in gets a new code.
	next := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: verifyTo, Channel: client.CreateVerificationRequestChannelSms})
	if next.Sid == v.Sid || codeSentTo(t, env, verifyTo).Sid != next.Sid {
		t.Errorf("a new sign-in: %+v", next)
	}
}

// otherCode is a code of the same length that is not code.
func otherCode(code string) string {
	if code[0] == '1' {
		return "2" + code[1:]
	}
	return "1" + code[1:]
}

// TestVerifyLimits: five wrong codes, then 60202; a sixth send to one number, 60203; a
// canceled verification cannot be checked.
func TestVerifyLimits(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme"})
	sms := client.CreateVerificationRequestChannelSms

	t.Run("checks", func(t *testing.T) {
		const to = "+14155550101"
		mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: to, Channel: sms})
		code := codeSentTo(t, env, to).Code
		for i := range verify.MaxChecks {
			resp := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(to), Code: ptr(otherCode(code))})
			if resp.JSON200 == nil || resp.JSON200.Status != "pending" || resp.JSON200.Valid {
				t.Fatalf("wrong code %d: HTTP %d %s", i+1, resp.StatusCode(), resp.Body)
			}
		}
		resp := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(to), Code: ptr(code)})
		if resp.StatusCode() != http.StatusTooManyRequests {
			t.Fatalf("the sixth check: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
		wantVerifyError(t, "the sixth check", 429, resp.Body, 60202, "Max check attempts reached")
		if got := codeSentTo(t, env, to); got.Status != "max_attempts_reached" || got.Checks != verify.MaxChecks {
			t.Errorf("after the sixth check: %+v", got)
		}
	})

	t.Run("sends", func(t *testing.T) {
		const to = "+14155550102"
		first := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: to, Channel: sms})
		for i := 2; i <= verify.MaxSends; i++ {
			again := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: to, Channel: sms})
			if again.Sid != first.Sid || len(again.SendCodeAttempts) != i {
				t.Fatalf("send %d: %+v", i, again)
			}
		}
		resp := startVerification(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: to, Channel: sms})
		if resp.StatusCode() != http.StatusTooManyRequests {
			t.Fatalf("the sixth send: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
		wantVerifyError(t, "the sixth send", 429, resp.Body, 60203, "Max send attempts reached")
		code := codeSentTo(t, env, to)
		msgs, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, &client.ListMessagesParams{To: ptr(to)})
		if err != nil || msgs.JSON200 == nil || len(msgs.JSON200.Messages) != verify.MaxSends || code.Sends != verify.MaxSends {
			t.Fatalf("after the sixth send: %d texts, %+v", len(msgs.JSON200.Messages), code)
		}
		for _, m := range msgs.JSON200.Messages {
			if !strings.HasSuffix(m.Body, ": "+code.Code) {
				t.Errorf("a text sent again with another code: %q, want %s", m.Body, code.Code)
			}
		}
	})

	t.Run("canceled", func(t *testing.T) {
		const to = "+14155550103"
		v := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: to, Channel: sms})
		code := codeSentTo(t, env, to).Code
		up, err := env.Client.UpdateVerificationWithFormdataBodyWithResponse(ctx, svc.Sid, v.Sid,
			client.UpdateVerificationRequest{Status: client.UpdateVerificationRequestStatusCanceled})
		if err != nil || up.JSON200 == nil || up.JSON200.Status != "canceled" || up.JSON200.Valid {
			t.Fatalf("cancel: %v %s", err, up.Body)
		}
		resp := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{VerificationSid: &v.Sid, Code: ptr(code)})
		if resp.StatusCode() != http.StatusNotFound {
			t.Fatalf("a check of a canceled verification: HTTP %d %s", resp.StatusCode(), resp.Body)
		}
		wantVerifyError(t, "a check of a canceled verification", 404, resp.Body, 20404, "The requested resource /Services/"+svc.Sid+"/VerificationCheck was not found")
		again, err := env.Client.UpdateVerificationWithFormdataBodyWithResponse(ctx, svc.Sid, v.Sid,
			client.UpdateVerificationRequest{Status: client.UpdateVerificationRequestStatusApproved})
		if err != nil || again.StatusCode() != http.StatusNotFound {
			t.Errorf("approve a canceled one: %v HTTP %d", err, again.StatusCode())
		}
	})

	t.Run("approved without a code", func(t *testing.T) {
		const to = "+14155550104"
		v := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: to, Channel: sms})
		up, err := env.Client.UpdateVerificationWithFormdataBodyWithResponse(ctx, svc.Sid, v.Sid,
			client.UpdateVerificationRequest{Status: client.UpdateVerificationRequestStatusApproved})
		if err != nil || up.JSON200 == nil || up.JSON200.Status != "approved" || !up.JSON200.Valid {
			t.Fatalf("approve: %v %s", err, up.Body)
		}
	})
}

// TestVerifyServiceSettings: the settings that change what is sent.
func TestVerifyServiceSettings(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sms := client.CreateVerificationRequestChannelSms
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme", CodeLength: ptr(9),
		CustomCodeEnabled: ptr(true), DoNotShareWarningEnabled: ptr(true), LookupEnabled: ptr(true), SkipSmsToLandlines: ptr(true),
		Psd2Enabled: ptr(true)})

	v := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: verifyTo, Channel: sms, CustomFriendlyName: ptr("Shop"),
		AppHash: ptr("He42w354ol9"), Amount: ptr("€39.99"), Payee: ptr("Acme")})
	code := codeSentTo(t, env, verifyTo)
	if len(code.Code) != 9 || deref(v.Amount) != "€39.99" || deref(v.Payee) != "Acme" || v.Lookup.Carrier == nil || deref(v.Lookup.Carrier.Type) != "mobile" {
		t.Errorf("code %+v, verification %+v", code, v)
	}
	msgs, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, &client.ListMessagesParams{To: ptr(verifyTo)})
	if err != nil || msgs.JSON200 == nil || len(msgs.JSON200.Messages) != 1 {
		t.Fatalf("messages: %v %s", err, msgs.Body)
	}
	want := "<#> Your Shop verification code is: " + code.Code + ". Don't share this code with anyone; our employees will never ask for the code. He42w354ol9"
	if body := msgs.JSON200.Messages[0].Body; body != want {
		t.Errorf("body %q, want %q", body, want)
	}
	// PSD2: a check must repeat the amount and payee.
	if resp := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(verifyTo), Code: ptr(code.Code)}); resp.JSON200 == nil || resp.JSON200.Status != "pending" {
		t.Errorf("a check without the amount: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	if resp := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(verifyTo), Code: ptr(code.Code),
		Amount: ptr("€39.99"), Payee: ptr("Acme")}); resp.JSON200 == nil || resp.JSON200.Status != "approved" || deref(resp.JSON200.Amount) != "€39.99" {
		t.Errorf("a check with the amount: HTTP %d %s", resp.StatusCode(), resp.Body)
	}

	// A custom code is the code sent.
	mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: "+14155550101", Channel: sms, CustomCode: ptr("ab12cd34")})
	if got := codeSentTo(t, env, "+14155550101"); got.Code != "ab12cd34" || !got.CustomCode {
		t.Errorf("a custom code: %+v", got)
	}
	// The number's country gives the language.
	mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: "+34600000000", Channel: sms})
	if got := codeSentTo(t, env, "+34600000000"); got.Locale != "es" {
		t.Errorf("a Spanish number: %+v", got)
	}
	// A landline (last digit 6, docs/lookup.md) gets no text: 60205.
	resp := startVerification(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: "+14155550106", Channel: sms})
	if resp.StatusCode() != http.StatusForbidden {
		t.Fatalf("a landline: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	wantVerifyError(t, "a landline", 403, resp.Body, 60205, "SMS is not supported by landline phone number")
	if list, _ := env.Client.ListSimulatorVerificationsWithResponse(ctx, env.Main.Sid, &client.ListSimulatorVerificationsParams{To: ptr("+14155550106")}); list.JSON200 == nil || len(list.JSON200.Verifications) != 0 {
		t.Errorf("a refused verification was kept: %s", list.Body)
	}
}

// TestVerifyCall: a code by call: the call says the digits, after asking for a key with
// DtmfInputRequired, in the service's voice.
func TestVerifyCall(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme", DtmfInputRequired: ptr(true),
		TtsName: ptr("Polly.Joanna")})
	v := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: verifyTo, Channel: client.CreateVerificationRequestChannelCall, SendDigits: ptr("1")})
	if v.Channel != "call" || len(v.SendCodeAttempts) != 1 || v.SendCodeAttempts[0].Channel != "CALL" {
		t.Errorf("verification %+v", v)
	}
	code := codeSentTo(t, env, verifyTo).Code
	calls, err := env.Client.ListCallsWithResponse(context.Background(), env.Main.Sid, &client.ListCallsParams{To: ptr(verifyTo)})
	if err != nil || calls.JSON200 == nil || len(calls.JSON200.Calls) != 1 || calls.JSON200.Calls[0].From != verify.Sender {
		t.Fatalf("calls: %v %s", err, calls.Body)
	}
	call := calls.JSON200.Calls[0].Sid
	waitForCall(t, env, call, "completed")
	events := callEvents(t, env, call)
	spelled := strings.Join(strings.Split(code, ""), ", ")
	var gather, says int
	for _, e := range events {
		switch {
		case e.Type == "verb" && e.Data["verb"] == "Gather":
			gather++
			if says > 0 {
				t.Errorf("the code was said before the key was asked for:\n%s", timeline(events))
			}
		case e.Type == "verb" && e.Data["verb"] == "Say" && strings.Contains(e.Data["text"], spelled):
			says++
			if e.Data["voice"] != "Polly.Joanna" || e.Data["text"] != "Your Acme verification code is: "+spelled+"." {
				t.Errorf("say %+v", e.Data)
			}
		}
	}
	if gather != 1 || says != 2 {
		t.Errorf("%d gathers and %d says of the code:\n%s", gather, says, timeline(events))
	}
}

// TestNetworkSenderIsNotForSale: nobody sends from Verify's sender through the API.
func TestNetworkSenderIsNotForSale(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	msg, err := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, env.Main.Sid, client.CreateMessageRequest{To: verifyTo,
		From: ptr(verify.Sender), Body: ptr("hi")})
	if err != nil || msg.StatusCode() != http.StatusBadRequest || !strings.Contains(string(msg.Body), "21606") {
		t.Errorf("a text from Verify's sender: %v HTTP %d %s", err, msg.StatusCode(), msg.Body)
	}
	call, err := env.Client.CreateCallWithFormdataBodyWithResponse(ctx, env.Main.Sid, client.CreateCallRequest{To: verifyTo,
		From: verify.Sender, Twiml: ptr("<Response/>")})
	if err != nil || call.StatusCode() != http.StatusBadRequest || !strings.Contains(string(call.Body), "21210") {
		t.Errorf("a call from Verify's sender: %v HTTP %d %s", err, call.StatusCode(), call.Body)
	}
	buy, err := env.Client.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, env.Main.Sid, client.CreateIncomingPhoneNumberRequest{
		PhoneNumber: ptr(verify.Sender)})
	if err != nil || buy.StatusCode() != http.StatusBadRequest {
		t.Errorf("buying Verify's sender: %v HTTP %d %s", err, buy.StatusCode(), buy.Body)
	}
}

// movableClock is a simulator clock the test moves.
type movableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *movableClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestVerifyExpiry: a code expires 10 minutes after it was sent, on the simulator's
// clock: then it cannot be checked (20404), shows as expired, and a new start sends a
// new code.
func TestVerifyExpiry(t *testing.T) {
	clk := &movableClock{now: time.Now()}
	env := servertest.Start(t, servertest.Options{Clock: clk})
	ctx := context.Background()
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme"})
	sms := client.CreateVerificationRequestChannelSms
	v := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: verifyTo, Channel: sms})
	code := codeSentTo(t, env, verifyTo).Code

	clk.advance(9*time.Minute + 59*time.Second)
	if got := codeSentTo(t, env, verifyTo); got.Status != "pending" {
		t.Fatalf("a second before expiry: %+v", got)
	}
	wrong := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(verifyTo), Code: ptr(otherCode(code))})
	if wrong.JSON200 == nil || wrong.JSON200.Status != "pending" {
		t.Fatalf("a wrong code a second before expiry: %s", wrong.Body)
	}
	clk.advance(time.Second)
	resp := checkCode(t, env.Client, svc.Sid, client.CreateVerificationCheckRequest{To: ptr(verifyTo), Code: ptr(code)})
	if resp.StatusCode() != http.StatusNotFound {
		t.Fatalf("the right code after 10 minutes: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	wantVerifyError(t, "the right code after 10 minutes", 404, resp.Body, 20404, "The requested resource /Services/"+svc.Sid+"/VerificationCheck was not found")
	fetched, err := env.Client.FetchVerificationWithResponse(ctx, svc.Sid, v.Sid)
	if err != nil || fetched.JSON200 == nil || fetched.JSON200.Status != "expired" || fetched.JSON200.Valid {
		t.Fatalf("fetched after expiry: %v %s", err, fetched.Body)
	}
	next := mustStart(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: verifyTo, Channel: sms})
	if next.Sid == v.Sid || !next.DateCreated.Equal(clk.Now().UTC().Truncate(time.Second)) {
		t.Errorf("a start after expiry: %+v (clock %s)", next, clk.Now())
	}
}

// TestVerifyToATestNumber: a code to one of Twilio's test numbers is refused as any text
// or call to it is, and leaves no verification behind.
func TestVerifyToATestNumber(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	svc := createVerifyService(t, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Acme"})
	for channel, code := range map[client.CreateVerificationRequestChannel]int{
		client.CreateVerificationRequestChannelSms:  21211,
		client.CreateVerificationRequestChannelCall: 21217,
	} {
		resp := startVerification(t, env.Client, svc.Sid, client.CreateVerificationRequest{To: "+15005550001", Channel: channel})
		if resp.StatusCode() != http.StatusBadRequest {
			t.Fatalf("%s to a test number: HTTP %d %s", channel, resp.StatusCode(), resp.Body)
		}
		wantVerifyError(t, string(channel)+" to a test number", 400, resp.Body, code, "")
	}
	list, err := env.Client.ListSimulatorVerificationsWithResponse(context.Background(), env.Main.Sid, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Verifications) != 0 {
		t.Errorf("a refused verification was kept: %v %s", err, list.Body)
	}
}
