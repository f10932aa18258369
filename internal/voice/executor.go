package voice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/internal/callflow"
	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// The executor: the jobs that move calls on, and what callflow's outcome is written as.

// stepPayload is a call.step job's payload: the version of the call that scheduled it.
type stepPayload struct {
	Version int64 `json:"version"`
}

// fetchPayload is a call.fetch job's payload: the fetch, by its number, that the call
// asked for (callflow.State.Fetch).
type fetchPayload struct {
	Seq int `json:"seq"`
}

// signalPayload is a call.signal job's payload: news from call From.
type signalPayload struct {
	Signal   string `json:"signal"`
	From     string `json:"from"`
	Status   string `json:"status,omitempty"`
	Duration int    `json:"duration,omitempty"`
}

// Signals between calls: a call placed by <Dial> tells its parent it ended; a parent
// that hangs up (or moves on) hangs up the call it placed.
const (
	signalDialEnded = "dial-ended"
	signalHangUp    = "hang-up"
)

// step is the handler of call.step: the call's pending step has come due. callflow
// finishes what was under way and runs the call on until something takes time or it
// waits for a document; all of it, with the next step, is written in the transaction
// that ends the job.
func (s *Service) step(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var p stepPayload
	if err := outbox.Decode(job, &p); err != nil {
		s.log.ErrorContext(ctx, "call step dropped", "error", err) // it could never run
		return outbox.Outcome{}, nil
	}
	row, err := s.store.GetCall(ctx, job.AccountSid, job.ResourceSid)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil // deleted meanwhile
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("call step: %w", err)
	}
	// Every change to a call replaces its step, so a step written for another version
	// has been replaced; this one is left over (it cannot be, but costs nothing to check).
	if row.Version != p.Version || !callflow.Live(row.Status) {
		return outbox.Outcome{}, nil
	}
	call, err := callOf(row)
	if err != nil {
		return outbox.Outcome{}, err
	}
	// The step runs at the simulated time it was due, however late the runner got to it:
	// a call's timeline does not depend on how busy the machine was.
	next, effects, err := s.network.Handle(call, call.State.Due, callflow.Due{})
	if errors.Is(err, callflow.ErrNoChange) {
		return outbox.Outcome{}, nil
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("call step: %w", err)
	}
	w, _ := s.writes(row, false, next, effects)
	return outbox.Outcome{Writes: w}, nil
}

// fetch is the handler of call.fetch: it makes the request for TwiML the call waits for
// (and the fallback request when the first fails), outside any transaction, then hands
// the answer to the call in a change of its own, guarded by the version like any other,
// with the requests' WebhookDeliveries. The state that asked for it (and everything
// before: a completed recording, the keys taken) committed before the request was made.
//
// A call that no longer waits for this fetch when the job starts (it was redirected,
// or ended) is not requested at all; one that stopped waiting while the app answered
// gets the answer noted as ignored. A process that dies mid-request runs the job again:
// the request is made again, with the same idempotency token.
func (s *Service) fetch(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var p fetchPayload
	if err := outbox.Decode(job, &p); err != nil {
		s.log.ErrorContext(ctx, "call fetch dropped", "error", err)
		return outbox.Outcome{}, nil
	}
	row, err := s.store.GetCall(ctx, job.AccountSid, job.ResourceSid)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("call fetch: %w", err)
	}
	call, err := callOf(row)
	if err != nil {
		return outbox.Outcome{}, err
	}
	f := call.State.Fetch
	if f == nil || f.Seq != p.Seq {
		return outbox.Outcome{}, nil
	}
	// Signed with the account's token as it is now, as Twilio does.
	account, err := s.store.GetAccount(ctx, job.AccountSid)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("call fetch: %w", err)
	}
	fetched, deliveries := s.request(ctx, account, row.Sid, job.Attempts, *f)
	if _, err := s.applyFetched(ctx, row.AccountSid, row.Sid, fetched, deliveries); err != nil && !errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, fmt.Errorf("call fetch: %w", err)
	}
	return outbox.Outcome{}, nil
}

// request makes the requests of fetch f for call callSid: its URL, then its fallback URL
// when the first gave no document. Each is recorded as a WebhookDelivery; an answer that
// is not a voice document is recorded with its error (12300, 12100), and one that runs
// with a warning (an attribute out of Twilio's bounds: 13xxx) with the warning. The requests of one
// fetch carry the same idempotency tokens however often the job runs.
func (s *Service) request(ctx context.Context, account store.Account, callSid string, attempt int, f callflow.Fetch) (callflow.Fetched, []store.WebhookDelivery) {
	targets := []struct{ url, method string }{{f.URL, f.Method}}
	if f.FallbackURL != "" {
		targets = append(targets, struct{ url, method string }{f.FallbackURL, f.FallbackMethod})
	}
	fetched := callflow.Fetched{Seq: f.Seq, Event: f.Event}
	var deliveries []store.WebhookDelivery
	for i, target := range targets {
		res := s.webhook.Do(ctx, webhook.Request{URL: target.url, Method: target.method, Params: f.Params, AuthToken: account.AuthToken,
			IdempotencyToken: fmt.Sprintf("%s-%d-%d", callSid, f.Seq, i+1)})
		d := phone.Delivery(account.Sid, callSid, attempt, phone.Webhook{Event: f.Event, Params: f.Params}, res, s.clock.Now())
		var doc string
		if res.OK() {
			doc, d.ErrorCode, d.ErrorMessage = callflow.ReadAnswer(res.ContentType, res.Body)
		}
		fetched.Attempts = append(fetched.Attempts, callflow.Attempt{URL: target.url, Method: target.method, DeliverySid: d.Sid,
			Status: d.ResponseStatus, ContentType: d.ResponseType, ErrorCode: d.ErrorCode, ErrorMessage: d.ErrorMessage})
		if d.ErrorCode == 0 {
			// The document runs; a warning of its attributes is recorded on the request
			// that fetched it, as Twilio's debugger ties it to the request.
			d.ErrorCode, d.ErrorMessage = callflow.AnswerWarning(doc)
			deliveries = append(deliveries, d)
			fetched.Doc = doc
			break
		}
		deliveries = append(deliveries, d)
	}
	return fetched, deliveries
}

// applyFetched hands a fetch's answer to the call, with the requests' deliveries (alone,
// when the call has ended: nothing is added to its timeline then).
func (s *Service) applyFetched(ctx context.Context, accountSid, sid string, fetched callflow.Fetched, deliveries []store.WebhookDelivery) (store.Call, error) {
	const attempts = 20
	for attempt := 1; ; attempt++ {
		row, err := s.store.GetCall(ctx, accountSid, sid)
		if err != nil {
			return store.Call{}, err
		}
		call, err := callOf(row)
		if err != nil {
			return store.Call{}, err
		}
		next, effects, err := s.network.Handle(call, s.simNow(call.State.Epoch), fetched)
		var w store.Writes
		switch {
		case errors.Is(err, callflow.ErrNoChange):
		case err != nil:
			return store.Call{}, err
		default:
			w, row = s.writes(row, false, next, effects)
		}
		w.Deliveries = append(w.Deliveries, deliveries...)
		err = s.store.Apply(ctx, w)
		if errors.Is(err, store.ErrConflict) && attempt < attempts {
			continue
		}
		return row, err
	}
}

// signal is the handler of call.signal: news from another call. Its change is written
// on its own, then the job ends; should the process die in between, the signal runs
// again and finds nothing left to do.
func (s *Service) signal(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var p signalPayload
	if err := outbox.Decode(job, &p); err != nil {
		s.log.ErrorContext(ctx, "call signal dropped", "error", err)
		return outbox.Outcome{}, nil
	}
	var event callflow.Event
	switch p.Signal {
	case signalHangUp: // the parent hung up, or moved on
		event = callflow.ParentHungUp{Parent: p.From}
	case signalDialEnded: // the call this one dialed ended
		event = callflow.DialEnded{Child: p.From, Status: p.Status, Duration: p.Duration}
	default:
		return outbox.Outcome{}, nil
	}
	if _, err := s.change(ctx, job.AccountSid, job.ResourceSid, event); err != nil && !errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, fmt.Errorf("call signal: %w", err)
	}
	return outbox.Outcome{}, nil
}

// callOf is a stored call as callflow sees it.
func callOf(row store.Call) (callflow.Call, error) {
	c := callflow.Call{Sid: row.Sid, AccountSid: row.AccountSid, ParentCallSid: row.ParentCallSid, To: row.To, From: row.From,
		Direction: row.Direction, CallerName: row.CallerName, ForwardedFrom: row.ForwardedFrom, Status: row.Status,
		StartTime: row.StartTime, EndTime: row.EndTime, Duration: row.Duration, Price: row.Price}
	if err := json.Unmarshal(row.Settings, &c.Settings); err != nil {
		return callflow.Call{}, fmt.Errorf("call %s: settings: %w", row.Sid, err)
	}
	if err := json.Unmarshal(row.State, &c.State); err != nil {
		return callflow.Call{}, fmt.Errorf("call %s: state: %w", row.Sid, err)
	}
	return c, nil
}

// writes is callflow's outcome for the call stored as row as one transaction: the call
// (new when created, else changed if still at the version read) with its next step in
// place of any pending one, and what the effects ask for. It returns the row as written.
func (s *Service) writes(row store.Call, created bool, c callflow.Call, effects []callflow.Effect) (store.Writes, store.Call) {
	now := s.clock.Now().UTC().Truncate(time.Second)
	row.ParentCallSid, row.To, row.From, row.Direction = c.ParentCallSid, c.To, c.From, c.Direction
	row.CallerName, row.ForwardedFrom = c.CallerName, c.ForwardedFrom
	row.Status, row.StartTime, row.EndTime, row.Duration, row.Price = c.Status, c.StartTime, c.EndTime, c.Duration, c.Price
	row.Settings, row.State = encode(c.Settings), encode(c.State)
	row.DateUpdated = now
	version := row.Version + 1 // the version this change makes; a new call's is 1
	if created {
		version = 1
	}
	var w store.Writes
	var jobs []store.Job
	if c.State.Wait != "" {
		jobs = append(jobs, store.Job{Kind: kindStep, AccountSid: row.AccountSid, ResourceSid: row.Sid,
			Payload: outbox.Payload(stepPayload{Version: version}), DueAt: s.realAt(c.State.Epoch, c.State.Due), DateCreated: now})
	}
	for _, e := range effects {
		jobs = s.effect(&w, row, e, jobs)
	}
	if created {
		w.Calls = append([]store.Call{row}, w.Calls...)
		w.Jobs = append(jobs, w.Jobs...)
	} else {
		w.CallChanges = []store.CallChange{{Call: row, Version: row.Version, CancelJobsOfKind: kindStep, Jobs: jobs}}
	}
	row.Version = version
	return w, row
}

// effect adds what effect e of call row asks for to w, and its jobs to jobs.
func (s *Service) effect(w *store.Writes, row store.Call, e callflow.Effect, jobs []store.Job) []store.Job {
	now := s.clock.Now()
	switch e := e.(type) {
	case callflow.Entry:
		w.CallEvents = append(w.CallEvents, store.CallEvent{AccountSid: row.AccountSid, CallSid: row.Sid, Type: e.Type,
			Description: e.Description, Data: e.Data, Elapsed: time.Duration(e.At) * time.Millisecond, DateCreated: now.UTC()})
	case callflow.Fetch:
		jobs = append(jobs, store.Job{Kind: kindFetch, AccountSid: row.AccountSid, ResourceSid: row.Sid, Target: webhook.Host(e.URL),
			Payload: outbox.Payload(fetchPayload{Seq: e.Seq}), DueAt: now, DateCreated: now})
	case callflow.Notify:
		// A call's requests share a queue, so they arrive in the order the call made them.
		p := phone.Webhook{Event: e.Event, URL: e.URL, Method: e.Method, Params: e.Params}
		jobs = append(jobs, p.Job(kindWebhook, row.AccountSid, row.Sid, "call-webhook:"+row.Sid, now))
	case callflow.Signal:
		p := signalPayload{From: row.Sid}
		switch ev := e.Event.(type) {
		case callflow.DialEnded:
			p.Signal, p.Status, p.Duration = signalDialEnded, ev.Status, ev.Duration
		case callflow.ParentHungUp:
			p.Signal = signalHangUp
		}
		jobs = append(jobs, store.Job{Kind: kindSignal, AccountSid: row.AccountSid, ResourceSid: e.To,
			Payload: outbox.Payload(p), DueAt: now, DateCreated: now})
	case callflow.StartRecording:
		dated := now.UTC().Truncate(time.Second)
		w.Recordings = append(w.Recordings, store.Recording{Sid: e.Sid, AccountSid: row.AccountSid, CallSid: row.Sid,
			Status: callflow.RecordingInProgress, Source: e.Source, Channels: e.Channels, StartTime: e.StartTime,
			DateCreated: dated, DateUpdated: dated})
	case callflow.CompleteRecording:
		w.RecordingChanges = append(w.RecordingChanges, store.RecordingChange{Sid: e.Sid, Status: callflow.RecordingCompleted,
			Duration: e.Duration, Price: e.Price, DateUpdated: now.UTC().Truncate(time.Second)})
	case callflow.Dialed:
		dated := now.UTC().Truncate(time.Second)
		child, _ := s.writes(store.Call{Sid: e.Call.Sid, AccountSid: e.Call.AccountSid, DateCreated: dated}, true, e.Call, e.Effects)
		w.Calls = append(w.Calls, child.Calls...)
		w.CallEvents = append(w.CallEvents, child.CallEvents...)
		w.Recordings = append(w.Recordings, child.Recordings...)
		jobs = append(jobs, child.Jobs...)
	}
	return jobs
}

// encode is JSON of a call's settings or state, which are plain structs: it cannot fail.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("voice: encode a call's %T: %v", v, err))
	}
	return b
}
