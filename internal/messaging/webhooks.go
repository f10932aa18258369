package messaging

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// Webhook events, as recorded in WebhookDeliveries.
const (
	EventMessageStatus   = "message-status"
	EventIncomingMessage = "incoming-message"
)

// maxRedirects bounds how many <Redirect>s one incoming message follows.
const maxRedirects = 10

func (s *Service) webhookJob(m store.Message, p phone.Webhook, now time.Time) store.Job {
	return p.Job(kindWebhook, m.AccountSid, m.Sid, "webhook:"+m.Sid, now)
}

// actOnAnswer is what a successful webhook's answer causes: an incoming message's TwiML
// is acted on (actOnTwiML); a status callback's answer is only recorded.
func (s *Service) actOnAnswer(ctx context.Context, account store.Account, job store.Job, p phone.Webhook, res webhook.Result, w *store.Writes) error {
	if p.Event != EventIncomingMessage {
		return nil
	}
	return s.actOnTwiML(ctx, account, job, p, res, w)
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
	p := phone.Webhook{Event: d.Event, URL: d.URL, Method: d.Method, Params: d.Params, ReplayOf: d.Sid}
	now := s.clock.Now()
	job := s.webhookJob(store.Message{AccountSid: d.AccountSid, Sid: d.ResourceSid}, p, now)
	if err := s.store.Apply(ctx, store.Writes{Jobs: []store.Job{job}}); err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("replay webhook: %w", err)
	}
	return d, nil
}

// maxMessagesPerResponse is how many <Message> verbs of one TwiML response are sent, as
// on Twilio; the rest are dropped with the warning codeTooManyMessages on the delivery.
const (
	maxMessagesPerResponse = 10
	codeTooManyMessages    = 14109
)

// actOnTwiML reads an incoming-message webhook's answer: each <Message> becomes an
// outbound-reply message, a <Redirect> a new request. An answer that is not TwiML is
// recorded on the delivery (12300, 12100) and sends nothing, as Twilio does.
func (s *Service) actOnTwiML(ctx context.Context, account store.Account, job store.Job, p phone.Webhook, res webhook.Result, w *store.Writes) error {
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
	now := s.clock.Now()
	messages := doc.Messages
	if len(messages) > maxMessagesPerResponse {
		last.ErrorCode = codeTooManyMessages
		last.ErrorMessage = fmt.Sprintf("%d <Message> verbs in one response: only the first %d were sent", len(messages), maxMessagesPerResponse)
		messages = messages[:maxMessagesPerResponse]
	}
	for _, verb := range messages {
		out := Outbound{
			To: firstNonEmpty(verb.To, incoming.From), From: firstNonEmpty(verb.From, incoming.To),
			Body: verb.Body, MediaURLs: resolveAll(res.URL, verb.Media), StatusCallback: twiml.Resolve(res.URL, verb.StatusCallback),
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
		next := phone.Webhook{Event: p.Event, URL: twiml.Resolve(res.URL, doc.Redirect.URL), Method: twiml.Method(doc.Redirect.Method), Params: p.Params, Redirects: p.Redirects + 1}
		w.Jobs = append(w.Jobs, s.webhookJob(incoming, next, now))
	}
	return nil
}

// planReply is planOutbound for a TwiML reply. A reply that breaks a rule is not an
// error of the webhook: it is kept, failed with the rule's code, where the developer
// sees it.
func (s *Service) planReply(ctx context.Context, account store.Account, out Outbound, now time.Time) (store.Writes, error) {
	err := s.checkSend(ctx, account, out)
	var rule *phone.RuleError
	if err != nil && !errors.As(err, &rule) {
		return store.Writes{}, err
	}
	if rule == nil {
		if err := validReply(out); err != nil {
			rule = err
		}
	}
	if whatsapp.IsAddress(out.To) && len(out.MediaURLs) > 1 {
		out.MediaURLs = out.MediaURLs[:1] // one media file on WhatsApp; Twilio ignores the others
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
func validReply(out Outbound) *phone.RuleError {
	if !phone.ValidNumber(out.To) && !whatsapp.ValidAddress(out.To) {
		return phone.RuleErrorf(21211, "The 'To' number %s is not a valid phone number.", out.To)
	}
	if e := whatsapp.CheckPair(out.From, out.To); e != nil {
		return e
	}
	if utf8.RuneCountInString(out.Body) > 1600 {
		return phone.RuleErrorf(21617, "The concatenated message body exceeds the 1600 character limit.")
	}
	if len(out.MediaURLs) > 10 {
		return phone.RuleErrorf(21623, "The number of media URLs exceeds the limit of 10.")
	}
	for _, u := range out.MediaURLs {
		if !ValidMediaURL(u) {
			return phone.RuleErrorf(21620, "Media URL %s is not a valid http or https URL.", u)
		}
	}
	return nil
}

func appendWrites(w *store.Writes, more store.Writes) {
	w.Messages = append(w.Messages, more.Messages...)
	w.Media = append(w.Media, more.Media...)
	w.Jobs = append(w.Jobs, more.Jobs...)
}

func resolveAll(base string, refs []string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = twiml.Resolve(base, r)
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
