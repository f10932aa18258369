package messaging

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// readCounter is a Store whose only method is GetMessage, which counts its calls: a step
// that reads anything else panics on the nil interface.
type readCounter struct {
	Store
	m     store.Message
	reads int
}

func (r *readCounter) GetMessage(_ context.Context, accountSid, sid string) (store.Message, error) {
	r.reads++
	if accountSid != r.m.AccountSid || sid != r.m.Sid {
		return store.Message{}, store.ErrNotFound
	}
	return r.m, nil
}

// TestStepCarriesItsMessage: a step takes its message from its job, not from a read, and
// passes it on, as changed, to the step after it; a step job written before steps carried
// their message (payload "{}") reads it.
func TestStepCarriesItsMessage(t *testing.T) {
	m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusQueued, To: "+15551230000", From: "+15557650000",
		StatusCallback: "https://app.example/status", NumSegments: 2, Direction: DirectionOutboundAPI}
	st := &readCounter{m: m}
	s := New(Config{Store: st, StepDelay: time.Second})

	job := s.stepJob(m, time.Now())
	var walked []string
	for range 3 {
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
		walked = append(walked, c.From[0]+">"+c.To)
		var hook, next []store.Job
		for _, j := range c.Jobs {
			switch j.Kind {
			case kindWebhook:
				hook = append(hook, j)
			case kindStep:
				next = append(next, j)
			}
		}
		var p webhookPayload
		if len(hook) != 1 || json.Unmarshal(hook[0].Payload, &p) != nil || p.Params["MessageStatus"] != c.To ||
			p.Params["From"] != m.From || p.Params["To"] != m.To {
			t.Fatalf("%s: status callback %+v, want one for %s from %s to %s", walked[len(walked)-1], p.Params, c.To, m.From, m.To)
		}
		if c.To == statusSent && c.Price != price(2, 0) {
			t.Errorf("sent at price %q, want %q for two segments", c.Price, price(2, 0))
		}
		if c.To == statusDelivered {
			if len(next) != 0 {
				t.Errorf("a step after delivered")
			}
			break
		}
		if len(next) != 1 {
			t.Fatalf("%s: %d next steps, want 1", walked[len(walked)-1], len(next))
		}
		job = next[0]
	}
	if want := []string{"queued>sending", "sending>sent", "sent>delivered"}; !slices.Equal(walked, want) {
		t.Errorf("steps %v, want %v", walked, want)
	}
	if st.reads != 0 {
		t.Errorf("%d reads of the message, want none", st.reads)
	}

	// A job from before: no message in it.
	st.m.Status = statusSent
	out, err := s.step(context.Background(), store.Job{Kind: kindStep, AccountSid: "AC1", ResourceSid: "SM1", Payload: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	if st.reads != 1 || len(out.Writes.StatusChanges) != 1 || out.Writes.StatusChanges[0].To != statusDelivered {
		t.Errorf("old job: %d reads, changes %+v; want one read, then delivered", st.reads, out.Writes.StatusChanges)
	}
	// Its message deleted meanwhile: nothing to do.
	out, err = s.step(context.Background(), store.Job{Kind: kindStep, AccountSid: "AC1", ResourceSid: "SM2", Payload: []byte("{}")})
	if err != nil || len(out.Writes.StatusChanges) != 0 {
		t.Errorf("old job of a deleted message: %+v, %v", out, err)
	}
}
