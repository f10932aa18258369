package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/store"
)

// stepStore is a Store with what a delivery step may read: the message (counted: a step
// should not need it) and one Messaging Service with one number. Anything else panics
// on the nil interface.
type stepStore struct {
	Store
	m     store.Message
	reads int
}

func (r *stepStore) GetMessage(_ context.Context, accountSid, sid string) (store.Message, error) {
	r.reads++
	if accountSid != r.m.AccountSid || sid != r.m.Sid {
		return store.Message{}, store.ErrNotFound
	}
	return r.m, nil
}

func (r *stepStore) GetMessagingService(_ context.Context, accountSid, sid string) (store.MessagingService, error) {
	if accountSid != "AC1" || sid != "MG1" {
		return store.MessagingService{}, store.ErrNotFound
	}
	return store.MessagingService{Sid: "MG1", AccountSid: "AC1"}, nil
}

func (r *stepStore) ServicePool(context.Context, string) (store.SenderPool, error) {
	return store.SenderPool{Numbers: []store.ServiceNumber{{PhoneNumber: "+15550001111", IsoCountry: "US",
		Capabilities: store.Capabilities{SMS: true}}}}, nil
}

func (r *stepStore) OptedOut(context.Context, string, string, string) (bool, error) {
	return false, nil
}

// TestStepCarriesItsMessage: a delivery walks from its first step to its end through the
// jobs alone, each step taking its message from its job and passing it on, as changed, to
// the next, with no read of the message; each change is guarded by the status before it,
// and each status callback names the message as it is then.
func TestStepCarriesItsMessage(t *testing.T) {
	tests := []struct {
		name       string
		m          store.Message
		walk       []string
		from       string // the sender the callbacks name
		errorCode  string // the final callback's ErrorCode
		serviceSid string // the callbacks' MessagingServiceSid
	}{
		{"delivered", store.Message{Status: statusQueued, To: "+15551230000", From: "+15557650000"},
			[]string{"queued>sending", "sending>sent", "sent>delivered"}, "+15557650000", "", ""},
		{"undelivered", store.Message{Status: statusQueued, To: "+15553000003", From: "+15557650000"},
			[]string{"queued>sending", "sending>sent", "sent>undelivered"}, "+15557650000", "30003", ""},
		{"sender from a Messaging Service", store.Message{Status: statusAccepted, To: "+15551230000", MessagingServiceSid: "MG1"},
			[]string{"accepted>queued", "queued>sending", "sending>sent", "sent>delivered"}, "+15550001111", "", "MG1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			m.AccountSid, m.Sid, m.StatusCallback, m.NumSegments = "AC1", "SM1", "https://app.example/status", 2
			st := &stepStore{m: m}
			s := New(Config{Store: st, StepDelay: time.Second})
			job := s.stepJob(m, time.Now())
			var walked []string
			for job.Kind == kindStep {
				out, err := s.step(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Writes.StatusChanges) != 1 {
					t.Fatalf("after %v: %d status changes, want 1", walked, len(out.Writes.StatusChanges))
				}
				c := out.Writes.StatusChanges[0]
				if c.AccountSid != "AC1" || c.Sid != "SM1" || len(c.From) != 1 {
					t.Fatalf("change %+v: not of SM1, or not guarded by one status", c)
				}
				step := c.From[0] + ">" + c.To
				walked = append(walked, step)
				if (c.To == statusSending) != !c.DateSent.IsZero() {
					t.Errorf("%s: date_sent %v; it is set on sending, and only then", step, c.DateSent)
				}
				if c.To == statusSent && c.Price != price(2, 0) {
					t.Errorf("sent at price %q, want %q for two segments", c.Price, price(2, 0))
				}
				if c.To == statusQueued && c.Sender != tt.from {
					t.Errorf("%s: sender %q, want %q", step, c.Sender, tt.from)
				}
				job = store.Job{}
				var hooks []phone.Webhook
				for _, j := range c.Jobs {
					switch j.Kind {
					case kindStep:
						job = j
					case kindWebhook:
						var p phone.Webhook
						if err := json.Unmarshal(j.Payload, &p); err != nil {
							t.Fatal(err)
						}
						hooks = append(hooks, p)
					}
				}
				if len(hooks) != 1 {
					t.Fatalf("%s: %d status callbacks, want 1", step, len(hooks))
				}
				p := hooks[0].Params
				wantCode := ""
				if job.Kind == "" {
					wantCode = tt.errorCode
				}
				if p["MessageStatus"] != c.To || p["From"] != tt.from || p["To"] != m.To || p["ErrorCode"] != wantCode ||
					p["MessagingServiceSid"] != tt.serviceSid {
					t.Errorf("%s: status callback %v, want %s from %s to %s, ErrorCode %q, MessagingServiceSid %q",
						step, p, c.To, tt.from, m.To, wantCode, tt.serviceSid)
				}
				if len(walked) > len(tt.walk) {
					t.Fatalf("steps %v go on past %v", walked, tt.walk)
				}
			}
			if !slices.Equal(walked, tt.walk) {
				t.Errorf("steps %v, want %v", walked, tt.walk)
			}
			if st.reads != 0 {
				t.Errorf("%d reads of the message, want none", st.reads)
			}
		})
	}
}

// TestStepOfAJobFromBefore: a step job written before steps carried their message
// (payload "{}") reads it; when it was deleted meanwhile, there is nothing to do.
func TestStepOfAJobFromBefore(t *testing.T) {
	st := &stepStore{m: store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusSent, To: "+15551230000", From: "+15557650000"}}
	s := New(Config{Store: st})
	out, err := s.step(context.Background(), store.Job{Kind: kindStep, AccountSid: "AC1", ResourceSid: "SM1", Payload: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	if st.reads != 1 || len(out.Writes.StatusChanges) != 1 || out.Writes.StatusChanges[0].To != statusDelivered {
		t.Errorf("%d reads, changes %+v; want one read, then delivered", st.reads, out.Writes.StatusChanges)
	}
	out, err = s.step(context.Background(), store.Job{Kind: kindStep, AccountSid: "AC1", ResourceSid: "SM2", Payload: []byte("{}")})
	if err != nil || len(out.Writes.StatusChanges) != 0 {
		t.Errorf("a deleted message's step: %+v, %v; want nothing", out, err)
	}
}

// TestStepFailures: a step whose Messaging Service cannot pick a sender fails the message
// with the rule's code, for good; failures of Switchboard's own retry the step; a step of
// a message that moved on does nothing.
func TestStepFailures(t *testing.T) {
	ctx := context.Background()
	m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusAccepted, To: "+14155550100", MessagingServiceSid: "MG1",
		StatusCallback: "https://cb"}
	st := newFakeStore()
	st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1"} // an empty pool
	s := New(Config{Store: st})
	out, err := s.step(ctx, s.stepJob(m, time.Now()))
	if err != nil || len(out.Writes.StatusChanges) != 1 {
		t.Fatalf("%+v, %v", out, err)
	}
	c := out.Writes.StatusChanges[0]
	jobs := decodeJobs(t, c.Jobs)
	if c.To != statusFailed || c.ErrorCode != 21606 || !strings.HasPrefix(c.ErrorMessage, "Messaging Service MG1 has no sender") ||
		c.Sender != "" || len(jobs.steps) != 0 || len(jobs.hooks) != 1 || jobs.hooks[0].Params["ErrorCode"] != "21606" {
		t.Errorf("change %+v, jobs %+v", c, jobs)
	}

	st.fail["ServicePool"] = errDisk
	if _, err := s.step(ctx, s.stepJob(m, time.Now())); !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "delivery step: ") {
		t.Errorf("the pool failing: %v", err)
	}
	st.fail = map[string]error{"GetMessage": errDisk}
	if _, err := s.step(ctx, store.Job{Kind: kindStep, AccountSid: "AC1", ResourceSid: "SM1", Payload: []byte("{}")}); !errors.Is(err, errDisk) ||
		!strings.HasPrefix(err.Error(), "delivery step: ") {
		t.Errorf("the message failing to read: %v", err)
	}
	if _, err := s.step(ctx, store.Job{Kind: kindStep, AccountSid: "AC1", ResourceSid: "SM1", Payload: []byte("{")}); err == nil ||
		!strings.Contains(err.Error(), "payload") {
		t.Errorf("a payload that cannot be read: %v", err)
	}
	for _, status := range []string{statusDelivered, statusCanceled, statusFailed, statusReceived, statusRead} {
		done := m
		done.Status = status
		if out, err := s.step(ctx, s.stepJob(done, time.Now())); err != nil || len(out.Writes.StatusChanges) != 0 || len(out.Writes.Jobs) != 0 {
			t.Errorf("a step of a %s message: %+v, %v", status, out, err)
		}
	}
}

// TestStepTiming: the next step is due a step delay after this one, and a step's change
// is dated now, in whole seconds.
func TestStepTiming(t *testing.T) {
	s := New(Config{Store: newFakeStore(), StepDelay: time.Hour})
	m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusQueued, To: "+14155550100", From: "+14155550199"}
	before := time.Now()
	out, err := s.step(context.Background(), s.stepJob(m, before))
	if err != nil {
		t.Fatal(err)
	}
	c := out.Writes.StatusChanges[0]
	next := decodeJobs(t, c.Jobs).stepJobs
	if len(next) != 1 || next[0].DueAt.Before(before.Add(time.Hour)) || next[0].DueAt.After(time.Now().Add(time.Hour)) {
		t.Errorf("next step %+v, want an hour from now", next)
	}
	if c.DateUpdated.Nanosecond() != 0 || c.DateUpdated.Location() != time.UTC || c.DateUpdated.Before(before.Add(-time.Second)) ||
		!c.DateSent.Equal(c.DateUpdated) {
		t.Errorf("dated %v, sent %v", c.DateUpdated, c.DateSent)
	}
	if len(decodeJobs(t, c.Jobs).hooks) != 0 {
		t.Errorf("a message without a StatusCallback got a callback")
	}
}

// TestCallbackJobs: a status callback carries Twilio's parameters, and goes on the
// message's queue, so that callbacks arrive in order.
func TestCallbackJobs(t *testing.T) {
	s := New(Config{})
	now := time.Now()
	m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusUndelivered, ErrorCode: 30003, To: "+14155550100",
		From: "+14155550199", StatusCallback: "https://app.example/status", MessagingServiceSid: "MG1"}
	jobs := s.callbackJobs(m, now)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	j := jobs[0]
	p := decodeJobs(t, jobs).hooks[0]
	want := map[string]string{"MessageSid": "SM1", "SmsSid": "SM1", "MessageStatus": statusUndelivered, "SmsStatus": statusUndelivered,
		"AccountSid": "AC1", "From": "+14155550199", "To": "+14155550100", "ApiVersion": "2010-04-01", "ErrorCode": "30003",
		"MessagingServiceSid": "MG1"}
	if j.Kind != kindWebhook || j.Queue != "webhook:SM1" || j.ResourceSid != "SM1" || j.AccountSid != "AC1" || !j.DueAt.Equal(now) ||
		p.Event != EventMessageStatus || p.URL != m.StatusCallback || p.Method != "POST" || !maps.Equal(p.Params, want) {
		t.Errorf("job %+v, payload %+v", j, p)
	}
	m.ErrorCode, m.MessagingServiceSid = 0, ""
	p = decodeJobs(t, s.callbackJobs(m, now)).hooks[0]
	if _, ok := p.Params["ErrorCode"]; ok {
		t.Errorf("ErrorCode 0 sent: %v", p.Params)
	}
	if _, ok := p.Params["MessagingServiceSid"]; ok {
		t.Errorf("no service, yet MessagingServiceSid: %v", p.Params)
	}
}
