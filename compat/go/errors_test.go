package compat

import (
	"errors"
	"strings"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	existing, err := e.SDK.Api.CreateMessage(text("exists"))
	if err != nil {
		t.Fatal(err)
	}
	elevenURLs := make([]string, 11)
	for i := range elevenURLs {
		elevenURLs[i] = "https://example.com/image.png"
	}
	// create returns a call that sends p; msg builds p from To, From, Body ("" leaves one out).
	create := func(p *api.CreateMessageParams) func() error {
		return func() error { _, err := e.SDK.Api.CreateMessage(p); return err }
	}
	msg := func(to, from, body string) *api.CreateMessageParams {
		p := &api.CreateMessageParams{}
		for _, f := range []struct {
			dst **string
			v   string
		}{{&p.To, to}, {&p.From, from}, {&p.Body, body}} {
			if f.v != "" {
				*f.dst = ptr(f.v)
			}
		}
		return p
	}
	with := func(p *api.CreateMessageParams, edit func(*api.CreateMessageParams)) *api.CreateMessageParams {
		edit(p)
		return p
	}

	for _, c := range []struct {
		name    string
		call    func() error
		status  int
		code    int
		message string // exact, where Twilio fixes the wording
	}{
		{"invalid To", create(msg("+1555", from, "x")), 400, 21211, "The 'To' number +1555 is not a valid phone number."},
		{"To not E.164", create(msg("4155550100", from, "x")), 400, 21211, "The 'To' number 4155550100 is not a valid phone number."},
		{"To missing", create(msg("", from, "x")), 400, 21604, "A 'To' phone number is required."},
		{"no parameters at all (an empty form body)", create(msg("", "", "")), 400, 21604, "A 'To' phone number is required."},
		{"From missing", create(msg(to, "", "x")), 400, 21603, ""},
		{"From invalid", create(msg(to, "not a number!", "x")), 400, 21212, ""},
		{"From a number the account does not own", create(msg(to, "+14155550150", "x")), 400, 21606,
			"The 'From' phone number provided (+14155550150) is not a valid message-capable Twilio phone number for this destination/account."},
		{"From a short code (Switchboard sells none)", create(msg(to, "12345", "x")), 400, 21606, ""},
		{"To Twilio's unreachable test number", create(msg("+15005550002", from, "x")), 400, 21612, ""},
		{"no Body and no MediaUrl", create(msg(to, from, "")), 400, 21602, ""},
		{"Body over 1600 characters", create(msg(to, from, strings.Repeat("a", 1601))), 400, 21617,
			"The concatenated message body exceeds the 1600 character limit."},
		{"11 media URLs", create(with(msg(to, from, ""), func(p *api.CreateMessageParams) { p.MediaUrl = &elevenURLs })), 400, 21623, ""},
		{"media URL not http(s)", create(with(msg(to, from, ""), func(p *api.CreateMessageParams) {
			p.MediaUrl = &[]string{"ftp://example.com/a.png"}
		})), 400, 21620, ""},
		{"ValidityPeriod out of range", create(with(msg(to, from, "x"), func(p *api.CreateMessageParams) {
			p.ValidityPeriod = ptr(0)
		})), 400, 20001, ""},
		{"SendAt in the past", create(with(msg(to, from, "x"), func(p *api.CreateMessageParams) {
			p.ScheduleType, p.SendAt = ptr("fixed"), ptr(time.Now().Add(-time.Hour))
		})), 400, 35114, ""},
		{"SendAt more than 35 days ahead", create(with(msg(to, from, "x"), func(p *api.CreateMessageParams) {
			p.ScheduleType, p.SendAt = ptr("fixed"), ptr(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
		})), 400, 35114, ""},
		{"update Body to anything but empty", func() error {
			_, err := e.SDK.Api.UpdateMessage(*existing.Sid, &api.UpdateMessageParams{Body: ptr("rewritten")})
			return err
		}, 400, 20001, ""},
		{"fetch a message that does not exist", func() error {
			_, err := e.SDK.Api.FetchMessage("SM"+strings.Repeat("0", 32), nil)
			return err
		}, 404, 20404, ""},
		{"fetch with a SID that is not a message SID", func() error {
			_, err := e.SDK.Api.FetchMessage("nonsense", nil)
			return err
		}, 404, 20404, ""},
		{"PageSize 0", func() error {
			_, err := e.SDK.Api.PageMessage(&api.ListMessageParams{PageSize: ptr(0)}, "", "")
			return err
		}, 400, 20001, ""},
		{"list filter To not E.164", func() error {
			_, err := e.SDK.Api.ListMessage(&api.ListMessageParams{To: ptr("4155550100")})
			return err
		}, 400, 20001, ""},
		{"wrong auth token", func() error {
			_, err := e.clientFor(e.Main.Sid, strings.Repeat("f", 32)).Api.CreateMessage(text("x"))
			return err
		}, 401, 20003, "Authenticate"},
		{"unknown account SID", func() error {
			_, err := e.clientFor("AC"+strings.Repeat("0", 32), e.Main.AuthToken).Api.FetchAccount("AC" + strings.Repeat("0", 32))
			return err
		}, 401, 20003, "Authenticate"},
		{"no credentials", func() error {
			_, err := e.clientFor("", "").Api.FetchMessage(*existing.Sid, &api.FetchMessageParams{PathAccountSid: ptr(e.Main.Sid)})
			return err
		}, 401, 20003, "Authenticate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := e.wantError(t, c.call(), c.status, c.code)
			if c.message != "" && got.Message != c.message {
				t.Errorf("message = %q, want %q", got.Message, c.message)
			}
		})
	}

	// The message that every failed update left alone is unchanged.
	m, err := e.SDK.Api.FetchMessage(*existing.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.Body) != "exists" {
		t.Errorf("body after refused updates = %q, want %q", deref(m.Body), "exists")
	}
}

// TestErrorTypes pins which of the SDK's error types carries Switchboard's errors, and
// that each carries every field the SDK decodes. See wantError for why there are two.
func TestErrorTypes(t *testing.T) {
	t.Parallel()
	e := start(t)
	const msg = "The 'To' number +1555 is not a valid phone number."
	bad := &api.CreateMessageParams{To: ptr("+1555"), From: ptr(from), Body: ptr("x")}

	t.Run("RestClient", func(t *testing.T) {
		mark := e.log.mark()
		_, err := e.SDK.Api.CreateMessage(bad)
		reqs := e.log.since(mark)
		if len(reqs) != 1 || reqs[0].Status != 400 {
			t.Fatalf("requests %v, want one answered 400", reqs)
		}
		var legacy *twclient.TwilioRestError
		var std *twclient.RestErrorV1
		switch reqs[0].Header.Get("X-Twilio-ApiVersion") {
		case "v1.0": // twilio/twilio-go#320: the SDK sends this on every request of a RestClient
			if !errors.As(err, &std) {
				t.Fatalf("got %T (%v), want *client.RestErrorV1 (the SDK's choice when it sends X-Twilio-ApiVersion: v1.0)", err, err)
			}
			if std.Code != 21211 || std.Message != msg || std.HttpStatusCode != 0 {
				t.Errorf("RestErrorV1 = %+v, want code 21211, message %q (and no httpStatusCode, which Twilio's 2010 API does not send)", *std, msg)
			}
		default:
			if !errors.As(err, &legacy) {
				t.Fatalf("got %T (%v), want *client.TwilioRestError", err, err)
			}
			if legacy.Status != 400 || legacy.Code != 21211 || legacy.Message != msg {
				t.Errorf("TwilioRestError = %+v", *legacy)
			}
		}
	})

	t.Run("ApiService on its own handler", func(t *testing.T) {
		svc := e.apiFor(e.Main.Sid, e.Main.AuthToken)
		_, err := svc.CreateMessage(bad)
		var legacy *twclient.TwilioRestError
		if !errors.As(err, &legacy) {
			t.Fatalf("got %T (%v), want *client.TwilioRestError", err, err)
		}
		want := twclient.TwilioRestError{Status: 400, Code: 21211, Message: msg, MoreInfo: "https://www.twilio.com/docs/errors/21211"}
		if legacy.Status != want.Status || legacy.Code != want.Code || legacy.Message != want.Message || legacy.MoreInfo != want.MoreInfo || legacy.Details != nil {
			t.Errorf("got %+v\nwant %+v", *legacy, want)
		}

		_, err = e.apiFor(e.Main.Sid, strings.Repeat("0", 32)).FetchAccount(e.Main.Sid)
		if !errors.As(err, &legacy) || legacy.Status != 401 || legacy.Code != 20003 || legacy.MoreInfo != "https://www.twilio.com/docs/errors/20003" {
			t.Errorf("bad credentials: got %T %v, want TwilioRestError 401/20003", err, err)
		}

		_, err = svc.FetchMessage("SM"+strings.Repeat("0", 32), nil)
		if !errors.As(err, &legacy) || legacy.Status != 404 || legacy.Code != 20404 {
			t.Errorf("missing message: got %T %v, want TwilioRestError 404/20404", err, err)
		}
	})

	t.Run("the SDK refuses non-alphanumeric credentials before sending", func(t *testing.T) {
		// Why Switchboard issues only alphanumeric SIDs and tokens.
		mark := e.log.mark()
		_, err := e.clientFor(e.Main.Sid, "not-alphanumeric").Api.FetchAccount(e.Main.Sid)
		var legacy *twclient.TwilioRestError
		if !errors.As(err, &legacy) || legacy.Code != 21224 {
			t.Errorf("got %T %v, want the SDK's own 21224", err, err)
		}
		if reqs := e.log.since(mark); len(reqs) != 0 {
			t.Errorf("the SDK sent %d requests, want none", len(reqs))
		}
	})
}
