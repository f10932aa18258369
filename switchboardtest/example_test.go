package switchboardtest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

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

// fatalRecorder is a testing.TB whose Fatalf records the failure and ends the goroutine,
// as testing.T's does, so that a test can check a helper fails cleanly.
type fatalRecorder struct {
	testing.TB
	failure string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure runs f with a fatalRecorder in a goroutine of its own and returns what it
// failed with ("" if it did not fail). A panic in f fails the test.
func failure(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &fatalRecorder{TB: t}
	done := make(chan any)
	go func() {
		defer func() { done <- recover() }()
		f(r)
	}()
	if p := <-done; p != nil {
		t.Fatalf("the helper panicked: %v", p)
	}
	return r.failure
}

func TestHelpersFailCleanlyWhenTheServerIsGone(t *testing.T) {
	sb := switchboardtest.Start(t)
	sb.BuyNumber(t, "+14155550199")
	m := sb.TextFrom(t, "+14155550100", "+14155550199", "hello")
	sb.Close()

	if got := failure(t, func(tb testing.TB) { sb.WaitForStatus(tb, m.Sid, "received") }); !strings.Contains(got, "fetch") {
		t.Errorf("WaitForStatus failed with %q, want a fetch error", got)
	}
	if got := failure(t, func(tb testing.TB) { sb.WaitForMessage(tb, func(client.Message) bool { return true }) }); !strings.Contains(got, "event stream") {
		t.Errorf("WaitForMessage failed with %q, want an event stream error", got)
	}
}

// A burst of texts after the one waited for does not hide it: WaitForMessage looks at
// every message, not only the newest page.
func TestWaitForMessageFindsAMessageBehindABurst(t *testing.T) {
	sb := switchboardtest.Start(t)
	sb.BuyNumber(t, "+14155550199")
	first := sb.TextFrom(t, "+14155550100", "+14155550199", "the one")
	for i := range 60 {
		sb.TextFrom(t, "+14155550101", "+14155550199", fmt.Sprintf("burst %d", i))
	}
	got := sb.WaitForMessage(t, func(m client.Message) bool { return m.Body == "the one" })
	if got.Sid != first.Sid {
		t.Fatalf("found %s, want %s", got.Sid, first.Sid)
	}
}

// A message that arrives while WaitForMessage waits is found through the event stream.
func TestWaitForMessageSeesALaterMessage(t *testing.T) {
	sb := switchboardtest.Start(t)
	sb.BuyNumber(t, "+14155550199")
	sent := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		for i := range 3 {
			body := fmt.Sprintf("later %d", i)
			resp, err := sb.Client.CreateInboundMessageWithFormdataBodyWithResponse(context.Background(), sb.AccountSid,
				client.InboundMessageRequest{From: "+14155550100", To: "+14155550199", Body: &body})
			if err == nil && resp.JSON201 == nil {
				err = fmt.Errorf("HTTP %d %s", resp.StatusCode(), resp.Body)
			}
			if err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	defer func() {
		if err := <-sent; err != nil {
			t.Errorf("text: %v", err)
		}
	}()
	got := sb.WaitForMessage(t, func(m client.Message) bool { return m.Body == "later 2" })
	if got.From == nil || *got.From != "+14155550100" {
		t.Fatalf("found %+v", got)
	}
}
