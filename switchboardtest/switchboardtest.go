// Package switchboardtest runs a whole Switchboard inside your Go tests, the way
// net/http/httptest runs a web server: on a random loopback port, over a temporary
// SQLite file, with a main account whose credentials it hands you. Point your app's
// Twilio client at URL (see docs/clients.md for the official SDKs), then use the helpers
// to play the phone on the other end: text your number, wait for your messages to reach
// a status, and read the Verify codes your app sent.
//
//	sb := switchboardtest.Start(t)
//	sb.BuyNumber(t, "+14155550199")
//	// ... your app sends from +14155550199 to +14155550100 through sb.URL ...
//	sb.WaitForStatus(t, messageSid, "delivered")
//	sb.TextFrom(t, "+14155550100", "+14155550199", "STOP")
//	// ... your app starts a Verify verification to +14155550100 ...
//	code := sb.VerificationCode(t, "+14155550100")
//	sb.Advance(t, 11*time.Minute) // ... and the code has expired
package switchboardtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app"
	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

// Server is a running Switchboard.
type Server struct {
	URL        string // e.g. http://127.0.0.1:41234
	AccountSid string // the main account's credentials
	AuthToken  string
	// Client is the generated Go client, authenticated as the main account.
	Client *client.ClientWithResponses

	local *app.Local
	drop  func() // drops the PostgreSQL database NewServer made, after Close; nil if none
}

// Options tune a Server; the zero value is what Start uses.
type Options struct {
	// DeliveryDelay is the time between two steps of a simulated delivery (queued,
	// sending, sent, delivered); default 100 ms.
	DeliveryDelay time.Duration
	// WebhookBackoff is the wait before the first webhook retry, doubling after;
	// default 100 ms (shorter than the server's default, so tests stay quick).
	WebhookBackoff time.Duration
	// Logger receives the server's log; default: discarded.
	Logger *slog.Logger
}

// NewServer starts a Switchboard; Close stops it and removes its database.
func NewServer(opts Options) (*Server, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	backoff := opts.WebhookBackoff
	if backoff <= 0 {
		backoff = 100 * time.Millisecond
	}
	// Switchboard's own tests run this package on PostgreSQL too
	// (SWITCHBOARD_TEST_STORE=postgres, see internal/pgtest): a new database each.
	db, drop := "", func() {}
	if pgtest.Wanted() {
		var err error
		if db, drop, err = servertest.NewPostgresDatabase(context.Background()); err != nil {
			return nil, fmt.Errorf("switchboardtest: %w", err)
		}
	}
	local, err := app.StartLocal(db, app.Config{Logger: logger, StepDelay: opts.DeliveryDelay, WebhookBackoff: backoff, MovableClock: true})
	if err != nil {
		drop()
		return nil, fmt.Errorf("switchboardtest: %w", err)
	}
	c, err := client.New(local.URL, local.Main.Sid, local.Main.AuthToken)
	if err != nil {
		local.Stop()
		drop()
		return nil, fmt.Errorf("switchboardtest: %w", err)
	}
	return &Server{URL: local.URL, AccountSid: local.Main.Sid, AuthToken: local.Main.AuthToken, Client: c, local: local, drop: drop}, nil
}

// Start is NewServer with the default options, stopped when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := NewServer(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and removes its database; safe to call twice.
func (s *Server) Close() {
	s.local.Stop()
	if s.drop != nil {
		s.drop()
		s.drop = nil
	}
}

// BuyNumber makes the main account own number (from Switchboard's pool of fictional
// numbers, such as +14155550100 to +14155550199), with its incoming texts sent to smsURL
// ("" for none).
func (s *Server) BuyNumber(tb testing.TB, number string, smsURL ...string) client.IncomingPhoneNumber {
	tb.Helper()
	req := client.CreateIncomingPhoneNumberRequest{PhoneNumber: &number}
	if len(smsURL) > 0 && smsURL[0] != "" {
		req.SmsUrl = &smsURL[0]
	}
	resp, err := s.Client.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), s.AccountSid, req)
	if err != nil {
		tb.Fatalf("switchboardtest: buy %s: %v", number, err)
	}
	if resp.JSON201 == nil {
		tb.Fatalf("switchboardtest: buy %s: HTTP %d %s", number, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

// TextFrom simulates a phone (from) texting one of the account's numbers (to): the
// message is stored as received and the number's SmsUrl is called, as Twilio would.
func (s *Server) TextFrom(tb testing.TB, from, to, body string, mediaURLs ...string) client.Message {
	tb.Helper()
	req := client.InboundMessageRequest{From: from, To: to, Body: &body}
	if len(mediaURLs) > 0 {
		req.MediaUrl = &mediaURLs
	}
	resp, err := s.Client.CreateInboundMessageWithFormdataBodyWithResponse(context.Background(), s.AccountSid, req)
	if err != nil {
		tb.Fatalf("switchboardtest: text from %s: %v", from, err)
	}
	if resp.JSON201 == nil {
		tb.Fatalf("switchboardtest: text from %s: HTTP %d %s", from, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

// WaitForStatus waits (up to 10 s) until message sid of the main account is in one of
// statuses, and returns it; the test fails otherwise.
func (s *Server) WaitForStatus(tb testing.TB, sid string, statuses ...string) client.Message {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		resp, err := s.Client.FetchMessageWithResponse(context.Background(), s.AccountSid, sid)
		if err != nil {
			tb.Fatalf("switchboardtest: fetch %s: %v", sid, err)
		}
		if resp.JSON200 == nil {
			tb.Fatalf("switchboardtest: fetch %s: HTTP %d %s", sid, resp.StatusCode(), resp.Body)
		}
		if slices.Contains(statuses, string(resp.JSON200.Status)) {
			return *resp.JSON200
		}
		if time.Now().After(deadline) {
			tb.Fatalf("switchboardtest: message %s is %s after %s, want one of %v", sid, resp.JSON200.Status, waitLimit, statuses)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// VerificationCode returns the code Verify last sent to number (by text or by call), as
// the phone would have shown it, read through the simulator's Verifications; the test
// fails unless that verification is pending.
func (s *Server) VerificationCode(tb testing.TB, number string) string {
	tb.Helper()
	one := 1
	resp, err := s.Client.ListSimulatorVerificationsWithResponse(context.Background(), s.AccountSid,
		&client.ListSimulatorVerificationsParams{To: &number, PageSize: &one})
	if err != nil {
		tb.Fatalf("switchboardtest: verification code for %s: %v", number, err)
	}
	if resp.JSON200 == nil {
		tb.Fatalf("switchboardtest: verification code for %s: HTTP %d %s", number, resp.StatusCode(), resp.Body)
	}
	if len(resp.JSON200.Verifications) == 0 {
		tb.Fatalf("switchboardtest: no verification code was sent to %s", number)
	}
	v := resp.JSON200.Verifications[0]
	if v.Status != client.VerificationStatusPending {
		tb.Fatalf("switchboardtest: the last verification to %s (%s) is %s, not pending", number, v.Sid, v.Status)
	}
	return v.Code
}

// Advance moves the simulator's clock forward by d, as if that much time had passed: a
// code expires, a scheduled message is sent, a webhook's retry comes due, a call's
// <Pause> ends. It returns the time the clock reads after the move.
func (s *Server) Advance(tb testing.TB, d time.Duration) time.Time {
	tb.Helper()
	by := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	resp, err := s.Client.UpdateClockWithFormdataBodyWithResponse(context.Background(), client.UpdateClockRequest{Advance: &by})
	if err != nil {
		tb.Fatalf("switchboardtest: advance the clock by %s: %v", d, err)
	}
	if resp.JSON200 == nil {
		tb.Fatalf("switchboardtest: advance the clock by %s: HTTP %d %s", d, resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Now
}

// waitLimit is how long the Wait helpers wait.
const waitLimit = 10 * time.Second

// WaitForMessage waits (up to 10 s) until one of the main account's messages matches, and
// returns it; the test fails otherwise. Use it to catch what your app sent, such as the
// reply to a text. It looks at every message the account has, then follows the account's
// event stream, so a burst of messages cannot hide the one it waits for.
func (s *Server) WaitForMessage(tb testing.TB, match func(client.Message) bool) client.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	m, err := s.waitForMessage(ctx, match)
	if err != nil {
		tb.Fatalf("switchboardtest: wait for a message: %v", err)
	}
	return m
}

// waitForMessage opens the event stream first, then reads every message (page by page),
// then the stream's message events: a message written after the stream's start shows in
// the stream, one written before in the list. A reset (the stream fell behind) reads the
// list again.
func (s *Server) waitForMessage(ctx context.Context, match func(client.Message) bool) (client.Message, error) {
	resp, err := s.Client.StreamEvents(ctx, s.AccountSid, nil)
	if err != nil {
		return client.Message{}, fmt.Errorf("event stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return client.Message{}, fmt.Errorf("event stream: HTTP %d %s", resp.StatusCode, body)
	}
	events := bufio.NewScanner(resp.Body)
	events.Buffer(make([]byte, 0, 64<<10), 4<<20) // a message event holds up to 1,600 characters of body
	for event, data := range sse(events) {
		switch event {
		case "ready", "reset":
			for m, err := range s.Client.Messages(ctx, s.AccountSid, nil) {
				if err != nil {
					return client.Message{}, fmt.Errorf("list messages: %w", err)
				}
				if match(m) {
					return m, nil
				}
			}
		case "message":
			var ev struct {
				Message *client.Message `json:"message"`
			}
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				return client.Message{}, fmt.Errorf("message event: %w", err)
			}
			if ev.Message != nil && match(*ev.Message) {
				return *ev.Message, nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return client.Message{}, fmt.Errorf("no matching message within %s", waitLimit)
	}
	if err := events.Err(); err != nil {
		return client.Message{}, fmt.Errorf("event stream: %w", err)
	}
	return client.Message{}, errors.New("the event stream ended")
}

// sse yields the events of a server-sent event stream: each event's type and data.
func sse(lines *bufio.Scanner) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		var event, data string
		for lines.Scan() {
			line := lines.Text()
			switch {
			case line == "":
				if event != "" && !yield(event, data) {
					return
				}
				event, data = "", ""
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			}
		}
	}
}
