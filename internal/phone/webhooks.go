package phone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// Webhook is a webhook job's payload: the request to make, and what it is for.
type Webhook struct {
	Event          string            `json:"event"` // as recorded in WebhookDeliveries
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	FallbackURL    string            `json:"fallback_url,omitempty"`
	FallbackMethod string            `json:"fallback_method,omitempty"`
	Params         map[string]string `json:"params"`
	// Redirects counts the <Redirect>s followed to come to this request (an incoming
	// message's TwiML), to stop a document that redirects to itself.
	Redirects int    `json:"redirects,omitempty"`
	ReplayOf  string `json:"replay_of,omitempty"` // the delivery this request replays
}

// Job is the job that makes the request about resourceSid of accountSid, due now. Jobs of
// one queue run one at a time, in the order they were written: a resource's callbacks
// arrive in order.
func (p Webhook) Job(kind, accountSid, resourceSid, queue string, now time.Time) store.Job {
	return store.Job{Kind: kind, AccountSid: accountSid, ResourceSid: resourceSid, Queue: queue, Target: webhook.Host(p.URL),
		Payload: outbox.Payload(p), DueAt: now, DateCreated: now}
}

// Delivery is the record of one request made for p about resourceSid (a WebhookDelivery),
// at now: what was sent, and what came back. attempt is the job's attempt, 1 for the
// first.
func Delivery(accountSid, resourceSid string, attempt int, p Webhook, res webhook.Result, now time.Time) store.WebhookDelivery {
	return store.WebhookDelivery{
		Sid: sid.New("WH"), AccountSid: accountSid, ResourceSid: resourceSid, Event: p.Event,
		URL: res.URL, Method: res.Method, Params: p.Params, Signature: res.Signature,
		ResponseStatus: res.Status, ResponseType: res.ContentType, ResponseBody: res.RecordedBody(),
		Latency: res.Latency, Attempt: attempt, ErrorCode: res.ErrorCode, ErrorMessage: res.ErrorMessage,
		ReplayOf: p.ReplayOf, DateCreated: now.UTC(),
	}
}

// Accounts is what webhook jobs read: the account, whose auth token signs the request.
type Accounts interface {
	GetAccount(ctx context.Context, sid string) (store.Account, error)
}

// AnswerFunc acts on the answer of a webhook request that succeeded (res, the last
// delivery recorded in w): it adds what the answer causes to w. An error is Switchboard's
// own (the database): the job runs again later, and nothing of this run is written.
type AnswerFunc func(ctx context.Context, account store.Account, job store.Job, p Webhook, res webhook.Result, w *store.Writes) error

// Webhooks runs webhook jobs: it makes the request of the job's payload (and the fallback
// request when the first fails), signed with the account's auth token as it is now (as
// Twilio does), records every attempt, and asks for a retry when neither succeeded.
type Webhooks struct {
	Accounts Accounts
	Client   *webhook.Client
	Log      *slog.Logger
	// OnAnswer, when set, acts on a successful answer: an incoming message's TwiML is
	// sent as replies; a status callback's answer is only recorded (nil).
	OnAnswer AnswerFunc
	// Clock dates the deliveries (default clock.Real{}).
	Clock clock.Clock
}

// Handle is the outbox handler of webhook jobs.
func (h *Webhooks) Handle(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var p Webhook
	if err := outbox.Decode(job, &p); err != nil {
		h.Log.ErrorContext(ctx, "webhook dropped", "error", err) // it could never succeed
		return outbox.Outcome{}, nil
	}
	account, err := h.Accounts.GetAccount(ctx, job.AccountSid)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil // the account is gone, and its resources with it
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("%s: %w", job.Kind, err)
	}
	var w store.Writes
	res := h.request(ctx, account, job, p, p.URL, p.Method, &w)
	if !res.OK() && p.FallbackURL != "" {
		res = h.request(ctx, account, job, p, p.FallbackURL, p.FallbackMethod, &w)
	}
	if !res.OK() {
		return outbox.Outcome{Writes: w, Retry: true}, nil
	}
	if h.OnAnswer != nil {
		if err := h.OnAnswer(ctx, account, job, p, res, &w); err != nil {
			return outbox.Outcome{}, err
		}
	}
	return outbox.Outcome{Writes: w}, nil
}

// request makes the request of p to u with method, and adds its record to w. Every
// attempt of one job carries the same idempotency token, so an app can drop a repeat.
func (h *Webhooks) request(ctx context.Context, account store.Account, job store.Job, p Webhook, u, method string, w *store.Writes) webhook.Result {
	res := h.Client.Do(ctx, webhook.Request{URL: u, Method: method, Params: p.Params, AuthToken: account.AuthToken,
		IdempotencyToken: fmt.Sprintf("%s-%d", job.ResourceSid, job.ID)})
	now := time.Now()
	if h.Clock != nil {
		now = h.Clock.Now()
	}
	w.Deliveries = append(w.Deliveries, Delivery(job.AccountSid, job.ResourceSid, job.Attempts, p, res, now))
	return res
}
