package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/store"
)

var account = store.Account{Sid: "AC1", AuthToken: "token-1"}

// ruleCode is the code of a *phone.RuleError, 0 for nil, -1 for any other error.
func ruleCode(err error) int {
	var rule *phone.RuleError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &rule):
		return rule.Code
	}
	return -1
}

// jobsOf splits jobs by kind and decodes their payloads.
type decodedJobs struct {
	steps    []stepMessage
	stepJobs []store.Job
	hooks    []phone.Webhook
	hookJobs []store.Job
	media    []mediaThen
}

func decodeJobs(t *testing.T, jobs []store.Job) decodedJobs {
	t.Helper()
	var d decodedJobs
	for _, j := range jobs {
		var err error
		switch j.Kind {
		case kindStep:
			var p stepMessage
			err = json.Unmarshal(j.Payload, &p)
			d.steps, d.stepJobs = append(d.steps, p), append(d.stepJobs, j)
		case kindWebhook:
			var p phone.Webhook
			err = json.Unmarshal(j.Payload, &p)
			d.hooks, d.hookJobs = append(d.hooks, p), append(d.hookJobs, j)
		case kindMedia:
			var p mediaThen
			err = json.Unmarshal(j.Payload, &p)
			d.media = append(d.media, p)
		default:
			t.Fatalf("job of kind %q", j.Kind)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestConfigDefaults(t *testing.T) {
	for _, tt := range []struct {
		name      string
		cfg       Config
		stepDelay time.Duration
		maxMedia  int64
	}{
		{"zero", Config{}, 100 * time.Millisecond, 5 << 20},
		{"negative", Config{StepDelay: -time.Second, MaxMediaBytes: -1}, 100 * time.Millisecond, 5 << 20},
		{"the least", Config{StepDelay: time.Nanosecond, MaxMediaBytes: 1}, time.Nanosecond, 1},
		{"set", Config{StepDelay: 3 * time.Second, MaxMediaBytes: 1 << 10}, 3 * time.Second, 1 << 10},
	} {
		s := New(tt.cfg)
		if s.stepDelay != tt.stepDelay || s.maxMedia != tt.maxMedia || s.log == nil {
			t.Errorf("%s: step delay %s, max media %d, log %v; want %s, %d", tt.name, s.stepDelay, s.maxMedia, s.log, tt.stepDelay, tt.maxMedia)
		}
	}
	log := slog.New(slog.DiscardHandler)
	if s := New(Config{Logger: log, BaseURL: "http://sb"}); s.log != log || s.baseURL != "http://sb" {
		t.Errorf("logger or base URL not kept")
	}
}

func TestKinds(t *testing.T) {
	kinds := New(Config{}).Kinds()
	for kind, lease := range map[string]time.Duration{kindStep: 2 * time.Second, kindWebhook: 3 * time.Second, kindMedia: 3 * time.Second} {
		if k, ok := kinds[kind]; !ok || k.Handle == nil || k.Lease != lease {
			t.Errorf("kind %s: %+v, want a handler and a %s lease", kind, k, lease)
		}
	}
	if len(kinds) != 3 {
		t.Errorf("%d kinds", len(kinds))
	}
}

// TestMagicNumbers: Twilio's magic numbers refuse a message with Twilio's code, To before
// From, whoever sends it.
func TestMagicNumbers(t *testing.T) {
	tests := []struct {
		to, from string
		code     int
		message  string
	}{
		{"+15005550001", phone.MagicFrom, 21211, "The 'To' number +15005550001 is not a valid phone number."},
		{"+15005550002", phone.MagicFrom, 21612, "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS."},
		{"+15005550003", phone.MagicFrom, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003."},
		{"+15005550004", phone.MagicFrom, 21610, "Attempt to send to unsubscribed recipient"},
		{"+15005550009", phone.MagicFrom, 21614, "'To' number +15005550009 is not a valid mobile number"},
		{"+14155550100", "+15005550001", 21212, "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."},
		{"+14155550100", "+15005550007", 21606, "The 'From' phone number provided (+15005550007) is not a valid message-capable Twilio phone number for this destination/account."},
		{"+14155550100", "+15005550008", 21611, "This 'From' number has exceeded the maximum number of queued messages."},
		{"+15005550001", "+15005550008", 21211, "The 'To' number +15005550001 is not a valid phone number."}, // To first
		{"+14155550100", phone.MagicFrom, 0, ""},
		{"+15005550006", phone.MagicFrom, 0, ""},
	}
	for _, tt := range tests {
		out := Outbound{To: tt.to, From: tt.from, Body: "hi"}
		e := magicRule(out)
		if (e == nil) != (tt.code == 0) || (e != nil && (e.Code != tt.code || e.Message != tt.message)) {
			t.Errorf("magicRule(%s -> %s) = %+v, want %d %q", tt.from, tt.to, e, tt.code, tt.message)
		}
		// Send and a TwiML reply's check refuse the same, before anything is read or written.
		st := newFakeStore()
		st.fail["SenderCheck"], st.fail["OptedOut"] = errDisk, errDisk
		s := New(Config{Store: st})
		if tt.code == 0 {
			continue
		}
		if _, err := s.Send(context.Background(), account, out); ruleCode(err) != tt.code {
			t.Errorf("Send(%s -> %s): %v, want %d", tt.from, tt.to, err, tt.code)
		}
		if err := s.checkSend(context.Background(), account, out); ruleCode(err) != tt.code {
			t.Errorf("checkSend(%s -> %s): %v, want %d", tt.from, tt.to, err, tt.code)
		}
		if len(st.applied) != 0 {
			t.Errorf("%s -> %s: a refused message was written", tt.from, tt.to)
		}
	}
}

// TestMustOwn: an account must own the number it sends from, but not an alphanumeric
// sender ID, nor Twilio's magic sender.
func TestMustOwn(t *testing.T) {
	for from, want := range map[string]bool{
		"+14155550100": true, "12345": true, phone.MagicFrom: false, "Switchboard": false, "ACME 2": false, "+15005550007": true,
	} {
		if got := mustOwn(from); got != want {
			t.Errorf("mustOwn(%q) = %v, want %v", from, got, want)
		}
	}
}

// TestSend: who may send, and what a message that may is written as.
func TestSend(t *testing.T) {
	const (
		ours   = "+14155550199"
		theirs = "+14155550100"
	)
	tests := []struct {
		name     string
		out      Outbound
		optOut   bool // theirs opted out of ours
		own      bool // AC1 owns ours
		code     int
		status   string
		callback string
	}{
		{"an owned number", Outbound{To: theirs, From: ours, Body: "hi"}, false, true, 0, statusQueued, ""},
		{"a number not owned", Outbound{To: theirs, From: ours, Body: "hi"}, false, false, 21606, "", ""},
		{"an opted-out recipient", Outbound{To: theirs, From: ours, Body: "hi"}, true, true, 21610, "", ""},
		{"the magic sender, not owned", Outbound{To: theirs, From: phone.MagicFrom, Body: "hi"}, false, false, 0, statusQueued, ""},
		{"the magic sender, opted out", Outbound{To: theirs, From: phone.MagicFrom, Body: "hi"}, true, false, 21610, "", ""},
		{"an alpha sender", Outbound{To: "+447700900123", From: "Switchboard", Body: "hi"}, false, false, 0, statusQueued, ""},
		{"the network's own number", Outbound{To: theirs, From: ours, Body: "code", Network: true}, false, false, 0, statusQueued, ""},
		{"the network's own number, opted out", Outbound{To: theirs, From: ours, Body: "code", Network: true}, true, false, 21610, "", ""},
		{"a service picks the sender", Outbound{To: theirs, MessagingServiceSid: "MG1", Body: "hi"}, false, false, 0, statusAccepted, "https://svc.example/status"},
		{"a service's callback, unless the message has one", Outbound{To: theirs, MessagingServiceSid: "MG1", StatusCallback: "https://app.example/own"},
			false, false, 0, statusAccepted, "https://app.example/own"},
		{"a service and a From", Outbound{To: theirs, From: ours, MessagingServiceSid: "MG1", Body: "hi"}, false, true, 0, statusQueued, "https://svc.example/status"},
		{"another account's service", Outbound{To: theirs, MessagingServiceSid: "MG2", Body: "hi"}, false, false, 21701, "", ""},
		{"no such service", Outbound{To: theirs, MessagingServiceSid: "MG9", Body: "hi"}, false, false, 21701, "", ""},
		{"scheduled", Outbound{To: theirs, From: ours, Body: "hi", SendAt: time.Now().Add(time.Hour)}, false, true, 0, statusScheduled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1", StatusCallback: "https://svc.example/status"}
			st.services["MG2"] = store.MessagingService{Sid: "MG2", AccountSid: "AC2"}
			if tt.own {
				st.own("AC1", ours)
			}
			if tt.optOut {
				st.optOut("AC1", tt.out.From, theirs)
			}
			s := New(Config{Store: st, StepDelay: time.Second})
			before := time.Now()
			m, err := s.Send(context.Background(), account, tt.out)
			if ruleCode(err) != tt.code {
				t.Fatalf("Send: %v, want code %d", err, tt.code)
			}
			if tt.code != 0 {
				if len(st.applied) != 0 {
					t.Errorf("a refused message was written")
				}
				return
			}
			if m.Status != tt.status || m.StatusCallback != tt.callback || !strings.HasPrefix(m.Sid, "SM") || m.AccountSid != "AC1" ||
				m.Direction != DirectionOutboundAPI || m.NumSegments != 1 || m.To != tt.out.To || m.From != tt.out.From ||
				m.MessagingServiceSid != tt.out.MessagingServiceSid {
				t.Errorf("message %+v", m)
			}
			if len(st.applied) != 1 {
				t.Fatalf("%d writes", len(st.applied))
			}
			w := st.applied[0]
			switch rule := w.Sender; {
			case tt.out.From == "" && rule != nil:
				t.Errorf("a message without a From is written with a sender rule %+v", rule)
			case tt.out.From != "" && (rule == nil || *rule != store.SenderRule{AccountSid: "AC1", Sender: tt.out.From, Recipient: tt.out.To, MustOwn: mustOwn(tt.out.From) && !tt.out.Network}):
				t.Errorf("sender rule %+v", rule)
			}
			jobs := decodeJobs(t, w.Jobs)
			if len(w.Messages) != 1 || len(jobs.steps) != 1 || jobs.steps[0].Status != tt.status {
				t.Fatalf("writes %+v", w)
			}
			due := jobs.stepJobs[0].DueAt
			if want := tt.out.SendAt; !want.IsZero() && (!due.Equal(want) || !m.SendAt.Equal(want)) {
				t.Errorf("first step at %s, send at %s; want both %s", due, m.SendAt, want)
			}
			if tt.out.SendAt.IsZero() && (due.Before(before.Add(time.Second)) || due.After(time.Now().Add(time.Second))) {
				t.Errorf("first step at %s, want the step delay after %s", due, before)
			}
		})
	}
}

// TestSendFailures: failures of Switchboard's own are errors, never rules of the network.
func TestSendFailures(t *testing.T) {
	for _, method := range []string{"Apply", "GetMessagingService"} {
		st := newFakeStore()
		st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1"}
		st.own("AC1", "+14155550199")
		st.fail[method] = errDisk
		_, err := New(Config{Store: st}).Send(context.Background(), account,
			Outbound{To: "+14155550100", From: "+14155550199", MessagingServiceSid: "MG1", Body: "hi"})
		if !errors.Is(err, errDisk) || ruleCode(err) != -1 {
			t.Errorf("%s failing: %v", method, err)
		}
	}
}

// TestCheckSend: the rules of a TwiML reply, read before writing (it is written failed
// when it breaks one).
func TestCheckSend(t *testing.T) {
	st := newFakeStore()
	st.own("AC1", "+14155550199")
	st.optOut("AC1", "+14155550199", "+14155550101")
	st.optOut("AC1", "Switchboard", "+447700900101")
	s := New(Config{Store: st})
	for _, tt := range []struct {
		from, to string
		code     int
	}{
		{"+14155550199", "+14155550100", 0},
		{"+14155550198", "+14155550100", 21606},
		{"+14155550199", "+14155550101", 21610},
		{"Switchboard", "+447700900100", 0},
		{"Switchboard", "+447700900101", 21610},
		{phone.MagicFrom, "+14155550100", 0},
		{"", "+14155550100", 0}, // no sender yet: the service picks one
	} {
		err := s.checkSend(context.Background(), account, Outbound{From: tt.from, To: tt.to})
		if ruleCode(err) != tt.code {
			t.Errorf("%s -> %s: %v, want %d", tt.from, tt.to, err, tt.code)
		}
		if tt.code == 21606 && err.Error() != "21606: The 'From' phone number provided (+14155550198) is not a valid message-capable Twilio phone number for this destination/account." {
			t.Errorf("not the sender: %q", err)
		}
		if tt.code == 21610 && err.Error() != "21610: Attempt to send to unsubscribed recipient: "+tt.to+" replied STOP to "+tt.from+". They can reply START to opt back in." {
			t.Errorf("opted out: %q", err)
		}
	}
	for _, method := range []string{"SenderCheck", "OptedOut"} {
		st.fail = map[string]error{method: errDisk}
		for _, from := range []string{"+14155550199", "Switchboard"} {
			err := s.checkSend(context.Background(), account, Outbound{From: from, To: "+14155550100"})
			want := (method == "SenderCheck") == (from != "Switchboard")
			if got := errors.Is(err, errDisk); got != want || (got && !strings.HasPrefix(err.Error(), "send message: ")) {
				t.Errorf("%s failing, from %s: %v", method, from, err)
			}
		}
	}
}

// TestPlanOutbound: a message with media fetches them first, its delivery step waiting in
// the fetch; a reply keeps its direction.
func TestPlanOutbound(t *testing.T) {
	s := New(Config{StepDelay: time.Second})
	now := time.Date(2026, 3, 1, 12, 0, 0, 700_000_000, time.FixedZone("X", 3600))
	m, w := s.planOutbound(account, Outbound{To: "+14155550100", From: "+14155550199", Body: strings.Repeat("a", 161),
		MediaURLs: []string{"https://x/a.png", "https://x/b.png"}, Direction: DirectionOutboundReply, StatusCallback: "https://cb"}, now)
	want := now.UTC().Truncate(time.Second)
	if m.Direction != DirectionOutboundReply || m.NumSegments != 2 || m.NumMedia != 2 || !m.DateCreated.Equal(want) ||
		!m.DateUpdated.Equal(want) || m.DateCreated.Location() != time.UTC || m.Status != statusQueued || len(m.MediaURLs) != 2 {
		t.Errorf("message %+v", m)
	}
	jobs := decodeJobs(t, w.Jobs)
	if len(w.Jobs) != 1 || len(jobs.media) != 1 || jobs.media[0].Step == nil || jobs.media[0].Webhook != nil {
		t.Fatalf("jobs %+v", w.Jobs)
	}
	if w.Jobs[0].ResourceSid != m.Sid || w.Jobs[0].AccountSid != "AC1" {
		t.Errorf("media job %+v", w.Jobs[0])
	}
	step := decodeJobs(t, []store.Job{*jobs.media[0].Step})
	if len(step.steps) != 1 || step.steps[0].Status != statusQueued || step.steps[0].NumMedia != 2 || step.steps[0].StatusCallback != "https://cb" {
		t.Errorf("the step in the fetch: %+v", step.steps)
	}
	if len(w.Media) != 2 || w.Media[0].URL != "https://x/a.png" || w.Media[1].URL != "https://x/b.png" ||
		w.Media[0].MessageSid != m.Sid || w.Media[0].AccountSid != "AC1" || !strings.HasPrefix(w.Media[0].Sid, "ME") ||
		w.Media[0].Sid == w.Media[1].Sid || !w.Media[0].DateCreated.Equal(want) || !w.Media[1].DateUpdated.Equal(want) {
		t.Errorf("media %+v", w.Media)
	}
}

func TestCancel(t *testing.T) {
	st := newFakeStore()
	st.messages["SM1"] = store.Message{Sid: "SM1", AccountSid: "AC1", Status: statusScheduled, To: "+14155550100",
		From: "+14155550199", StatusCallback: "https://cb"}
	st.messages["SM2"] = store.Message{Sid: "SM2", AccountSid: "AC1", Status: statusSent}
	s := New(Config{Store: st})
	m, err := s.Cancel(context.Background(), account, "SM1")
	if err != nil || m.Status != statusCanceled {
		t.Fatalf("cancel: %+v, %v", m, err)
	}
	c := st.changes[0]
	jobs := decodeJobs(t, c.Jobs)
	if c.To != statusCanceled || len(c.From) != 1 || c.From[0] != statusScheduled || c.CancelJobsOfKind != kindStep ||
		len(jobs.hooks) != 1 || jobs.hooks[0].Params["MessageStatus"] != statusCanceled || c.DateUpdated.IsZero() {
		t.Errorf("change %+v, callbacks %+v", c, jobs.hooks)
	}
	if _, err := s.Cancel(context.Background(), account, "SM2"); !errors.Is(err, store.ErrConflict) || !strings.HasPrefix(err.Error(), "cancel message: ") {
		t.Errorf("cancel a sent message: %v", err)
	}
	if _, err := s.Cancel(context.Background(), account, "SM9"); !errors.Is(err, store.ErrNotFound) || !strings.HasPrefix(err.Error(), "cancel message: ") {
		t.Errorf("cancel a message that is not: %v", err)
	}
}

// TestForceStatus: which statuses can be forced, with which error codes, and what the
// change sets.
func TestForceStatus(t *testing.T) {
	tests := []struct {
		name       string
		direction  string
		sent       bool // the message has a date_sent already
		status     string
		errorCode  int
		code       int // the rule broken
		wantCode   int // the message's error code
		wantSent   bool
		wantMsgErr string
	}{
		{"delivered", DirectionOutboundAPI, false, statusDelivered, 0, 0, 0, true, ""},
		{"delivered, sent before", DirectionOutboundAPI, true, statusDelivered, 0, 0, 0, false, ""},
		{"sent", DirectionOutboundAPI, false, statusSent, 0, 0, 0, true, ""},
		{"read", DirectionOutboundReply, false, statusRead, 0, 0, 0, true, ""},
		{"undelivered with a code", DirectionOutboundAPI, false, statusUndelivered, 30003, 0, 30003, true, "Unreachable destination handset"},
		{"undelivered without one", DirectionOutboundAPI, false, statusUndelivered, 0, 0, 30008, true, "Unknown error"},
		{"failed", DirectionOutboundAPI, false, statusFailed, 30006, 0, 30006, false, "Landline or unreachable carrier"},
		{"canceled", DirectionOutboundAPI, false, statusCanceled, 0, 0, 0, false, ""},
		{"a status that cannot be forced", DirectionOutboundAPI, false, statusQueued, 0, 20001, 0, false, ""},
		{"a code without a failure", DirectionOutboundAPI, false, statusDelivered, 30003, 20001, 0, false, ""},
		{"an inbound message", DirectionInbound, false, statusDelivered, 0, 20001, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			m := store.Message{Sid: "SM1", AccountSid: "AC1", Status: statusSending, Direction: tt.direction, NumSegments: 3,
				StatusCallback: "https://cb"}
			if tt.sent {
				m.DateSent = time.Unix(1, 0)
			}
			st.messages["SM1"] = m
			got, err := New(Config{Store: st}).ForceStatus(context.Background(), account, "SM1", tt.status, tt.errorCode)
			if ruleCode(err) != tt.code {
				t.Fatalf("%v, want code %d", err, tt.code)
			}
			if tt.code != 0 {
				if len(st.changes) != 0 {
					t.Errorf("a refused change was made")
				}
				return
			}
			c := st.changes[0]
			if got.Status != tt.status || c.To != tt.status || c.ErrorCode != tt.wantCode || c.ErrorMessage != tt.wantMsgErr ||
				c.CancelJobsOfKind != kindStep || len(c.From) != 1 || c.From[0] != statusSending {
				t.Errorf("change %+v", c)
			}
			if (!c.DateSent.IsZero()) != tt.wantSent || (c.Price == price(3, 0)) != tt.wantSent || (!tt.wantSent && c.Price != "") {
				t.Errorf("date sent %v, price %q; want them set: %v", c.DateSent, c.Price, tt.wantSent)
			}
			hooks := decodeJobs(t, c.Jobs).hooks
			wantErrCode := ""
			if tt.wantCode != 0 {
				wantErrCode = strconv.Itoa(tt.wantCode)
			}
			if len(hooks) != 1 || hooks[0].Params["MessageStatus"] != tt.status || hooks[0].Params["ErrorCode"] != wantErrCode {
				t.Errorf("callbacks %+v", hooks)
			}
		})
	}
	st := newFakeStore()
	if _, err := New(Config{Store: st}).ForceStatus(context.Background(), account, "SM9", statusSent, 0); !errors.Is(err, store.ErrNotFound) ||
		!strings.HasPrefix(err.Error(), "force status: ") {
		t.Errorf("a message that is not: %v", err)
	}
	st.messages["SM1"] = store.Message{Sid: "SM1", AccountSid: "AC1", Status: statusSent, Direction: DirectionOutboundAPI}
	st.fail["ChangeStatus"] = errDisk
	if _, err := New(Config{Store: st}).ForceStatus(context.Background(), account, "SM1", statusDelivered, 0); !errors.Is(err, errDisk) ||
		!strings.HasPrefix(err.Error(), "force status: ") {
		t.Errorf("the change failing: %v", err)
	}
	// The messages of refusals.
	for _, tt := range []struct {
		status, direction string
		code              int
		want              string
	}{
		{"queued", DirectionOutboundAPI, 0, "20001: Status \"queued\" cannot be forced; use one of [sent delivered undelivered failed read canceled]."},
		{"sent", DirectionOutboundAPI, 30001, "20001: ErrorCode goes with Status undelivered or failed only."},
		{"sent", DirectionInbound, 0, "20001: Message SM1 is inbound; only outbound messages have a delivery status to force."},
	} {
		st.fail = map[string]error{}
		st.messages["SM1"] = store.Message{Sid: "SM1", AccountSid: "AC1", Status: statusReceived, Direction: tt.direction}
		if _, err := New(Config{Store: st}).ForceStatus(context.Background(), account, "SM1", tt.status, tt.code); err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}

func TestDeleteAndClear(t *testing.T) {
	st := newFakeStore()
	for sid, status := range map[string]string{"SM1": statusDelivered, "SM2": statusSending, "SM3": statusQueued, "SM4": statusAccepted} {
		st.messages[sid] = store.Message{Sid: sid, AccountSid: "AC1", Status: status}
	}
	st.messages["SM5"] = store.Message{Sid: "SM5", AccountSid: "AC2", Status: statusDelivered}
	s := New(Config{Store: st})
	if err := s.Delete(context.Background(), account, "SM1"); err != nil || len(st.deleted) != 1 {
		t.Errorf("delete a delivered message: %v", err)
	}
	if busy := st.busy["SM1"]; strings.Join(busy, ",") != "accepted,queued,sending" {
		t.Errorf("busy statuses %v", busy)
	}
	err := s.Delete(context.Background(), account, "SM2")
	if err == nil || err.Error() != "20009: Cannot delete message SM2 because it is still being processed (status [accepted queued sending]); delete it once it is delivered, failed or canceled." {
		t.Errorf("delete a busy message: %v", err)
	}
	if err := s.Delete(context.Background(), account, "SM9"); !errors.Is(err, store.ErrNotFound) || !strings.HasPrefix(err.Error(), "delete message: ") {
		t.Errorf("delete a message that is not: %v", err)
	}
	if n, err := s.Clear(context.Background(), account); n != 3 || err != nil {
		t.Errorf("clear: %d, %v; want the account's 3", n, err)
	}
	st.fail["ClearMessages"] = errDisk
	if n, err := s.Clear(context.Background(), account); n != 0 || !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "clear messages: ") {
		t.Errorf("clear failing: %d, %v", n, err)
	}
}

// TestMessageSidPrefix: a message with media is MM…, one without SM…, sent through the
// API, as a TwiML reply, or received; an incoming message's webhook names it so.
func TestMessageSidPrefix(t *testing.T) {
	const ours, theirs = "+14155550199", "+14155550100"
	media := []string{"https://x/a.png"}
	for _, tt := range []struct {
		name   string
		make   func(*Service, *fakeStore) (store.Message, error)
		prefix string
	}{
		{"a text", func(s *Service, _ *fakeStore) (store.Message, error) {
			return s.Send(context.Background(), account, Outbound{To: theirs, From: phone.MagicFrom, Body: "hi"})
		}, "SM"},
		{"a picture", func(s *Service, _ *fakeStore) (store.Message, error) {
			return s.Send(context.Background(), account, Outbound{To: theirs, From: phone.MagicFrom, MediaURLs: media})
		}, "MM"},
		{"a text reply", func(s *Service, _ *fakeStore) (store.Message, error) {
			w, err := s.planReply(context.Background(), account, Outbound{To: theirs, From: phone.MagicFrom, Body: "hi", Direction: DirectionOutboundReply}, time.Now())
			return w.Messages[0], err
		}, "SM"},
		{"a picture reply", func(s *Service, _ *fakeStore) (store.Message, error) {
			w, err := s.planReply(context.Background(), account, Outbound{To: theirs, From: phone.MagicFrom, MediaURLs: media, Direction: DirectionOutboundReply}, time.Now())
			return w.Messages[0], err
		}, "MM"},
		{"a text received", func(s *Service, _ *fakeStore) (store.Message, error) {
			return s.Receive(context.Background(), account, Inbound{From: aPhone, To: ourNumber, Body: "hi"})
		}, "SM"},
		{"a picture received", func(s *Service, _ *fakeStore) (store.Message, error) {
			return s.Receive(context.Background(), account, Inbound{From: aPhone, To: ourNumber, MediaURLs: media})
		}, "MM"},
	} {
		st := receiveStore()
		st.own("AC1", ours)
		m, err := tt.make(New(Config{Store: st}), st)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !strings.HasPrefix(m.Sid, tt.prefix) || len(m.Sid) != 34 {
			t.Errorf("%s: sid %s, want %s…", tt.name, m.Sid, tt.prefix)
		}
		for _, w := range st.applied {
			for _, md := range w.Media {
				if md.MessageSid != m.Sid {
					t.Errorf("%s: media of %s, want %s", tt.name, md.MessageSid, m.Sid)
				}
			}
			jobs := decodeJobs(t, w.Jobs)
			for _, then := range jobs.media {
				if then.Webhook != nil && (then.Webhook.Params["MessageSid"] != m.Sid || then.Webhook.Params["SmsMessageSid"] != m.Sid) {
					t.Errorf("%s: webhook params %v", tt.name, then.Webhook.Params)
				}
			}
		}
	}
}
