package server_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// TestCurlExamples runs the curl commands the docs show (docs/examples/curl.sh) against a
// live server, so that the docs cannot drift from the API.
func TestCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed for this test (.ci/run installs it): ", err)
	}
	env := servertest.Start(t, servertest.Options{})
	cmd := exec.Command("bash", "../docs/examples/curl.sh")
	cmd.Env = append(cmd.Environ(), "BASE="+env.URL, "SID="+env.Main.Sid, "TOKEN="+env.Main.AuthToken)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 8 {
		t.Fatalf("curl.sh printed %d lines, want 8 (buy, send, list, fetch, redact, 404 after delete, call, its events):\n%s", len(lines), out)
	}
	var bought client.IncomingPhoneNumber
	var sent, fetched, redacted client.Message
	var list client.MessageList
	var gone client.Error
	var call client.Call
	var events client.CallEventList
	lines = lines[1:]
	if err := json.Unmarshal([]byte(out[:strings.IndexByte(string(out), '\n')]), &bought); err != nil || bought.PhoneNumber != "+14155550199" {
		t.Fatalf("buy: %v: %s", err, out)
	}
	for i, v := range []any{&sent, &list, &fetched, &redacted, &gone, &call, &events} {
		if err := json.Unmarshal([]byte(lines[i]), v); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, lines[i])
		}
	}
	// Each check on its own, so that one run reports every difference.
	if sent.Status != "queued" || sent.Body != "Hello from Switchboard" {
		t.Errorf("send: %s", lines[0])
	}
	if len(list.Messages) != 1 || list.Messages[0].Sid != sent.Sid {
		t.Errorf("list: %s", lines[1])
	}
	if !strings.Contains(lines[1], `Messages.json?Page=0&PageSize=20`) || strings.Contains(lines[1], `\u0026`) {
		t.Errorf("page URIs should read as URLs, with a plain '&': %s", lines[1])
	}
	if fetched.Sid != sent.Sid || fetched.Body != sent.Body {
		t.Errorf("fetch: %s", lines[2])
	}
	if redacted.Sid != sent.Sid || redacted.Body != "" {
		t.Errorf("redact: %s", lines[3])
	}
	if gone.Code != 20404 {
		t.Errorf("fetch after delete: %s", lines[4])
	}
	if call.Status != "queued" || call.To != "+14155550100" {
		t.Errorf("call: %s", lines[5])
	}
	said := false
	for _, e := range events.Events {
		said = said || (e.Type == "verb" && e.Data["text"] == "Hello from Switchboard")
	}
	if !said || events.Events[len(events.Events)-1].Data["status"] != "completed" {
		t.Errorf("call events: %s", lines[6])
	}
}
