package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// ledger records what the server acknowledged (a 2xx answer) before it was killed, and
// which changes were sent at all: one sent but not acknowledged when the server died may
// or may not have happened, and either is right.
type ledger struct {
	mu       sync.Mutex
	created  map[string]string // message SID -> body
	redacted map[string]bool
	canceled map[string]bool
	deleted  map[string]bool
	tried    map[string]string // the change sent for this SID: redact, cancel or delete
}

func (l *ledger) note(m map[string]bool, sid string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m[sid] = true
}

// enough reports whether the writes acknowledged so far are enough for the check: at
// least creates, and a write of each other kind.
func (l *ledger) enough(creates int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.created) >= creates && len(l.redacted) > 0 && len(l.canceled) > 0 && len(l.deleted) > 0
}

// apiClient talks to one process as its account.
type apiClient struct {
	p    *process
	http *http.Client
}

func (c apiClient) call(method, path string, form url.Values) (int, map[string]any, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.p.URL+"/2010-04-01/Accounts/"+c.p.SID+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(c.p.SID, c.p.Token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return resp.StatusCode, nil, err
		}
	}
	return resp.StatusCode, out, nil
}

// TestChaosKillDuringWrites runs concurrent writers against the real binary, kills it with
// SIGKILL mid-load, restarts it on the same database, and checks that every write the server
// acknowledged survived: creates, redactions, cancellations and deletions.
func TestChaosKillDuringWrites(t *testing.T) {
	db := servertest.Database(t)
	l := &ledger{created: map[string]string{}, redacted: map[string]bool{}, canceled: map[string]bool{}, deleted: map[string]bool{}, tried: map[string]string{}}
	const rounds, writers = 3, 8
	for round := range rounds {
		p := startProcess(t, db, "--schedule-min-lead", "0")
		c := apiClient{p: p, http: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: writers}}}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() { write(c, l, stop, round, w) })
		}
		// Killed mid-load, after 700 ms and once the writes acknowledged so far are enough
		// for the check below (their share of it by this round), so that a loaded
		// machine or a slower backend (PostgreSQL's round trips) still gives it
		// something to check; 5 s at most.
		deadline := time.Now().Add(5 * time.Second)
		time.Sleep(700 * time.Millisecond)
		for !l.enough(100*(round+1)/rounds) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
			t.Fatal(err)
		}
		<-p.done
		close(stop)
		wg.Wait()
	}

	p := startProcess(t, db)
	c := apiClient{p: p, http: &http.Client{Timeout: 10 * time.Second}}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("acknowledged before the kills: %d creates, %d redactions, %d cancellations, %d deletions",
		len(l.created), len(l.redacted), len(l.canceled), len(l.deleted))
	if len(l.created) < 100 || len(l.redacted) == 0 || len(l.canceled) == 0 || len(l.deleted) == 0 {
		t.Fatalf("too little load to mean anything: %d %d %d %d", len(l.created), len(l.redacted), len(l.canceled), len(l.deleted))
	}
	lost := 0
	for sid, body := range l.created {
		status, m, err := c.call(http.MethodGet, "/Messages/"+sid+".json", nil)
		if err != nil {
			t.Fatal(err)
		}
		unsure := l.tried[sid]
		if l.deleted[sid] || l.redacted[sid] || l.canceled[sid] {
			unsure = ""
		}
		switch {
		case l.deleted[sid]:
			if status != http.StatusNotFound {
				t.Errorf("%s was deleted (acknowledged) but is back: HTTP %d", sid, status)
				lost++
			}
		case unsure == "delete" && status == http.StatusNotFound,
			unsure == "redact" && status == http.StatusOK && m["body"] == "",
			unsure == "cancel" && status == http.StatusOK && m["status"] == "canceled" && m["body"] == body:
			// a change sent as the server died, and applied: as right as not applied
		case status != http.StatusOK:
			t.Errorf("%s was created (acknowledged) but is gone: HTTP %d", sid, status)
			lost++
		case l.redacted[sid] && m["body"] != "":
			t.Errorf("%s was redacted (acknowledged) but has body %q", sid, m["body"])
			lost++
		case !l.redacted[sid] && m["body"] != body:
			t.Errorf("%s has body %q, want %q", sid, m["body"], body)
			lost++
		case l.canceled[sid] && m["status"] != "canceled":
			t.Errorf("%s was canceled (acknowledged) but is %v", sid, m["status"])
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d acknowledged writes lost", lost)
	}
}

// write loops until stop or until the server dies: create, then on some messages redact,
// cancel (they are scheduled) or delete, noting each acknowledged write.
func write(c apiClient, l *ledger, stop <-chan struct{}, round, w int) {
	sendAt := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		body := fmt.Sprintf("round %d writer %d message %d", round, w, i)
		form := url.Values{"To": {"+14155550100"}, "From": {"+15005550006"}, "Body": {body}}
		if i%3 == 1 {
			form.Set("ScheduleType", "fixed")
			form.Set("SendAt", sendAt)
		}
		status, m, err := c.call(http.MethodPost, "/Messages.json", form)
		if err != nil || status != http.StatusCreated {
			if err != nil {
				return // the server is gone
			}
			continue
		}
		sid, _ := m["sid"].(string)
		l.mu.Lock()
		l.created[sid] = body
		l.mu.Unlock()
		path := "/Messages/" + sid + ".json"
		if kind := [...]string{"redact", "cancel", "delete", ""}[i%4]; kind != "" {
			l.mu.Lock()
			l.tried[sid] = kind
			l.mu.Unlock()
		}
		switch i % 4 {
		case 0:
			if status, _, err := c.call(http.MethodPost, path, url.Values{"Body": {""}}); err == nil && status == http.StatusOK {
				l.note(l.redacted, sid)
			}
		case 1:
			if status, _, err := c.call(http.MethodPost, path, url.Values{"Status": {"canceled"}}); err == nil && status == http.StatusOK {
				l.note(l.canceled, sid)
			}
		case 2:
			if status, _, err := c.call(http.MethodDelete, path, nil); err == nil && status == http.StatusNoContent {
				l.note(l.deleted, sid)
			}
		}
	}
}
