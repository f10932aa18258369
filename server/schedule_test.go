package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// TestSchedulingWindow: SendAt must fall between the minimum lead time and 35 days ahead,
// as Twilio requires (35114 otherwise), and what is accepted is stored as sent. Before,
// 9999-12-31 was accepted and stored as a date in 1816.
func TestSchedulingWindow(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	messages := "/2010-04-01/Accounts/" + env.Main.Sid + "/Messages.json"
	schedule := func(env *servertest.Env, sendAt string) (int, []byte) {
		form := url.Values{"To": {"+14155550100"}, "From": {testSender}, "Body": {"later"},
			"ScheduleType": {"fixed"}, "SendAt": {sendAt}}
		return env.Do(t, http.MethodPost, messages, env.Main.Sid, env.Main.AuthToken, strings.NewReader(form.Encode()), formType)
	}
	rfc := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	for _, tt := range []struct {
		name   string
		sendAt string
		ok     bool
	}{
		{"year 9999", "9999-12-31T23:59:59Z", false},
		{"year 2300", "2300-01-01T00:00:00Z", false},
		{"year 0000", "0000-01-01T00:00:00Z", false},
		{"past", rfc(-time.Hour), false},
		{"now", rfc(0), false},
		{"under the 15 minute lead", rfc(10 * time.Minute), false},
		{"over 35 days", rfc(35*24*time.Hour + time.Hour), false},
		{"in an hour", rfc(time.Hour), true},
		{"just under 35 days", rfc(35*24*time.Hour - time.Hour), true},
		{"with an offset", time.Now().Add(48 * time.Hour).In(time.FixedZone("", -7*3600)).Format(time.RFC3339), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := schedule(env, tt.sendAt)
			if !tt.ok {
				wantError(t, status, body, 400, 35114)
				if !strings.Contains(string(body), "Scheduling does not support this timestamp: SendAt must be between 900 seconds and 35 days (3024000 seconds) in the future, inclusive.") {
					t.Errorf("message: %s", body)
				}
				return
			}
			if status != http.StatusCreated {
				t.Fatalf("HTTP %d %s", status, body)
			}
			var m client.Message
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			stored, err := env.DB.GetMessage(context.Background(), env.Main.Sid, m.Sid)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := time.Parse(time.RFC3339, tt.sendAt)
			if m.Status != "scheduled" || !stored.SendAt.Equal(want) {
				t.Errorf("status %s, stored send_at %s, want %s", m.Status, stored.SendAt, want)
			}
		})
	}

	// A shorter lead time (--schedule-min-lead) lets a test schedule seconds ahead.
	zero := time.Duration(0)
	quick := servertest.Start(t, servertest.Options{ScheduleMinLead: &zero})
	messages = "/2010-04-01/Accounts/" + quick.Main.Sid + "/Messages.json"
	if status, body := schedule(quick, rfc(2*time.Second)); status != http.StatusCreated {
		t.Errorf("2s ahead with no minimum lead: HTTP %d %s", status, body)
	}
	status, body := schedule(quick, rfc(-time.Minute))
	wantError(t, status, body, 400, 35114)
	if !strings.Contains(string(body), "between 0 seconds and 35 days") {
		t.Errorf("the message should give the configured lead: %s", body)
	}
	status, body = schedule(quick, rfc(36*24*time.Hour))
	wantError(t, status, body, 400, 35114)
}
