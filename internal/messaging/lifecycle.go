package messaging

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// stepJob is the job that moves message m one step along its delivery, at due. It
// carries what the step needs of m, as m will be once the job is written (stepMessage).
func (s *Service) stepJob(m store.Message, due time.Time) store.Job {
	return store.Job{Kind: kindStep, AccountSid: m.AccountSid, ResourceSid: m.Sid, DueAt: due, DateCreated: s.clock.Now(),
		Payload: outbox.Payload(stepMessage{Status: m.Status, To: m.To, From: m.From, MessagingServiceSid: m.MessagingServiceSid,
			StatusCallback: m.StatusCallback, NumSegments: m.NumSegments, NumMedia: m.NumMedia, ErrorCode: m.ErrorCode,
			ContentSid: m.ContentSid})}
}

// stepMessage is what a delivery step reads of its message (next, chooseSender,
// callbackJobs), carried in the step's job so that the step does not read the message
// first: with a stream of writes, that read cost as much as the step's own write. It
// cannot go stale unnoticed. Its fields other than Status never change once the message
// exists, except From, which only a step sets. Whatever else moves the status (a cancel,
// a forced status, a failed media fetch) cancels the message's steps, and a step that
// runs anyway changes nothing: its change is guarded by the status it expects.
type stepMessage struct {
	Status              string `json:"status"`
	To                  string `json:"to"`
	From                string `json:"from,omitempty"`
	MessagingServiceSid string `json:"messaging_service_sid,omitempty"`
	StatusCallback      string `json:"status_callback,omitempty"`
	NumSegments         int    `json:"num_segments"`
	NumMedia            int    `json:"num_media,omitempty"`
	ErrorCode           int    `json:"error_code,omitempty"`
	ContentSid          string `json:"content_sid,omitempty"`
}

// stepMessageOf is the message job is a step of: from the job's payload, or, for a job
// written before steps carried one, read from the store.
func (s *Service) stepMessageOf(ctx context.Context, job store.Job) (store.Message, error) {
	var p stepMessage
	if len(job.Payload) == 0 || string(job.Payload) == "{}" {
		return s.store.GetMessage(ctx, job.AccountSid, job.ResourceSid)
	}
	if err := outbox.Decode(job, &p); err != nil {
		return store.Message{}, err
	}
	return store.Message{AccountSid: job.AccountSid, Sid: job.ResourceSid, Status: p.Status, To: p.To, From: p.From,
		MessagingServiceSid: p.MessagingServiceSid, StatusCallback: p.StatusCallback, NumSegments: p.NumSegments,
		NumMedia: p.NumMedia, ErrorCode: p.ErrorCode, ContentSid: p.ContentSid}, nil
}

// next is where an outbound message goes from its current status, and whether it stops
// there: queued -> sending -> sent -> delivered, or a failure of the destination table;
// a WhatsApp message is read a step after it is delivered. A scheduled message, or one
// whose Messaging Service is picking the sender (accepted), goes to queued first.
func next(m store.Message) (change store.StatusChange, final, ok bool) {
	fail, failing := destinationFailures[m.To]
	switch m.Status {
	case statusScheduled, statusAccepted:
		return store.StatusChange{To: statusQueued}, false, true
	case statusQueued:
		if failing && fail.Status == statusFailed {
			return store.StatusChange{To: statusFailed, ErrorCode: fail.Code, ErrorMessage: fail.Message}, true, true
		}
		return store.StatusChange{To: statusSending}, false, true
	case statusSending:
		return store.StatusChange{To: statusSent, Price: price(m.NumSegments, m.NumMedia)}, false, true
	case statusSent:
		if failing {
			return store.StatusChange{To: fail.Status, ErrorCode: fail.Code, ErrorMessage: fail.Message}, true, true
		}
		return store.StatusChange{To: statusDelivered}, !whatsapp.IsAddress(m.To), true
	case statusDelivered:
		if whatsapp.IsAddress(m.To) {
			return store.StatusChange{To: statusRead}, true, true
		}
	}
	return store.StatusChange{}, true, false // anything else (canceled, forced...) ends the simulation
}

// step is the handler of kindStep: one move of the simulated delivery, its status
// callback and the next step, all written with the job's end.
func (s *Service) step(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	m, err := s.stepMessageOf(ctx, job)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil // deleted meanwhile
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("delivery step: %w", err)
	}
	c, final, ok := next(m)
	if !ok {
		return outbox.Outcome{}, nil
	}
	if c.To == statusQueued && needsSender(m) {
		sender, err := s.chooseSender(ctx, m)
		var rule *phone.RuleError
		if errors.As(err, &rule) {
			c, final = store.StatusChange{To: statusFailed, ErrorCode: rule.Code, ErrorMessage: rule.Message}, true
		} else if err != nil {
			return outbox.Outcome{}, fmt.Errorf("delivery step: %w", err)
		} else {
			c.Sender, m.From = sender, sender
		}
	}
	// The step happens when it was due, however late the runner came to it: after the
	// simulator's clock jumps, the steps due in the span it skipped run at once, each at
	// its own time, and the next ones follow from there, as they would have.
	at := s.stepTime(job)
	if c.To == statusSending && whatsapp.IsAddress(m.To) {
		failure, err := s.whatsappFailure(ctx, m, at)
		if err != nil {
			return outbox.Outcome{}, fmt.Errorf("delivery step: %w", err)
		}
		if failure != nil {
			c, final = store.StatusChange{To: statusFailed, ErrorCode: failure.Code, ErrorMessage: failure.Message}, true
		}
	}
	now := at.UTC().Truncate(time.Second)
	c.AccountSid, c.Sid, c.From, c.DateUpdated = m.AccountSid, m.Sid, []string{m.Status}, now
	if c.To == statusSending {
		c.DateSent = now
	}
	m.Status, m.ErrorCode = c.To, c.ErrorCode
	c.Jobs = s.callbackJobs(m, now)
	if !final {
		c.Jobs = append(c.Jobs, s.stepJob(m, at.Add(s.stepDelay)))
	}
	return outbox.Outcome{Writes: store.Writes{StatusChanges: []store.StatusChange{c}}}, nil
}

// stepTime is when a step runs: the job's due time, unless that is still to come on the
// clock (a job claimed a moment early) or unknown.
func (s *Service) stepTime(job store.Job) time.Time {
	now := s.clock.Now()
	if job.DueAt.IsZero() || job.DueAt.After(now) {
		return now
	}
	return job.DueAt
}

// callbackJobs is the status callback for m, which has just changed to m.Status, if m
// has a StatusCallback. Callbacks of one message share a queue, so they arrive in order.
func (s *Service) callbackJobs(m store.Message, now time.Time) []store.Job {
	if m.StatusCallback == "" {
		return nil
	}
	params := map[string]string{
		"MessageSid":    m.Sid,
		"SmsSid":        m.Sid,
		"MessageStatus": m.Status,
		"SmsStatus":     m.Status,
		"AccountSid":    m.AccountSid,
		"From":          m.From,
		"To":            m.To,
		"ApiVersion":    "2010-04-01",
	}
	if m.ErrorCode != 0 {
		params["ErrorCode"] = fmt.Sprint(m.ErrorCode)
	}
	if m.MessagingServiceSid != "" {
		params["MessagingServiceSid"] = m.MessagingServiceSid
	}
	if whatsapp.IsAddress(m.To) {
		maps.Copy(params, whatsapp.StatusParams(m.AccountSid, m.From, m.To, m.Status, m.ContentSid != ""))
	}
	return []store.Job{s.webhookJob(m, phone.Webhook{
		Event: EventMessageStatus, URL: m.StatusCallback, Method: "POST", Params: params,
	}, now)}
}
