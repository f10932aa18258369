package compat

import (
	"net/http"
	"strings"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// twilioIncomingParams are the parameters Twilio documents for its request to an app when
// a message comes in ("Twilio's request to your application": the message, its parties
// and, as far as Twilio can look them up, where they are), with SmsStatus and ApiVersion,
// which it sends too. An app built from Twilio's quickstarts reads them by name.
var twilioIncomingParams = []string{
	"MessageSid", "SmsSid", "SmsMessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "NumSegments",
	"FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry",
	"SmsStatus", "ApiVersion",
}

// TestInboundWebhookParameters: a picture texted from Boston to the app's San Francisco
// number reaches its SmsUrl with every parameter Twilio documents, the places from the
// number pool's data, and the picture as MediaUrl0 (an MM… message, as on Twilio).
func TestInboundWebhookParameters(t *testing.T) {
	t.Parallel()
	e := startWith(t, servertest.Options{})
	app := servertest.NewReceiver(t, e.Main.AuthToken)
	app.Respond(func(int, servertest.Received) (int, string, string) {
		return http.StatusOK, "text/xml", "<Response/>"
	})
	if _, err := e.SDK.Api.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr(from), SmsUrl: ptr(app.URL + "/sms")}); err != nil {
		t.Fatal(err)
	}
	picture := servertest.FileServer(t, "image/png", []byte("\x89PNG\r\n\x1a\n"))
	body, boston := "Here it is", "+16175550123"
	resp, err := e.Client.CreateInboundMessageWithFormdataBodyWithResponse(t.Context(), e.Main.Sid,
		client.InboundMessageRequest{From: boston, To: from, Body: &body, MediaUrl: &[]string{picture}})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("inbound: %v %s", err, resp.Body)
	}
	sid := resp.JSON201.Sid

	r := app.WaitFor(t, 1, 10*time.Second)[0]
	for _, name := range twilioIncomingParams {
		if _, sent := r.Form[name]; !sent {
			t.Errorf("%s not sent", name)
		}
	}
	want := map[string]string{
		"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": e.Main.Sid, "From": boston, "To": from,
		"Body": body, "NumMedia": "1", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
		"FromCity": "BOSTON", "FromState": "MA", "FromZip": "02108", "FromCountry": "US",
		"ToCity": "SAN FRANCISCO", "ToState": "CA", "ToZip": "94103", "ToCountry": "US",
		"MediaContentType0": "image/png",
	}
	for name, v := range want {
		if got := r.Form.Get(name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if !strings.HasPrefix(sid, "MM") {
		t.Errorf("an incoming message with media is %s, not MM…", sid)
	}
	if u := r.Form.Get("MediaUrl0"); !strings.HasPrefix(u, e.URL+"/2010-04-01/Accounts/"+e.Main.Sid+"/Messages/"+sid+"/Media/ME") {
		t.Errorf("MediaUrl0 %q", u)
	}
	if !r.Valid {
		t.Error("the SDK's validator refuses the signature")
	}
	// The app reads the message through the SDK too.
	m, err := e.SDK.Api.FetchMessage(sid, nil)
	if err != nil || deref(m.Direction) != "inbound" || deref(m.NumMedia) != "1" || deref(m.Status) != "received" {
		t.Errorf("fetched %+v (%v)", m, err)
	}
}
