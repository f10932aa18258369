package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/feed"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/server/calls"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/server/phonenumbers"
	"github.com/switchboard-dev/switchboard/store"
)

// StreamEvents implements gen.StrictServerInterface: the account's changes as
// server-sent events. The handler only checks the request; the stream itself runs in
// eventStream's Visit method, which the strict handler calls to write the response.
func (h *Simulator) StreamEvents(ctx context.Context, req gen.StreamEventsRequestObject) (gen.StreamEventsResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	after := int64(-1)
	if id := req.Params.LastEventID; id != nil {
		n, err := strconv.ParseInt(*id, 10, 64)
		if err != nil {
			return nil, api.BadRequest(api.CodeInvalidParameter, "Invalid header Last-Event-ID: %q is not an event id", *id)
		}
		after = n
	}
	sub, err := h.feed.Subscribe(ctx, req.AccountSid, after)
	if err != nil {
		return nil, fmt.Errorf("stream events: %w", err)
	}
	return eventStream{h: h, ctx: ctx, sub: sub}, nil
}

// keepAliveEvery is how often an idle stream gets a comment line, so that proxies and
// browsers keep it open.
const keepAliveEvery = 15 * time.Second

// maxEventsPerBatch bounds the events written for one batch of changes; a larger batch
// (clearing an account's messages) is a reset, cheaper for both ends than replaying it.
const maxEventsPerBatch = 200

type eventStream struct {
	h   *Simulator
	ctx context.Context
	sub *feed.Subscription
}

// VisitStreamEventsResponse writes events until the client goes away, the server stops,
// or the client falls too far behind (then it is told to reset, and reconnects).
func (e eventStream) VisitStreamEventsResponse(w http.ResponseWriter) error {
	defer e.sub.Close()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a reverse proxy must not hold events back
	w.WriteHeader(http.StatusOK)

	// A stream outlives any write timeout the HTTP server has: each write gets its own
	// deadline (servers without one ignore it), and none is left behind.
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	write := func(text string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(keepAliveEvery + 10*time.Second))
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
		return rc.Flush()
	}
	ready := e.h.feed.Last()
	var pending []feed.Batch
	// A replay, if any, is waiting already; the ready event names the position after it.
	select {
	case b, ok := <-e.sub.C:
		if ok {
			pending = append(pending, b)
			ready = max(ready, b.Last)
		}
	default:
	}
	if err := write(fmt.Sprintf("retry: 2000\nid: %d\nevent: ready\ndata: {\"last_event_id\":\"%d\"}\n\n", ready, ready)); err != nil {
		return nil // the client went away
	}
	for _, b := range pending {
		if err := e.writeBatch(write, b); err != nil {
			return nil
		}
	}
	keepAlive := time.NewTicker(keepAliveEvery)
	defer keepAlive.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return nil
		case <-keepAlive.C:
			if err := write(": keep-alive\n\n"); err != nil {
				return nil
			}
		case b, ok := <-e.sub.C:
			if !ok { // cut off (too slow) or the server is stopping
				_ = e.writeBatch(write, feed.Batch{Reset: true, Last: e.h.feed.Last()})
				return nil
			}
			if err := e.writeBatch(write, b); err != nil {
				return nil
			}
		}
	}
}

// changeEvent is the data of one event: see StreamEvents in openapi.yaml.
type changeEvent struct {
	Op                  string                   `json:"op"`
	Sid                 string                   `json:"sid"`
	AccountSid          string                   `json:"account_sid"`
	Message             *gen.Message             `json:"message,omitempty"`
	Encoding            *gen.MessageEncoding     `json:"encoding,omitempty"`
	WebhookDelivery     *gen.WebhookDelivery     `json:"webhook_delivery,omitempty"`
	IncomingPhoneNumber *gen.IncomingPhoneNumber `json:"incoming_phone_number,omitempty"`
	Call                *gen.Call                `json:"call,omitempty"`
}

// writeBatch writes one event per resource the batch changed, in the order of their last
// change, each with the resource as it is now.
func (e eventStream) writeBatch(write func(string) error, b feed.Batch) error {
	changes := coalesce(b.Changes)
	if b.Reset || len(changes) > maxEventsPerBatch {
		return write(fmt.Sprintf("id: %d\nevent: reset\ndata: {}\n\n", b.Last))
	}
	for _, c := range changes {
		ev, err := e.event(c)
		if err != nil {
			e.h.log.ErrorContext(e.ctx, "event stream", slog.Any("error", err))
			return err
		}
		// As every JSON answer: "&", "<" and ">" as they are (and no newline, which
		// would end the data line).
		var data strings.Builder
		enc := json.NewEncoder(&data)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(ev); err != nil {
			return err
		}
		if err := write(fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n", c.Seq, c.Kind, data.String())); err != nil {
			return err
		}
	}
	return nil
}

// event reads the resource a change is about; one that is gone by now is deleted.
func (e eventStream) event(c store.Change) (changeEvent, error) {
	ev := changeEvent{Op: c.Op, Sid: c.Sid, AccountSid: c.AccountSid}
	if c.Op == store.ChangeDeleted {
		return ev, nil
	}
	var err error
	switch c.Kind {
	case store.ChangeMessage:
		var m store.Message
		if m, err = e.h.store.GetMessage(e.ctx, c.AccountSid, c.Sid); err == nil {
			ev.Message, ev.Encoding = api.Ptr(messages.Out(m)), api.Ptr(encodingOut(m.Body))
		}
	case store.ChangeWebhookDelivery:
		var d store.WebhookDelivery
		if d, err = e.h.store.GetDelivery(e.ctx, c.AccountSid, c.Sid); err == nil {
			ev.WebhookDelivery = api.Ptr(deliveryOut(e.ctx, d))
		}
	case store.ChangeCall:
		var call store.Call
		if call, err = e.h.store.GetCall(e.ctx, c.AccountSid, c.Sid); err == nil {
			ev.Call = api.Ptr(calls.Out(call))
		}
	case store.ChangePhoneNumber:
		var p store.PhoneNumber
		if p, err = e.h.store.GetPhoneNumber(e.ctx, c.AccountSid, c.Sid); err == nil {
			ev.IncomingPhoneNumber = api.Ptr(phonenumbers.Out(p))
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return changeEvent{Op: store.ChangeDeleted, Sid: c.Sid, AccountSid: c.AccountSid}, nil
	}
	if err != nil {
		return changeEvent{}, fmt.Errorf("%s %s: %w", c.Kind, c.Sid, err)
	}
	return ev, nil
}

// coalesce keeps one change per resource, at the position of its last change: the event
// carries the resource as it is now, so earlier changes add nothing. A resource created
// within the batch stays "created".
func coalesce(changes []store.Change) []store.Change {
	type key struct{ kind, sid string }
	last := map[key]int{}
	created := map[key]bool{}
	for i, c := range changes {
		k := key{c.Kind, c.Sid}
		last[k] = i
		if c.Op == store.ChangeCreated {
			created[k] = true
		}
	}
	out := make([]store.Change, 0, len(last))
	for i, c := range changes {
		k := key{c.Kind, c.Sid}
		if last[k] != i {
			continue
		}
		if created[k] && c.Op == store.ChangeUpdated {
			c.Op = store.ChangeCreated
		}
		out = append(out, c)
	}
	return out
}
