package voice

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// The TwiML interpreter: what each verb does to the call and how long it takes.

// step is the handler of call.step: the call's pending step has come due. It finishes
// what was under way (a verb that ended, a <Gather> that timed out, the phone that was
// ringing), then runs the call's TwiML on until something takes time, and writes all of
// it, with the next step, in the transaction that ends the job.
func (s *Service) step(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var p stepPayload
	if err := outbox.Decode(job, &p); err != nil {
		s.log.ErrorContext(ctx, "call step dropped", "error", err) // it could never run
		return outbox.Outcome{}, nil
	}
	c, err := s.store.GetCall(ctx, job.AccountSid, job.ResourceSid)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, nil // deleted meanwhile
	}
	if err != nil {
		return outbox.Outcome{}, fmt.Errorf("call step: %w", err)
	}
	// Every change to a call replaces its step, so a step written for another version
	// has been replaced; this one is left over (it cannot be, but costs nothing to check).
	if c.Version != p.Version || !live(c.Status) {
		return outbox.Outcome{}, nil
	}
	t, err := s.load(c, 0)
	if err != nil {
		return outbox.Outcome{}, err
	}
	// The step runs at the simulated time it was due, however late the runner got to it:
	// a call's timeline does not depend on how busy the machine was.
	t.at = t.st.Due
	wait := t.st.Wait
	t.st.Wait, t.st.Due, t.st.Wanted, t.st.WantedDue = "", 0, "", 0
	if err := s.run(ctx, t, wait); err != nil {
		return outbox.Outcome{}, err
	}
	return outbox.Outcome{Writes: t.writes()}, nil
}

// run finishes the wait that came due, then runs the call on.
func (s *Service) run(ctx context.Context, t *turn, wait string) error {
	switch wait {
	case "place":
		t.place()
		return nil
	case "answer":
		t.answerOutbound()
		if t.st.Wait == "continue" {
			t.st.Wait = ""
		}
	case "busy":
		t.end(StatusBusy, "")
	case "no-answer":
		t.end(StatusNoAnswer, "")
	case "limit":
		t.end(StatusCompleted, "time limit")
	case "far-hangup":
		t.end(StatusCompleted, "the far end hung up")
	case "prompt":
		if t.st.Gather != nil {
			t.st.Gather.Prompt++
		}
	case "gather":
		if err := t.gatherTimedOut(); err != nil {
			return err
		}
	case "record":
		if err := t.recordEnded(); err != nil {
			return err
		}
	case "verb", "continue", "keys", "bridged":
		// Nothing to finish: a verb that took time is over, or there is news to act on.
	}
	return s.advance(ctx, t)
}

// advance runs the call's TwiML from where it is until something takes time (which
// schedules the next step) or the call ends.
func (s *Service) advance(ctx context.Context, t *turn) error {
	for t.st.Wait == "" && live(t.call.Status) {
		switch {
		case t.st.Fetch != nil:
			if err := s.fetchDoc(ctx, t); err != nil {
				return err
			}
		case t.st.Gather != nil:
			if err := t.gather(); err != nil {
				return err
			}
		case t.st.Record != nil || t.st.Dial != nil || t.set.Bridged:
			// Waiting for a key, a hang-up or the other call: only the time limit is due.
			t.schedule("bridged", forever)
		default:
			if err := t.nextVerb(); err != nil {
				return err
			}
		}
	}
	return nil
}

// doc is the document the call runs, parsed once per turn.
func (t *turn) doc() (twiml.Voice, error) {
	if t.parsedOK && t.parsedSrc == t.st.Doc {
		return t.parsed, nil
	}
	v, err := twiml.ParseVoice([]byte(t.st.Doc))
	if err != nil {
		return twiml.Voice{}, err
	}
	t.parsed, t.parsedSrc, t.parsedOK = v, t.st.Doc, true
	return v, nil
}

// verbAt is verb i of the document the call runs, which is known to be there.
func (t *turn) verbAt(i int) (twiml.Verb, error) {
	doc, err := t.doc()
	if err != nil {
		return twiml.Verb{}, err
	}
	if i < 0 || i >= len(doc.Verbs) {
		return twiml.Verb{}, fmt.Errorf("call %s: verb %d of a %d-verb document", t.call.Sid, i, len(doc.Verbs))
	}
	return doc.Verbs[i], nil
}

// nextVerb runs the document's next verb, or hangs up at its end.
func (t *turn) nextVerb() error {
	doc, err := t.doc()
	if err != nil {
		// Only inline TwiML gets here unread: fetched documents are checked as they come.
		t.appError(webhook.CodeParseFailure, err.Error())
		return nil
	}
	if t.st.Next >= len(doc.Verbs) {
		t.event(typeVerb, "End of the document: hanging up", map[string]string{"verb": "(end)"})
		t.end(StatusCompleted, "")
		return nil
	}
	i := t.st.Next
	v := doc.Verbs[i]
	t.st.Next++
	// An incoming call is answered by its first verb, unless that verb rejects it.
	if t.call.Status == StatusRinging && v.Reject == nil && v.Supported() {
		t.answer()
	}
	switch {
	case v.Say != nil, v.Play != nil, v.Pause != nil:
		if d := t.prompt(v); d > 0 {
			t.st.Fetches = 0
			t.schedule("verb", t.at+d)
		}
	case v.Gather != nil:
		g := v.Gather
		t.event(typeVerb, fmt.Sprintf("Gather (numDigits %d, timeout %d s, finishOnKey %q)", g.NumDigits, g.Timeout, g.FinishOnKey),
			map[string]string{"verb": "Gather", "num_digits": strconv.Itoa(g.NumDigits), "timeout": strconv.Itoa(g.Timeout),
				"finish_on_key": g.FinishOnKey, "input": g.Input, "action": t.resolve(g.Action)})
		t.st.Gather = &gatherRun{Verb: i}
	case v.Record != nil:
		r := v.Record
		t.event(typeVerb, fmt.Sprintf("Record (maxLength %d s, finishOnKey %q)", r.MaxLength, r.FinishOnKey),
			map[string]string{"verb": "Record", "max_length": strconv.Itoa(r.MaxLength), "finish_on_key": r.FinishOnKey,
				"action": t.resolve(r.Action)})
		t.st.Record = t.startRecording(i, SourceRecordVerb, 1)
		t.st.Fetches = 0
		t.schedule("record", t.at+int64(r.MaxLength)*1000)
	case v.Dial != nil:
		return t.dial(i, v.Dial)
	case v.Redirect != nil:
		u := t.resolve(v.Redirect.URL)
		t.event(typeVerb, "Redirect to "+u, map[string]string{"verb": "Redirect", "url": u})
		t.st.Fetch = &fetch{Event: EventCallTwiML, URL: u, Method: twiml.Method(v.Redirect.Method)}
	case v.Name == "Hangup":
		t.event(typeVerb, "Hangup", map[string]string{"verb": "Hangup"})
		t.end(StatusCompleted, "")
	case v.Reject != nil:
		t.event(typeVerb, "Reject ("+v.Reject.Reason+")", map[string]string{"verb": "Reject", "reason": v.Reject.Reason})
		switch {
		case t.st.AnsweredAt >= 0: // too late to refuse it: it hangs up
			t.end(StatusCompleted, "")
		case v.Reject.Reason == "busy":
			t.end(StatusBusy, "rejected")
		default:
			t.end(StatusNoAnswer, "rejected")
		}
	default:
		t.event(typeError, "<"+v.Name+"> is not simulated: skipped", map[string]string{"verb": v.Name})
	}
	return nil
}

// prompt plays a <Say>, <Play> or <Pause>, and returns how long it takes.
func (t *turn) prompt(v twiml.Verb) int64 {
	d := promptLength(v)
	data := map[string]string{"verb": v.Name}
	var description string
	switch {
	case v.Say != nil:
		description = "Say: " + v.Say.Text
		data["text"] = v.Say.Text
		data["loop"] = strconv.Itoa(v.Say.Loop)
		if v.Say.Voice != "" {
			data["voice"] = v.Say.Voice
		}
		if v.Say.Language != "" {
			data["language"] = v.Say.Language
		}
	case v.Play != nil && v.Play.Digits != "":
		description = "Play digits " + v.Play.Digits
		data["digits"] = v.Play.Digits
	case v.Play != nil:
		u := t.resolve(v.Play.URL)
		description = "Play " + u
		data["url"] = u
		data["loop"] = strconv.Itoa(v.Play.Loop)
	case v.Pause != nil:
		description = fmt.Sprintf("Pause %d s", v.Pause.Length)
		data["length"] = strconv.Itoa(v.Pause.Length)
	}
	if d == forever {
		data["duration_ms"] = "forever"
		description += " (until the call ends)"
	} else {
		data["duration_ms"] = strconv.FormatInt(d, 10)
	}
	t.event(typeVerb, description, data)
	return d
}

// gather moves the <Gather> under way on: it takes the keys pressed, submits them when
// they are complete, else plays its next prompt or waits for keys.
func (t *turn) gather() error {
	g := t.st.Gather
	v, err := t.verbAt(g.Verb)
	if err != nil {
		return err
	}
	spec := v.Gather
	if t.st.Keys != "" && acceptsKeys(spec) {
		rest, finishKey, done := takeKeys(g, spec, t.st.Keys)
		t.st.Keys = rest
		if done {
			t.submitGather(spec, g.Digits, finishKey)
			return nil
		}
		g.Waiting = true // a key stops the prompts (barge-in)
	}
	if !g.Waiting && g.Prompt < len(spec.Prompts) {
		if d := t.prompt(spec.Prompts[g.Prompt]); d > 0 {
			t.st.Fetches = 0
			t.schedule("prompt", t.at+d)
			return nil
		}
		g.Prompt++
		return nil
	}
	g.Waiting = true
	t.st.Fetches = 0
	t.schedule("gather", t.at+int64(spec.Timeout)*1000)
	return nil
}

// acceptsKeys: a <Gather> takes keys unless it listens for speech only.
func acceptsKeys(g *twiml.Gather) bool { return strings.Contains(g.Input, "dtmf") }

// takeKeys feeds keys to a gather one by one until it is complete: numDigits keys, or a
// finishOnKey key (which is not part of the digits). It returns the keys left over.
func takeKeys(g *gatherRun, spec *twiml.Gather, keys string) (rest, finishKey string, done bool) {
	for i, k := range keys {
		key := string(k)
		if spec.FinishOnKey != "" && strings.Contains(spec.FinishOnKey, key) {
			return keys[i+1:], key, true
		}
		g.Digits += key
		if spec.NumDigits > 0 && len(g.Digits) >= spec.NumDigits {
			return keys[i+1:], "", true
		}
	}
	return "", "", false
}

// gatherTimedOut: no key came within the timeout. Keys gathered so far are submitted;
// with none, the call goes on with the next verb (unless actionOnEmptyResult).
func (t *turn) gatherTimedOut() error {
	g := t.st.Gather
	if g == nil {
		return nil
	}
	v, err := t.verbAt(g.Verb)
	if err != nil {
		return err
	}
	if g.Digits != "" || v.Gather.ActionOnEmptyResult {
		t.submitGather(v.Gather, g.Digits, "")
		return nil
	}
	t.event(typeGather, "Gather timed out with no keys: going on", map[string]string{"result": "timeout", "digits": ""})
	t.st.Gather = nil
	return nil
}

// submitGather ends the <Gather> with digits and posts them to its action, whose answer
// the call runs next. With no action and no document URL to default to (inline TwiML),
// the call goes on with the next verb.
func (t *turn) submitGather(spec *twiml.Gather, digits, finishKey string) {
	t.st.Gather = nil
	data := map[string]string{"result": "digits", "digits": digits}
	if finishKey != "" {
		data["finished_on_key"] = finishKey
	}
	if digits == "" {
		data["result"] = "timeout"
	}
	action := t.actionURL(spec.Action)
	description := fmt.Sprintf("Gather got %q", digits)
	if action != "" {
		description += ": posting to " + action
	}
	t.event(typeGather, description, data)
	if action == "" {
		return
	}
	params := map[string]string{"Digits": digits}
	if finishKey != "" {
		params["FinishedOnKey"] = finishKey
	}
	t.st.Fetch = &fetch{Event: EventGatherAction, URL: action, Method: twiml.Method(spec.Method), Params: params}
}

// actionURL is a <Gather>'s or <Record>'s action: its attribute, or the document's own
// URL, as Twilio defaults it; "" for inline TwiML without one.
func (t *turn) actionURL(attr string) string {
	if attr == "" {
		return t.st.DocURL
	}
	return t.resolve(attr)
}

// recordEnded: the <Record> under way reached maxLength, or a key ended it. The
// recording completes and its action is requested.
func (t *turn) recordEnded() error {
	if t.st.Record == nil {
		return nil
	}
	if action := t.finishRecord(t.st.Record.Key); action != nil {
		t.st.Fetch = action
	}
	return nil
}

// finishRecord completes the <Record> under way now and returns the request for its
// action (nil when there is none). digits is the key that ended it, "hangup" when the
// caller hung up, "" when maxLength did.
func (t *turn) finishRecord(digits string) *fetch {
	r := t.st.Record
	t.st.Record = nil
	v, err := t.verbAt(r.Verb)
	if err != nil || v.Record == nil {
		t.completeRecording(r, digits, "", "")
		return nil
	}
	spec := v.Record
	dur := t.completeRecording(r, digits, t.resolve(spec.RecordingStatusCallback), spec.RecordingStatusCallbackMethod)
	action := t.actionURL(spec.Action)
	if action == "" {
		return nil
	}
	params := map[string]string{
		"RecordingUrl":      t.s.recordingURL(t.call.AccountSid, r.Sid),
		"RecordingSid":      r.Sid,
		"RecordingDuration": strconv.Itoa(dur),
	}
	if digits != "" {
		params["Digits"] = digits
	}
	return &fetch{Event: EventRecordAction, URL: action, Method: twiml.Method(spec.Method), Params: params}
}

// dial runs a <Dial>: it places a call to the number, connected to this one, and waits
// for it to end. A noun Switchboard does not simulate, or a number that is not one, ends
// the dial at once as failed.
func (t *turn) dial(i int, d *twiml.Dial) error {
	switch {
	case d.Noun != "":
		t.event(typeError, "<Dial><"+d.Noun+"> is not simulated: the dial fails", map[string]string{"verb": "Dial", "noun": d.Noun})
		return t.dialEnded(i, StatusFailed, "", 0)
	case !validEndpoint(d.Number):
		t.event(typeError, fmt.Sprintf("<Dial> %q is not a phone number: the dial fails", d.Number), map[string]string{"verb": "Dial", "number": d.Number})
		return t.dialEnded(i, StatusFailed, "", 0)
	}
	from := d.CallerID
	if from == "" {
		from = t.call.From
	}
	now := time.Now().UTC().Truncate(time.Second)
	child := &turn{s: t.s, at: 0, created: true,
		call: store.Call{Sid: sid.New("CA"), AccountSid: t.call.AccountSid, ParentCallSid: t.call.Sid, To: d.Number, From: from,
			Status: StatusQueued, Direction: DirectionOutboundDial, DateCreated: now, DateUpdated: now},
		set: settings{Timeout: d.Timeout, TimeLimit: d.TimeLimit, Bridged: true, StatusCallback: t.resolve(d.StatusCallback),
			StatusCallbackMethod: d.StatusCallbackMethod, StatusCallbackEvents: d.StatusCallbackEvent},
		// The dialed call's clock starts now on this call's clock.
		st: state{Epoch: t.st.Epoch + int64(float64(t.at)/t.s.speed), AnsweredAt: -1},
	}
	child.setStatus(StatusQueued, nil)
	child.callback(cbInitiated)
	child.schedule("place", 0)
	t.absorb(child.writes())

	t.event(typeVerb, fmt.Sprintf("Dial %s (timeout %d s): call %s", d.Number, d.Timeout, child.call.Sid),
		map[string]string{"verb": "Dial", "number": d.Number, "call_sid": child.call.Sid, "timeout": strconv.Itoa(d.Timeout),
			"action": t.resolve(d.Action)})
	t.st.Dial = &dialRun{Verb: i, Child: child.call.Sid}
	t.st.Fetches = 0
	t.schedule("bridged", forever) // until the dialed call ends, or the time limit
	return nil
}

// dialEnded: the call a <Dial> placed is over. Its action is told (DialCallStatus...),
// and its answer runs next; without an action the call goes on with the next verb.
func (t *turn) dialEnded(i int, status, childSid string, duration int) error {
	v, err := t.verbAt(i)
	if err != nil {
		return err
	}
	t.st.Dial = nil
	dialStatus := status
	data := map[string]string{"dial_call_status": dialStatus, "dial_call_duration": strconv.Itoa(duration)}
	if childSid != "" {
		data["call_sid"] = childSid
	}
	action := t.resolve(v.Dial.Action)
	description := fmt.Sprintf("Dial ended: %s", dialStatus)
	if action != "" {
		description += ": posting to " + action
	}
	t.event(typeDial, description, data)
	if action == "" {
		return nil
	}
	params := map[string]string{"DialCallStatus": dialStatus, "DialCallDuration": strconv.Itoa(duration)}
	if childSid != "" {
		params["DialCallSid"] = childSid
	}
	t.st.Fetch = &fetch{Event: EventDialAction, URL: action, Method: twiml.Method(v.Dial.Method), Params: params}
	return nil
}

// validEndpoint: what a call can be placed to: a possible E.164 number, a Client
// identifier or a SIP address.
func validEndpoint(to string) bool {
	return phone.ValidNumber(to) || strings.HasPrefix(to, "client:") || strings.HasPrefix(to, "sip:")
}
