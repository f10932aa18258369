package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// TestTwiMLWarnings: a document with an attribute out of Twilio's bounds runs with the
// attribute's default, and the warning Twilio records for it is where a developer looks:
// on the call's timeline and on the request that fetched the document.
func TestTwiMLWarnings(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	app(rc, map[string]string{"/voice": `<Response><Gather timeout="-1" numDigits="1"/><Say>no key</Say></Response>`})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/voice")})
	waitForCall(t, env, call.Sid, "completed")

	events := callEvents(t, env, call.Sid)
	i := slices.IndexFunc(events, func(e client.CallEvent) bool { return e.Type == "error" && e.Data["error_code"] == "13313" })
	if i < 0 {
		t.Fatalf("no warning 13313 on the timeline:\n%s", timeline(events))
	}
	w := events[i]
	if w.Data["level"] != "warning" || w.Data["verb"] != "Gather" || w.Data["attribute"] != "timeout" || w.Data["value"] != "-1" ||
		!strings.Contains(w.Description, "Gather: Invalid timeout value") {
		t.Errorf("warning entry %+v", w)
	}
	// The <Gather> ran with the default timeout (5 s), then the call went on.
	gather := slices.IndexFunc(events, isVerb("Gather"))
	said := slices.IndexFunc(events, func(e client.CallEvent) bool { return isVerb("Say")(e) && e.Data["text"] == "no key" })
	if gather < i || said < 0 || events[gather].Data["timeout"] != "5" || events[said].ElapsedMs-events[gather].ElapsedMs != 5000 {
		t.Errorf("the gather did not run with its default:\n%s", timeline(events))
	}
	// The request that fetched the document carries it.
	d := deliveriesOf(t, env, call.Sid, 1)[0]
	if d.Event != "call-twiml" || d.ErrorCode == nil || *d.ErrorCode != 13313 || d.ErrorMessage == nil ||
		!strings.Contains(*d.ErrorMessage, "Gather: Invalid timeout value") || d.ResponseStatusCode == nil || *d.ResponseStatusCode != 200 {
		t.Errorf("delivery %+v", d)
	}
}
