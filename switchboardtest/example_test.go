package switchboardtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/switchboardtest"
)

// The README's example: an app that answers texts, tested end to end.
// snippet:start switchboardtest
func TestAppAnswersTexts(t *testing.T) {
	sb := switchboardtest.Start(t)

	// The app under test: it checks Twilio's signature, then answers every text.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		v := twclient.NewRequestValidator(sb.AuthToken)
		if !v.Validate("http://"+r.Host+r.URL.Path, params, r.Header.Get("X-Twilio-Signature")) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, "<Response><Message>You said: %s</Message></Response>", r.PostForm.Get("Body"))
	}))
	defer app.Close()

	sb.BuyNumber(t, "+14155550199", app.URL+"/sms")
	sb.TextFrom(t, "+14155550100", "+14155550199", "hello")

	// The app's reply goes out to the customer and is delivered.
	reply := sb.WaitForMessage(t, func(m client.Message) bool {
		return m.Direction == client.MessageDirectionOutboundReply && m.To == "+14155550100"
	})
	reply = sb.WaitForStatus(t, reply.Sid, "delivered")
	if reply.Body != "You said: hello" || *reply.From != "+14155550199" {
		t.Fatalf("reply %q from %s", reply.Body, *reply.From)
	}
}

// snippet:end

func TestCloseStopsTheServer(t *testing.T) {
	sb, err := switchboardtest.NewServer(switchboardtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(sb.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	sb.Close()
	sb.Close()
	if _, err := http.Get(sb.URL + "/healthz"); err == nil {
		t.Fatal("the server still answers after Close")
	}
}
