package voice

import (
	"context"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// webhookJob is a request about the call through the durable outbox, whose answer is only
// recorded (status callbacks, and a <Record>'s action after the caller hung up). The
// call's requests share a queue, so they arrive in the order the call made them.
func (t *turn) webhookJob(event, u, method string, params map[string]string) store.Job {
	p := phone.Webhook{Event: event, URL: t.resolve(u), Method: method, Params: params}
	return p.Job(kindWebhook, t.call.AccountSid, t.call.Sid, "call-webhook:"+t.call.Sid, time.Now())
}

// fetchDoc fetches the document the call waits for (t.st.Fetch), and its fallback when it
// fails. A document that cannot be had ends the call, as Twilio's "application error"
// does.
func (s *Service) fetchDoc(ctx context.Context, t *turn) error {
	f := t.st.Fetch
	t.st.Fetch = nil
	t.st.Fetches++
	if t.st.Fetches > maxFetches {
		t.appError(twimlCodeLoop, fmt.Sprintf("%d documents fetched in a row with nothing taking time: stopped", maxFetches))
		return nil
	}
	if t.account == nil {
		account, err := s.store.GetAccount(ctx, t.call.AccountSid)
		if err != nil {
			return fmt.Errorf("call %s: fetch TwiML: %w", t.call.Sid, err)
		}
		t.account = &account
	}
	params := t.withParams(f.Params)
	doc, res, ok := s.request(ctx, t, f.Event, f.URL, f.Method, params)
	if !ok && f.FallbackURL != "" {
		doc, res, ok = s.request(ctx, t, f.Event, f.FallbackURL, f.FallbackMethod, params)
	}
	if !ok {
		t.appError(res.code, res.message)
		return nil
	}
	t.st.Doc, t.st.DocURL, t.st.Next = doc, res.url, 0
	return nil
}

// maxFetches bounds the documents a call fetches while nothing takes time: a document
// that redirects to itself would otherwise spin for ever.
const maxFetches = 20

// twimlCodeLoop is the error code noted when a call keeps fetching documents (Twilio's
// "TwiML redirect loop" has none of its own; 12100 is its document error).
const twimlCodeLoop = webhook.CodeParseFailure

// fetchResult is what came of one request for TwiML, for the caller's error handling.
type fetchResult struct {
	url     string // the URL requested, to resolve the document's relative URLs against
	code    int
	message string
}

// request makes one request for TwiML, records it (a WebhookDelivery and a timeline
// entry), and reads the answer as a voice document. An empty answer is an empty
// document; one that is not TwiML is an error (12300, 12100), as Twilio's.
func (s *Service) request(ctx context.Context, t *turn, event, rawURL, method string, params map[string]string) (string, fetchResult, bool) {
	u := t.resolve(rawURL)
	method = twiml.Method(method)
	t.requests++
	res := s.webhook.Do(ctx, webhook.Request{URL: u, Method: method, Params: params, AuthToken: t.account.AuthToken,
		IdempotencyToken: fmt.Sprintf("%s-%d-%d", t.call.Sid, t.version, t.requests)})
	d := phone.Delivery(t.call.AccountSid, t.call.Sid, 1, phone.Webhook{Event: event, Params: params}, res)
	doc := string(res.Body)
	if res.OK() {
		d.ErrorCode, d.ErrorMessage = checkTwiML(res)
		if strings.TrimSpace(doc) == "" {
			doc = "<Response/>"
		}
	}
	t.deliveries = append(t.deliveries, d)

	data := map[string]string{"event": event, "url": u, "method": method, "delivery_sid": d.Sid}
	description := fmt.Sprintf("%s %s (%s)", method, u, event)
	if d.ResponseStatus != 0 {
		data["status_code"] = strconv.Itoa(d.ResponseStatus)
		description += fmt.Sprintf(" answered %d %s", d.ResponseStatus, d.ResponseType)
	}
	if d.ErrorCode != 0 {
		data["error_code"] = strconv.Itoa(d.ErrorCode)
		description += fmt.Sprintf(": error %d, %s", d.ErrorCode, d.ErrorMessage)
	}
	t.event(typeWebhook, description, data)
	return doc, fetchResult{url: u, code: d.ErrorCode, message: d.ErrorMessage}, d.ErrorCode == 0
}

// checkTwiML tells whether an answer is a voice document: the error code and message to
// record, 0 when it is.
func checkTwiML(res webhook.Result) (int, string) {
	if len(strings.TrimSpace(string(res.Body))) == 0 {
		return 0, ""
	}
	if mt, _, _ := mime.ParseMediaType(res.ContentType); mt != "text/xml" && mt != "application/xml" && mt != "text/html" {
		return webhook.CodeBadContentType, fmt.Sprintf("Content-Type %q cannot hold TwiML: use text/xml", res.ContentType)
	}
	if _, err := twiml.ParseVoice(res.Body); err != nil {
		return webhook.CodeParseFailure, err.Error()
	}
	return 0, ""
}

// appError ends the call after its TwiML failed, as Twilio ends it after saying "an
// application error has occurred".
func (t *turn) appError(code int, message string) {
	t.event(typeError, fmt.Sprintf("Application error %d: %s", code, message),
		map[string]string{"error_code": strconv.Itoa(code), "message": message})
	t.end(StatusCompleted, "application error")
}

// resolve reads ref (from a TwiML document) relative to the document's URL.
func (t *turn) resolve(ref string) string { return twiml.Resolve(t.st.DocURL, ref) }
