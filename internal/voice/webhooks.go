package voice

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// webhookPayload is a call.webhook job's payload: a request whose answer is only
// recorded (status callbacks, and a <Record>'s action after the caller hung up).
type webhookPayload struct {
	Event  string            `json:"event"`
	URL    string            `json:"url"`
	Method string            `json:"method"`
	Params map[string]string `json:"params"`
}

// webhookJob is a request about the call through the durable outbox. The call's requests
// share a queue, so they arrive in the order the call made them.
func (t *turn) webhookJob(event, u, method string, params map[string]string) store.Job {
	now := time.Now()
	return store.Job{Kind: kindWebhook, AccountSid: t.call.AccountSid, ResourceSid: t.call.Sid, Queue: "call-webhook:" + t.call.Sid,
		Payload: mustJSON(webhookPayload{Event: event, URL: t.resolve(u), Method: method, Params: params}), DueAt: now, DateCreated: now}
}

// deliverWebhook is the handler of call.webhook: it makes the request, records the
// attempt, and asks for a retry when it failed.
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
		return outbox.Outcome{}, fmt.Errorf("call webhook: %w", err)
	}
	res := s.webhook.Do(ctx, webhook.Request{URL: p.URL, Method: p.Method, Params: p.Params, AuthToken: account.AuthToken,
		IdempotencyToken: fmt.Sprintf("%s-%d", job.ResourceSid, job.ID)})
	w := store.Writes{Deliveries: []store.WebhookDelivery{delivery(job.AccountSid, job.ResourceSid, p.Event, job.Attempts, p.Params, res)}}
	return outbox.Outcome{Writes: w, Retry: !res.OK()}, nil
}

func delivery(accountSid, resourceSid, event string, attempt int, params map[string]string, res webhook.Result) store.WebhookDelivery {
	return store.WebhookDelivery{
		Sid: sid.New("WH"), AccountSid: accountSid, ResourceSid: resourceSid, Event: event,
		URL: res.URL, Method: res.Method, Params: params, Signature: res.Signature,
		ResponseStatus: res.Status, ResponseType: res.ContentType, ResponseBody: res.RecordedBody(),
		Latency: res.Latency, Attempt: attempt, ErrorCode: res.ErrorCode, ErrorMessage: res.ErrorMessage,
		DateCreated: time.Now().UTC(),
	}
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
	method = methodOr(method)
	t.requests++
	res := s.webhook.Do(ctx, webhook.Request{URL: u, Method: method, Params: params, AuthToken: t.account.AuthToken,
		IdempotencyToken: fmt.Sprintf("%s-%d-%d", t.call.Sid, t.version, t.requests)})
	d := delivery(t.call.AccountSid, t.call.Sid, event, 1, params, res)
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

// resolve reads ref (from a TwiML document) relative to the document's URL, as a browser
// would; "" stays "".
func (t *turn) resolve(ref string) string {
	if ref == "" || t.st.DocURL == "" {
		return ref
	}
	b, err := url.Parse(t.st.DocURL)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

func country(number string) string {
	if !strings.HasPrefix(number, "+") {
		return ""
	}
	n, err := phonenumbers.Parse(number, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(n)
}
