package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// twilioPlaceParams are the parameters with which Twilio's incoming-message and voice
// webhooks say where the parties are, as its docs list them ("Twilio also attempts to
// look up geographic data based on the 'From' and 'To' phone numbers").
var twilioPlaceParams = []string{"FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry"}

// TestWebhooksSayWhereThePartiesAre: a text and a call to our number (San Francisco, in
// the pool) from Boston carry all eight, from the pool's data; from a number Switchboard
// knows nothing of, city, state and ZIP are sent empty.
func TestWebhooksSayWhereThePartiesAre(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	app.Respond(twiml(`<Response/>`))
	url := app.URL + "/hook"
	resp, err := env.Client.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), env.Main.Sid,
		client.CreateIncomingPhoneNumberRequest{PhoneNumber: ptr(ourNumber), SmsUrl: &url, VoiceUrl: &url})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("buy: %v %s", err, resp.Body)
	}
	boston := map[string]string{"FromCity": "BOSTON", "FromState": "MA", "FromZip": "02108", "FromCountry": "US",
		"ToCity": "SAN FRANCISCO", "ToState": "CA", "ToZip": "94103", "ToCountry": "US"}
	paris := map[string]string{"FromCity": "", "FromState": "", "FromZip": "", "FromCountry": "FR",
		"ToCity": "SAN FRANCISCO", "ToState": "CA", "ToZip": "94103", "ToCountry": "US"}

	receive(t, env, "+16175550123", "from Boston")
	receive(t, env, "+33612345678", "from Paris")
	inboundCall(t, env, "+16175550123")
	want := map[string]map[string]string{"text +16175550123": boston, "text +33612345678": paris, "call +16175550123": boston}
	for _, r := range app.WaitFor(t, 3, 10*time.Second) {
		kind := "text "
		if r.Form.Get("CallSid") != "" {
			kind = "call "
		}
		key := kind + r.Form.Get("From")
		w, ok := want[key]
		if !ok {
			t.Fatalf("unexpected request %v", r.Form)
		}
		delete(want, key)
		for _, name := range twilioPlaceParams {
			if _, sent := r.Form[name]; !sent {
				t.Errorf("%s: %s not sent", key, name)
			}
			if r.Form.Get(name) != w[name] {
				t.Errorf("%s: %s = %q, want %q", key, name, r.Form.Get(name), w[name])
			}
		}
		if !r.Valid {
			t.Errorf("%s: the signature does not cover the parameters", key)
		}
	}
}
