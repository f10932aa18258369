package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// Webhook events, as recorded in WebhookDeliveries.
const (
	EventMessageStatus   = "message-status"
	EventIncomingMessage = "incoming-message"
)

// maxRedirects bounds how many <Redirect>s one incoming message follows.
const maxRedirects = 10

// webhookPayload is a webhook job's payload: the request to make and what it is for.
type webhookPayload struct {
	Event          string            `json:"event"`
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	FallbackURL    string            `json:"fallback_url,omitempty"`
	FallbackMethod string            `json:"fallback_method,omitempty"`
	Params         map[string]string `json:"params"`
	Redirects      int               `json:"redirects,omitempty"`
	ReplayOf       string            `json:"replay_of,omitempty"` // the delivery replayed
}

func (s *Service) webhookJob(m store.Message, p webhookPayload, now time.Time) store.Job {
	return store.Job{Kind: kindWebhook, AccountSid: m.AccountSid, ResourceSid: m.Sid, Queue: "webhook:" + m.Sid,
		Payload: mustJSON(p), DueAt: now, DateCreated: now}
}

// deliverWebhook is the handler of kindWebhook: it makes the request (and the fallback
// request when the first fails), records every attempt, and acts on the answer.
func (s *Service) deliverWebhook(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var p webhookPayload
	if err := decodePayload(job, &p); err != nil {
		s.log.ErrorContext(ctx, "webhook dropped", "error", err) // it could never succeed
		return outbox.Outcome{}, nil
	}
	// Signed with the account's token as it is now, as Twilio does.
	account, err := s.store.GetAccount(ctx, job.AccountSid)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("webhook: %w", err)
	}

	var w store.Writes
	res := s.call(ctx, account, job, p, p.URL, p.Method, &w)
	if !res.OK() && p.FallbackURL != "" {
		res = s.call(ctx, account, job, p, p.FallbackURL, p.FallbackMethod, &w)
	}
	if !res.OK() {
		return outbox.Outcome{Writes: w, Retry: true}, nil
	}
	if p.Event == EventIncomingMessage {
		if err := s.actOnTwiML(ctx, account, job, p, res, &w); err != nil {
			return outbox.Outcome{}, err
		}
	}
	return outbox.Outcome{Writes: w}, nil
}

// call makes the request of p to u with method, and adds its record to w.
func (s *Service) call(ctx context.Context, account store.Account, job store.Job, p webhookPayload, u, method string, w *store.Writes) webhook.Result {
	res := s.webhook.Do(ctx, webhook.Request{URL: u, Method: method, Params: p.Params, AuthToken: account.AuthToken,
		IdempotencyToken: fmt.Sprintf("%s-%d", job.ResourceSid, job.ID)})
	w.Deliveries = append(w.Deliveries, delivery(job, p, res))
	return res
}

func delivery(job store.Job, p webhookPayload, res webhook.Result) store.WebhookDelivery {
	return store.WebhookDelivery{
		Sid: sid.New("WH"), AccountSid: job.AccountSid, ResourceSid: job.ResourceSid, Event: p.Event,
		URL: res.URL, Method: res.Method, Params: p.Params, Signature: res.Signature,
		ResponseStatus: res.Status, ResponseType: res.ContentType, ResponseBody: res.RecordedBody(),
		Latency: res.Latency, Attempt: job.Attempts, ErrorCode: res.ErrorCode, ErrorMessage: res.ErrorMessage,
		ReplayOf: p.ReplayOf, DateCreated: time.Now().UTC(),
	}
}

// Replay queues the request of webhook delivery sid again, as a new webhook job: same
// URL, method and parameters (signed anew), recorded as a new delivery that names the
// one it replays, retried like any webhook. An incoming-message webhook's answer is acted
// on again: the TwiML's <Message>s are sent, as when a text arrives. It returns the
// delivery replayed.
func (s *Service) Replay(ctx context.Context, account store.Account, sid string) (store.WebhookDelivery, error) {
	d, err := s.store.GetDelivery(ctx, account.Sid, sid)
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("replay webhook: %w", err)
	}
	p := webhookPayload{Event: d.Event, URL: d.URL, Method: d.Method, Params: d.Params, ReplayOf: d.Sid}
	now := time.Now()
	job := s.webhookJob(store.Message{AccountSid: d.AccountSid, Sid: d.ResourceSid}, p, now)
	if err := s.store.Apply(ctx, store.Writes{Jobs: []store.Job{job}}); err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("replay webhook: %w", err)
	}
	return d, nil
}

// actOnTwiML reads an incoming-message webhook's answer: each <Message> becomes an
// outbound-reply message, a <Redirect> a new request. An answer that is not TwiML is
// recorded on the delivery (12300, 12100) and sends nothing, as Twilio does.
func (s *Service) actOnTwiML(ctx context.Context, account store.Account, job store.Job, p webhookPayload, res webhook.Result, w *store.Writes) error {
	last := &w.Deliveries[len(w.Deliveries)-1]
	if len(strings.TrimSpace(string(res.Body))) == 0 {
		return nil // an empty answer sends nothing
	}
	if mt, _, _ := mime.ParseMediaType(res.ContentType); mt != "text/xml" && mt != "application/xml" && mt != "text/html" {
		last.ErrorCode, last.ErrorMessage = webhook.CodeBadContentType, fmt.Sprintf("Content-Type %q cannot hold TwiML: use text/xml", res.ContentType)
		return nil
	}
	doc, err := twiml.ParseMessaging(res.Body)
	if err != nil {
		last.ErrorCode, last.ErrorMessage = webhook.CodeParseFailure, err.Error()
		return nil
	}
	incoming := store.Message{AccountSid: job.AccountSid, Sid: job.ResourceSid, To: p.Params["To"], From: p.Params["From"]}
	now := time.Now()
	for _, verb := range doc.Messages {
		out := Outbound{
			To: firstNonEmpty(verb.To, incoming.From), From: firstNonEmpty(verb.From, incoming.To),
			Body: verb.Body, MediaURLs: resolveAll(res.URL, verb.Media), StatusCallback: resolve(res.URL, verb.StatusCallback),
			Direction: DirectionOutboundReply,
		}
		mw, err := s.planReply(ctx, account, out, now)
		if err != nil {
			return err
		}
		appendWrites(w, mw)
	}
	if doc.Redirect != nil {
		if p.Redirects >= maxRedirects {
			last.ErrorCode, last.ErrorMessage = webhook.CodeParseFailure, fmt.Sprintf("more than %d <Redirect>s in a row; stopped", maxRedirects)
			return nil
		}
		method := doc.Redirect.Method
		if method == "" {
			method = "POST"
		}
		next := webhookPayload{Event: p.Event, URL: resolve(res.URL, doc.Redirect.URL), Method: method, Params: p.Params, Redirects: p.Redirects + 1}
		w.Jobs = append(w.Jobs, s.webhookJob(incoming, next, now))
	}
	return nil
}

// planReply is planOutbound for a TwiML reply. A reply that breaks a rule is not an
// error of the webhook: it is kept, failed with the rule's code, where the developer
// sees it.
func (s *Service) planReply(ctx context.Context, account store.Account, out Outbound, now time.Time) (store.Writes, error) {
	err := s.checkSend(ctx, account, out)
	var rule *RuleError
	if err != nil && !errors.As(err, &rule) {
		return store.Writes{}, err
	}
	if rule == nil {
		if err := validReply(out); err != nil {
			rule = err
		}
	}
	if rule != nil {
		out.MediaURLs = nil // nothing to fetch for a message that goes nowhere
	}
	_, w := s.planOutbound(account, out, now)
	if rule != nil {
		w.Messages[0].Status, w.Messages[0].ErrorCode, w.Messages[0].ErrorMessage = statusFailed, rule.Code, rule.Message
		w.Jobs = nil
	}
	return w, nil
}

// validReply checks what the API's spec checks for a message, which a TwiML reply did
// not go through.
func validReply(out Outbound) *RuleError {
	switch {
	case !ValidNumber(out.To):
		return ruleError(21211, "The 'To' number %s is not a valid phone number.", out.To)
	case utf8.RuneCountInString(out.Body) > 1600:
		return ruleError(21617, "The concatenated message body exceeds the 1600 character limit.")
	case len(out.MediaURLs) > 10:
		return ruleError(21623, "The number of media URLs exceeds the limit of 10.")
	}
	for _, u := range out.MediaURLs {
		if !ValidMediaURL(u) {
			return ruleError(21620, "Media URL %s is not a valid http or https URL.", u)
		}
	}
	return nil
}

func appendWrites(w *store.Writes, more store.Writes) {
	w.Messages = append(w.Messages, more.Messages...)
	w.Media = append(w.Media, more.Media...)
	w.Jobs = append(w.Jobs, more.Jobs...)
}

// resolve reads ref (from a TwiML document) relative to the document's URL, as a
// browser would; "" stays "".
func resolve(base, ref string) string {
	if ref == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

func resolveAll(base string, refs []string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = resolve(base, r)
	}
	return out
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func decodePayload(job store.Job, v any) error {
	if err := json.Unmarshal(job.Payload, v); err != nil {
		return fmt.Errorf("job %d (%s): payload: %w", job.ID, job.Kind, err)
	}
	return nil
}
