package server_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

const ourNumber = "+14155550199"

// buyWithSmsURL makes the main account own ourNumber, its texts going to smsURL.
func buyWithSmsURL(t *testing.T, env *servertest.Env, smsURL, method, fallback string) {
	t.Helper()
	req := client.CreateIncomingPhoneNumberRequest{PhoneNumber: ptr(ourNumber), SmsUrl: &smsURL}
	if method != "" {
		m := client.HttpMethod(method)
		req.SmsMethod = &m
	}
	if fallback != "" {
		req.SmsFallbackUrl = &fallback
	}
	resp, err := env.Client.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, req)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("buy: %v %s", err, resp.Body)
	}
}

func receive(t *testing.T, env *servertest.Env, from, body string, media ...string) client.Message {
	t.Helper()
	req := client.InboundMessageRequest{From: from, To: ourNumber, Body: &body}
	if len(media) > 0 {
		req.MediaUrl = &media
	}
	resp, err := env.Client.CreateInboundMessageWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, req)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("inbound: %v HTTP %d %s", err, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

// replies lists the outbound-reply messages to a number, oldest first, once there are n.
func replies(t *testing.T, env *servertest.Env, to string, n int) []client.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := env.Client.ListMessagesWithResponse(context.Background(), env.Main.Sid, &client.ListMessagesParams{To: &to})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("list: %v", err)
		}
		var out []client.Message
		for _, m := range resp.JSON200.Messages {
			if m.Direction == "outbound-reply" {
				out = append(out, m)
			}
		}
		slices.Reverse(out)
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d replies to %s, want %d", len(out), to, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func deliveriesOf(t *testing.T, env *servertest.Env, resource string, n int) []client.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := env.Client.ListWebhookDeliveriesWithResponse(context.Background(), env.Main.Sid, &client.ListWebhookDeliveriesParams{ResourceSid: &resource})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("list deliveries: %v", err)
		}
		if ds := resp.JSON200.WebhookDeliveries; len(ds) >= n {
			slices.Reverse(ds) // oldest first
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d deliveries for %s", n, resource)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func twiml(body string) func(int, servertest.Received) (int, string, string) {
	return func(int, servertest.Received) (int, string, string) { return 200, "text/xml", body }
}

func TestInboundWebhookAndTwiMLReplies(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3}, 50)...)
	fileURL := servertest.FileServer(t, "image/png", png)
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	app.Respond(twiml(`<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Message>Thanks for your message!</Message>
  <Message><Body>Here is our menu</Body><Media>` + fileURL + `</Media></Message>
</Response>`))
	buyWithSmsURL(t, env, app.URL+"/sms", "", "")

	in := receive(t, env, "+14155550100", "What time do you open?")
	if in.Status != "received" || in.Direction != "inbound" || in.DateSent == nil || in.Price == nil ||
		in.From == nil || *in.From != "+14155550100" || in.To != ourNumber {
		t.Fatalf("inbound message %+v", in)
	}

	hooks := app.WaitFor(t, 1, 5*time.Second)
	h := hooks[0]
	if !h.Valid || h.Method != http.MethodPost || h.Path != "/sms" {
		t.Fatalf("webhook %s %s valid=%v", h.Method, h.Path, h.Valid)
	}
	want := map[string]string{"MessageSid": in.Sid, "SmsSid": in.Sid, "SmsMessageSid": in.Sid, "AccountSid": sid,
		"From": "+14155550100", "To": ourNumber, "Body": "What time do you open?", "NumMedia": "0", "NumSegments": "1",
		"SmsStatus": "received", "ApiVersion": "2010-04-01", "FromCountry": "US", "ToCountry": "US"}
	for k, v := range want {
		if got := h.Form.Get(k); got != v {
			t.Errorf("webhook %s = %q, want %q", k, got, v)
		}
	}
	if h.Form.Has("OptOutType") {
		t.Errorf("OptOutType on a plain text")
	}

	rs := replies(t, env, "+14155550100", 2)
	if rs[0].Body != "Thanks for your message!" || rs[1].Body != "Here is our menu" || rs[1].NumMedia != "1" {
		t.Fatalf("replies %+v", rs)
	}
	for _, r := range rs {
		if r.From == nil || *r.From != ourNumber || r.To != "+14155550100" {
			t.Errorf("reply from %v to %s", r.From, r.To)
		}
	}
	done := env.WaitForStatus(t, env.Client, sid, rs[1].Sid, 5*time.Second, "delivered")
	media, err := env.Client.ListMediaWithResponse(context.Background(), sid, done.Sid, nil)
	if err != nil || media.JSON200 == nil || len(media.JSON200.MediaList) != 1 {
		t.Fatalf("reply media: %v", err)
	}
	content, err := env.Client.FetchMediaContentWithResponse(context.Background(), sid, done.Sid, media.JSON200.MediaList[0].Sid)
	if err != nil || !bytes.Equal(content.Body, png) {
		t.Fatalf("reply media content: %v %d bytes", err, len(content.Body))
	}

	ds := deliveriesOf(t, env, in.Sid, 1)
	if ds[0].Event != "incoming-message" || ds[0].ResponseStatusCode == nil || *ds[0].ResponseStatusCode != 200 ||
		ds[0].ErrorCode != nil || ds[0].ResponseBody == nil || !strings.Contains(*ds[0].ResponseBody, "<Message>Thanks") {
		t.Errorf("delivery %+v", ds[0])
	}
}

func TestInboundAnswersThatAreNotTwiML(t *testing.T) {
	for _, tt := range []struct {
		name, ctype, body string
		code              int
	}{
		{"invalid XML", "text/xml", "<Response><Message>unclosed</Response>", 12100},
		{"not a Response", "application/xml", "<Reply/>", 12100},
		{"plain text", "text/plain", "thanks!", 12300},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := servertest.Start(t, servertest.Options{})
			app := servertest.NewReceiver(t, env.Main.AuthToken)
			app.Respond(func(int, servertest.Received) (int, string, string) { return 200, tt.ctype, tt.body })
			buyWithSmsURL(t, env, app.URL, "", "")
			in := receive(t, env, "+14155550100", "hi")
			ds := deliveriesOf(t, env, in.Sid, 1)
			if ds[0].ErrorCode == nil || *ds[0].ErrorCode != tt.code || ds[0].ErrorMessage == nil {
				t.Fatalf("delivery %+v, want error %d", ds[0], tt.code)
			}
			time.Sleep(200 * time.Millisecond)
			list, _ := env.Client.ListMessagesWithResponse(context.Background(), env.Main.Sid, nil)
			if n := len(list.JSON200.Messages); n != 1 {
				t.Errorf("%d messages, want the inbound one only", n)
			}
			if len(app.Requests()) != 1 {
				t.Errorf("%d requests; an answer that is not TwiML is not retried", len(app.Requests()))
			}
		})
	}
}

func TestInboundFallbackRedirectAndGET(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	app.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/broken":
			return 500, "text/plain", "down"
		case "/fallback":
			return 200, "text/xml", `<Response><Redirect method="GET">next?step=2</Redirect></Response>`
		case "/next":
			return 200, "text/xml", `<Response><Message>via fallback and redirect</Message></Response>`
		}
		return 404, "", ""
	})
	buyWithSmsURL(t, env, app.URL+"/broken", "", app.URL+"/fallback")
	in := receive(t, env, "+14155550100", "hello")
	rs := replies(t, env, "+14155550100", 1)
	if rs[0].Body != "via fallback and redirect" {
		t.Fatalf("reply %q", rs[0].Body)
	}
	reqs := app.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/broken" || reqs[1].Path != "/fallback" || reqs[2].Path != "/next" {
		t.Fatalf("requests %+v", reqs)
	}
	next := reqs[2]
	if next.Method != http.MethodGet || next.Form.Get("step") != "2" || next.Form.Get("Body") != "hello" || !next.Valid {
		t.Errorf("redirected request %s %v valid=%v", next.Method, next.Form, next.Valid)
	}
	ds := deliveriesOf(t, env, in.Sid, 3)
	if *ds[0].ResponseStatusCode != 500 || *ds[0].ErrorCode != 11200 || *ds[1].ResponseStatusCode != 200 || ds[2].RequestMethod != "GET" {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestStopAndStartKeywords(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	app.Respond(twiml(`<Response><Message>We hear you</Message></Response>`))
	buyWithSmsURL(t, env, app.URL, "", "")
	customer := "+14155550100"
	sendToCustomer := func() (int, []byte) {
		resp, err := env.Client.CreateMessageWithFormdataBodyWithResponse(context.Background(), sid, text(customer, ourNumber, "promo"))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode(), resp.Body
	}
	if status, body := sendToCustomer(); status != 201 {
		t.Fatalf("before STOP: HTTP %d %s", status, body)
	}

	receive(t, env, customer, " stop ")
	hook := app.WaitFor(t, 1, 5*time.Second)[0]
	if hook.Form.Get("OptOutType") != "STOP" {
		t.Errorf("OptOutType %q", hook.Form.Get("OptOutType"))
	}
	// Twilio's confirmation goes out; the app's own TwiML reply is blocked (21610).
	rs := replies(t, env, customer, 2)
	if !strings.HasPrefix(rs[0].Body, "You have successfully been unsubscribed") || rs[0].Status == "failed" {
		t.Errorf("STOP reply %q (%s)", rs[0].Body, rs[0].Status)
	}
	if rs[1].Body != "We hear you" || rs[1].Status != "failed" || rs[1].ErrorCode == nil || *rs[1].ErrorCode != 21610 {
		t.Errorf("app's reply after STOP: %q %s %v", rs[1].Body, rs[1].Status, rs[1].ErrorCode)
	}
	status, body := sendToCustomer()
	wantError(t, status, body, 400, 21610)
	// Another of the account's senders is not affected.
	if status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+sid+"/Messages.json", sid, env.Main.AuthToken,
		strings.NewReader("To=%2B14155550100&From=%2B15005550006&Body=other"), formType); status != 201 {
		t.Errorf("another sender after STOP: HTTP %d %s", status, body)
	}

	receive(t, env, customer, "START")
	rs = replies(t, env, customer, 4)
	if !strings.HasPrefix(rs[2].Body, "You have successfully been re-subscribed") {
		t.Errorf("START reply %q", rs[2].Body)
	}
	if status, body := sendToCustomer(); status != 201 {
		t.Fatalf("after START: HTTP %d %s", status, body)
	}
	receive(t, env, customer, "help")
	rs = replies(t, env, customer, 6)
	if !slices.ContainsFunc(rs, func(m client.Message) bool { return strings.HasPrefix(m.Body, "Reply STOP to unsubscribe") }) {
		t.Errorf("no HELP reply in %+v", rs)
	}
}

func TestInboundMediaFetchedBeforeTheWebhook(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	jpeg := []byte("\xff\xd8\xff\xe0 not really a jpeg")
	fileURL := servertest.FileServer(t, "image/jpeg", jpeg)
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	buyWithSmsURL(t, env, app.URL, "GET", "")
	in := receive(t, env, "+14155550100", "", fileURL)
	if in.NumMedia != "1" {
		t.Fatalf("num_media %s", in.NumMedia)
	}
	h := app.WaitFor(t, 1, 5*time.Second)[0]
	if h.Method != http.MethodGet || !h.Valid || h.Form.Get("NumMedia") != "1" || h.Form.Get("MediaContentType0") != "image/jpeg" {
		t.Fatalf("webhook %s %v valid=%v", h.Method, h.Form, h.Valid)
	}
	mediaURL := h.Form.Get("MediaUrl0")
	if !strings.HasPrefix(mediaURL, env.URL+"/2010-04-01/Accounts/"+sid+"/Messages/"+in.Sid+"/Media/ME") {
		t.Fatalf("MediaUrl0 %q", mediaURL)
	}
	// The app fetches the file from Switchboard, with the account's credentials.
	status, got := env.Do(t, http.MethodGet, strings.TrimPrefix(mediaURL, env.URL), sid, env.Main.AuthToken, nil, "")
	if status != 200 || !bytes.Equal(got, jpeg) {
		t.Fatalf("media at MediaUrl0: HTTP %d %q", status, got)
	}
}

func TestInboundRefused(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	post := func(account, token, form string) (int, []byte) {
		return env.Do(t, http.MethodPost, "/switchboard/v1/Accounts/"+account+"/InboundMessages", account, token, strings.NewReader(form), formType)
	}
	status, body := post(sid, env.Main.AuthToken, "From=%2B14155550100&To=%2B14155550199&Body=hi")
	wantError(t, status, body, 400, 20001) // not a number of this account
	if err := env.BuyNumber(sid, env.Main.AuthToken, ourNumber); err != nil {
		t.Fatal(err)
	}
	sub := createSubaccount(t, env, "sub")
	status, body = post(sub.Sid, sub.AuthToken, "From=%2B14155550100&To=%2B14155550199&Body=hi")
	wantError(t, status, body, 400, 20001) // the parent's number, not the subaccount's
	status, body = post(sid, env.Main.AuthToken, "From=%2B14155550100&To=%2B14155550199")
	wantError(t, status, body, 400, 21602)
	status, body = post(sid, env.Main.AuthToken, "From=%2B1555&To=%2B14155550199&Body=hi")
	wantError(t, status, body, 400, 20001)
	status, body = post(sid, env.Main.AuthToken, "From=%2B14155550100&To=%2B14155550199&MediaUrl=ftp%3A%2F%2Fx")
	wantError(t, status, body, 400, 21620)
	// Without an SmsUrl the message is stored and nothing is called.
	m := receive(t, env, "+14155550100", "quiet")
	if m.Status != "received" {
		t.Errorf("status %s", m.Status)
	}
}

// TestTwiMLRepliesCappedAtTen: an answer with 20 <Message> verbs sends the first 10, as
// Twilio does, and the delivery of the webhook carries warning 14109.
func TestTwiMLRepliesCappedAtTen(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	app.Respond(twiml("<Response>" + strings.Repeat("<Message>again</Message>", 20) + "</Response>"))
	buyWithSmsURL(t, env, app.URL+"/sms", "", "")
	in := receive(t, env, "+14155550100", "flood me")
	d := deliveriesOf(t, env, in.Sid, 1)[0]
	if d.ErrorCode == nil || *d.ErrorCode != 14109 || d.ErrorMessage == nil || !strings.Contains(*d.ErrorMessage, "only the first 10 were sent") {
		t.Fatalf("delivery error %v %v, want 14109", d.ErrorCode, d.ErrorMessage)
	}
	if got := replies(t, env, "+14155550100", 10); len(got) != 10 {
		t.Fatalf("%d replies, want 10", len(got))
	}
	time.Sleep(200 * time.Millisecond) // none more comes
	if got := replies(t, env, "+14155550100", 10); len(got) != 10 {
		t.Fatalf("%d replies after a while, want 10", len(got))
	}
}
