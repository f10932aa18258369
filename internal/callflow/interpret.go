package callflow

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/internal/webhook"
)

// The TwiML interpreter: what each verb does to the call and how long it takes.

// maxFetches bounds the documents a call asks for while nothing takes time: a document
// that redirects to itself would otherwise spin for ever.
const maxFetches = 20

// codeLoop is the error code noted when a call keeps fetching documents (Twilio's "TwiML
// redirect loop" has none of its own; 12100 is its document error).
const codeLoop = webhook.CodeParseFailure

// due finishes the wait that came due, at its due time, then runs the call on.
func (t *turn) due() error {
	st := &t.call.State
	if !Live(t.call.Status) || st.Wait == "" {
		return ErrNoChange
	}
	t.now = st.Due
	wait := st.Wait
	t.clearWait()
	switch wait {
	case waitPlace:
		t.place()
		return nil
	case waitAnswer:
		t.answerOutbound()
		if st.Wait == waitContinue {
			t.clearWait() // run its TwiML now
		}
	case waitBusy:
		t.end(StatusBusy, "")
	case waitNoAnswer:
		t.end(StatusNoAnswer, "")
	case waitLimit:
		t.end(StatusCompleted, "time limit")
	case waitFarHangup:
		t.end(StatusCompleted, "the far end hung up")
	case waitPrompt:
		if st.Gather != nil {
			st.Gather.Prompt++
		}
	case waitGather:
		if err := t.gatherTimedOut(); err != nil {
			return err
		}
	case waitRecord:
		t.recordEnded()
	}
	// waitVerb, waitContinue, waitKeys, waitBridged: nothing to finish (a verb that took
	// time is over, or there is news to act on).
	return t.advance()
}

// advance runs the call's TwiML from where it is until something takes time (which
// schedules the next step), the call waits for a document, or it ends.
func (t *turn) advance() error {
	st := &t.call.State
	for st.Wait == "" && st.Fetch == nil && Live(t.call.Status) {
		var err error
		if st.Gather != nil {
			err = t.gather()
		} else if st.Record != nil || st.Dial != nil || t.call.Settings.Bridged {
			// Waiting for a key, a hang-up or the other call: only the time limit is due.
			t.schedule(waitBridged, forever)
		} else {
			err = t.nextVerb()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parsedDoc is the document the call runs, as parsed.
type parsedDoc struct {
	src   string
	voice twiml.Voice
	ok    bool
}

// document is the document the call runs, parsed once per turn.
func (t *turn) document() (twiml.Voice, error) {
	src := t.call.State.Doc
	if t.doc.ok && t.doc.src == src {
		return t.doc.voice, nil
	}
	v, err := twiml.ParseVoice([]byte(src))
	if err != nil {
		return twiml.Voice{}, err
	}
	t.doc = parsedDoc{src: src, voice: v, ok: true}
	return v, nil
}

// verbAt is verb i of the document the call runs, which is known to be there.
func (t *turn) verbAt(i int) (twiml.Verb, error) {
	doc, err := t.document()
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
	st := &t.call.State
	doc, err := t.document()
	if err != nil {
		// Only inline TwiML gets here unread: fetched documents are checked as they come.
		t.appError(webhook.CodeParseFailure, err.Error())
		return nil
	}
	if st.Next >= len(doc.Verbs) {
		t.entry(typeVerb, "End of the document: hanging up", map[string]string{"verb": "(end)"})
		t.end(StatusCompleted, "")
		return nil
	}
	i := st.Next
	v := doc.Verbs[i]
	st.Next++
	// An incoming call is answered by its first verb, unless that verb rejects it.
	if t.call.Status == StatusRinging && v.Reject == nil && v.Supported() {
		t.answer()
	}
	switch v.Name {
	case "Say", "Play", "Pause":
		if d := t.prompt(v); d > 0 {
			st.FetchesInARow = 0
			t.schedule(waitVerb, t.now+d)
		}
	case "Gather":
		g := v.Gather
		t.entry(typeVerb, fmt.Sprintf("Gather (numDigits %d, timeout %d s, finishOnKey %q)", g.NumDigits, g.Timeout, g.FinishOnKey),
			map[string]string{"verb": "Gather", "num_digits": strconv.Itoa(g.NumDigits), "timeout": strconv.Itoa(g.Timeout),
				"finish_on_key": g.FinishOnKey, "input": g.Input, "action": t.resolve(g.Action)})
		st.Gather = &Gathering{Verb: i}
	case "Record":
		r := v.Record
		t.entry(typeVerb, fmt.Sprintf("Record (maxLength %d s, finishOnKey %q)", r.MaxLength, r.FinishOnKey),
			map[string]string{"verb": "Record", "max_length": strconv.Itoa(r.MaxLength), "finish_on_key": r.FinishOnKey,
				"action": t.resolve(r.Action)})
		st.Record = t.startRecording(i, SourceRecordVerb, 1)
		st.FetchesInARow = 0
		t.schedule(waitRecord, t.now+int64(r.MaxLength)*1000)
	case "Dial":
		t.dial(i, v.Dial)
	case "Redirect":
		u := t.resolve(v.Redirect.URL)
		t.entry(typeVerb, "Redirect to "+u, map[string]string{"verb": "Redirect", "url": u})
		t.ask(Fetch{Event: EventCallTwiML, URL: u, Method: v.Redirect.Method})
	case "Hangup":
		t.entry(typeVerb, "Hangup", map[string]string{"verb": "Hangup"})
		t.end(StatusCompleted, "")
	case "Reject":
		t.entry(typeVerb, "Reject ("+v.Reject.Reason+")", map[string]string{"verb": "Reject", "reason": v.Reject.Reason})
		if st.AnsweredAt >= 0 { // too late to refuse it: it hangs up
			t.end(StatusCompleted, "")
		} else if v.Reject.Reason == "busy" {
			t.end(StatusBusy, "rejected")
		} else {
			t.end(StatusNoAnswer, "rejected")
		}
	default:
		t.entry(typeError, "<"+v.Name+"> is not simulated: skipped", map[string]string{"verb": v.Name})
	}
	return nil
}

// prompt plays a <Say>, <Play> or <Pause>, and returns how long it takes.
func (t *turn) prompt(v twiml.Verb) int64 {
	d := promptLength(v)
	data := map[string]string{"verb": v.Name}
	var description string
	switch v.Name {
	case "Say":
		description = "Say: " + v.Say.Text
		data["text"] = v.Say.Text
		data["loop"] = strconv.Itoa(v.Say.Loop)
		if v.Say.Voice != "" {
			data["voice"] = v.Say.Voice
		}
		if v.Say.Language != "" {
			data["language"] = v.Say.Language
		}
	case "Play":
		if v.Play.Digits != "" {
			description = "Play digits " + v.Play.Digits
			data["digits"] = v.Play.Digits
		} else {
			u := t.resolve(v.Play.URL)
			description = "Play " + u
			data["url"] = u
			data["loop"] = strconv.Itoa(v.Play.Loop)
		}
	case "Pause":
		description = fmt.Sprintf("Pause %d s", v.Pause.Length)
		data["length"] = strconv.Itoa(v.Pause.Length)
	}
	if d == forever {
		data["duration_ms"] = "forever"
		description += " (until the call ends)"
	} else {
		data["duration_ms"] = strconv.FormatInt(d, 10)
	}
	t.entry(typeVerb, description, data)
	return d
}

// gather moves the <Gather> under way on: it takes the keys pressed, submits them when
// they are complete, else plays its next prompt or waits for keys.
func (t *turn) gather() error {
	st := &t.call.State
	g := st.Gather
	v, err := t.verbAt(g.Verb)
	if err != nil {
		return err
	}
	spec := v.Gather
	if st.Keys != "" && acceptsKeys(spec) {
		rest, finishKey, done := takeKeys(g, spec, st.Keys)
		st.Keys = rest
		if done {
			t.submitGather(spec, g.Digits, finishKey)
			return nil
		}
		g.Waiting = true // a key stops the prompts (barge-in)
	}
	if !g.Waiting && g.Prompt < len(spec.Prompts) {
		if d := t.prompt(spec.Prompts[g.Prompt]); d > 0 {
			st.FetchesInARow = 0
			t.schedule(waitPrompt, t.now+d)
			return nil
		}
		g.Prompt++
		return nil
	}
	g.Waiting = true
	st.FetchesInARow = 0
	t.schedule(waitGather, t.now+secondsLong(spec.Timeout))
	return nil
}

// acceptsKeys: a <Gather> takes keys unless it listens for speech only.
func acceptsKeys(g *twiml.Gather) bool { return strings.Contains(g.Input, "dtmf") }

// takeKeys feeds keys to a gather one by one until it is complete: numDigits keys, or a
// finishOnKey key (which is not part of the digits). It returns the keys left over.
func takeKeys(g *Gathering, spec *twiml.Gather, keys string) (rest, finishKey string, done bool) {
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
	st := &t.call.State
	g := st.Gather
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
	t.entry(typeGather, "Gather timed out with no keys: going on", map[string]string{"result": "timeout", "digits": ""})
	st.Gather = nil
	return nil
}

// submitGather ends the <Gather> with digits and posts them to its action, whose answer
// the call runs next. With no action and no document URL to default to (inline TwiML),
// the call goes on with the next verb.
func (t *turn) submitGather(spec *twiml.Gather, digits, finishKey string) {
	t.call.State.Gather = nil
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
	t.entry(typeGather, description, data)
	if action == "" {
		return
	}
	params := map[string]string{"Digits": digits}
	if finishKey != "" {
		params["FinishedOnKey"] = finishKey
	}
	t.ask(Fetch{Event: EventGatherAction, URL: action, Method: spec.Method, Params: params})
}

// actionURL is a <Gather>'s or <Record>'s action: its attribute, or the document's own
// URL, as Twilio defaults it; "" for inline TwiML without one.
func (t *turn) actionURL(attr string) string {
	if attr == "" {
		return t.call.State.DocURL
	}
	return t.resolve(attr)
}

// recordEnded: the <Record> under way reached maxLength, or a key ended it. The
// recording completes, and then its action is requested: the recording is complete when
// the app hears of it.
func (t *turn) recordEnded() {
	r := t.call.State.Record
	if r == nil {
		return
	}
	if action := t.finishRecord(r.Key); action != nil {
		t.ask(*action)
	}
}

// finishRecord completes the <Record> under way now and returns the request for its
// action (nil when there is none). digits is the key that ended it, "hangup" when the
// caller hung up, "" when maxLength did.
func (t *turn) finishRecord(digits string) *Fetch {
	st := &t.call.State
	r := st.Record
	st.Record = nil
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
		"RecordingUrl":      t.recordingURL(r.Sid),
		"RecordingSid":      r.Sid,
		"RecordingDuration": strconv.Itoa(dur),
	}
	if digits != "" {
		params["Digits"] = digits
	}
	return &Fetch{Event: EventRecordAction, URL: action, Method: twiml.Method(spec.Method), Params: params}
}

// dial runs a <Dial>: it places a call to the number, connected to this one, and waits
// for it to end. A noun Switchboard does not simulate, or a number that is not one, ends
// the dial at once as failed.
func (t *turn) dial(i int, d *twiml.Dial) {
	if d.Noun != "" {
		t.entry(typeError, "<Dial><"+d.Noun+"> is not simulated: the dial fails", map[string]string{"verb": "Dial", "noun": d.Noun})
		t.endDial(d, StatusFailed, "", 0)
		return
	}
	if !validEndpoint(d.Number) {
		t.entry(typeError, fmt.Sprintf("<Dial> %q is not a phone number: the dial fails", d.Number), map[string]string{"verb": "Dial", "number": d.Number})
		t.endDial(d, StatusFailed, "", 0)
		return
	}
	st := &t.call.State
	from := d.CallerID
	if from == "" {
		from = t.call.From
	}
	child, effects := t.network.Place(Call{Sid: t.network.NewSid("CA"), AccountSid: t.call.AccountSid, ParentCallSid: t.call.Sid,
		To: d.Number, From: from, Direction: DirectionOutboundDial,
		Settings: Settings{Timeout: d.Timeout, TimeLimit: d.TimeLimit, Bridged: true, StatusCallback: t.resolve(d.StatusCallback),
			StatusCallbackMethod: d.StatusCallbackMethod, StatusCallbackEvents: d.StatusCallbackEvent},
		// The dialed call's clock starts now on this call's clock.
		State: State{Epoch: st.Epoch + int64(float64(t.now)/t.network.Speed)},
	})
	t.effects = append(t.effects, Dialed{Call: child, Effects: effects})
	t.entry(typeVerb, fmt.Sprintf("Dial %s (timeout %d s): call %s", d.Number, d.Timeout, child.Sid),
		map[string]string{"verb": "Dial", "number": d.Number, "call_sid": child.Sid, "timeout": strconv.Itoa(d.Timeout),
			"action": t.resolve(d.Action)})
	st.Dial = &Dialing{Verb: i, Child: child.Sid}
	st.FetchesInARow = 0
	t.schedule(waitBridged, forever) // until the dialed call ends, or the time limit
}

// endDial: the call a <Dial> placed is over. Its action is told (DialCallStatus...),
// and its answer runs next; without an action the call goes on with the next verb.
func (t *turn) endDial(d *twiml.Dial, status, childSid string, duration int) {
	t.call.State.Dial = nil
	data := map[string]string{"dial_call_status": status, "dial_call_duration": strconv.Itoa(duration)}
	if childSid != "" {
		data["call_sid"] = childSid
	}
	action := t.resolve(d.Action)
	description := "Dial ended: " + status
	if action != "" {
		description += ": posting to " + action
	}
	t.entry(typeDial, description, data)
	if action == "" {
		return
	}
	params := map[string]string{"DialCallStatus": status, "DialCallDuration": strconv.Itoa(duration)}
	if childSid != "" {
		params["DialCallSid"] = childSid
	}
	t.ask(Fetch{Event: EventDialAction, URL: action, Method: d.Method, Params: params})
}

// validEndpoint: what a call can be placed to: a possible E.164 number, a Client
// identifier or a SIP address.
func validEndpoint(to string) bool {
	return phone.ValidNumber(to) || strings.HasPrefix(to, "client:") || strings.HasPrefix(to, "sip:")
}

// ask makes the call wait for a document: f, numbered, with the call's parameters and
// its URLs read against the document's, asked for now. Nothing else runs until its
// answer comes (Fetched). The document that asks for the 21st in a row with nothing
// taking time ends the call instead.
func (t *turn) ask(f Fetch) {
	st := &t.call.State
	st.FetchesInARow++
	if st.FetchesInARow > maxFetches {
		t.appError(codeLoop, fmt.Sprintf("%d documents fetched in a row with nothing taking time: stopped", maxFetches))
		return
	}
	t.clearWait()
	st.FetchSeq++
	f.Seq, f.At = st.FetchSeq, t.now
	f.URL, f.Method = t.resolve(f.URL), twiml.Method(f.Method)
	if f.FallbackURL != "" {
		f.FallbackURL, f.FallbackMethod = t.resolve(f.FallbackURL), twiml.Method(f.FallbackMethod)
	}
	f.Params = t.withParams(f.Params)
	st.Fetch = &f
	t.effects = append(t.effects, f)
}

// errNoAttempt: a Fetched event must tell of the request made.
var errNoAttempt = errors.New("callflow: a fetched document without a request")

// fetched: the answer to a fetch came. The one the call waits for runs, at the time it
// was asked for: its document, or, when neither the URL nor the fallback gave one, an
// application error. A late one (the call was redirected through the API meanwhile) is
// only noted; for a call that has ended, not even that.
func (t *turn) fetched(e Fetched) error {
	if len(e.Attempts) == 0 {
		return errNoAttempt
	}
	st := &t.call.State
	f := st.Fetch
	if f == nil || f.Seq != e.Seq {
		if !Live(t.call.Status) {
			return ErrNoChange
		}
		for _, a := range e.Attempts {
			t.requestEntry(e.Event, a, true)
		}
		return nil
	}
	t.now = f.At
	st.Fetch = nil
	for _, a := range e.Attempts {
		t.requestEntry(f.Event, a, false)
	}
	last := e.Attempts[len(e.Attempts)-1]
	if last.ErrorCode != 0 {
		t.appError(last.ErrorCode, last.ErrorMessage)
		return nil
	}
	t.load(e.Doc, last.URL)
	return t.advance()
}

// load makes doc, from url ("" for inline TwiML), the document the call runs from its
// first verb, and notes on the timeline the warnings Twilio would record for it: its
// attributes whose values it does not take (the verbs run with their defaults).
func (t *turn) load(doc, url string) {
	st := &t.call.State
	st.Doc, st.DocURL, st.Next = doc, url, 0
	v, err := t.document()
	if err != nil {
		return // inline TwiML that is not TwiML: nextVerb ends the call on it
	}
	for _, w := range v.Warnings {
		t.entry(typeError, fmt.Sprintf("Warning %d: %s", w.Code, w.Message), map[string]string{"error_code": strconv.Itoa(w.Code),
			"level": "warning", "verb": w.Verb, "attribute": w.Attribute, "value": w.Value, "message": w.Message})
	}
}

// requestEntry notes a request for TwiML on the timeline, with the app's answer.
func (t *turn) requestEntry(event string, a Attempt, ignored bool) {
	data := map[string]string{"event": event, "url": a.URL, "method": a.Method, "delivery_sid": a.DeliverySid}
	description := fmt.Sprintf("%s %s (%s)", a.Method, a.URL, event)
	if a.Status != 0 {
		data["status_code"] = strconv.Itoa(a.Status)
		description += fmt.Sprintf(" answered %d %s", a.Status, a.ContentType)
	}
	if a.ErrorCode != 0 {
		data["error_code"] = strconv.Itoa(a.ErrorCode)
		description += fmt.Sprintf(": error %d, %s", a.ErrorCode, a.ErrorMessage)
	}
	if ignored {
		data["ignored"] = "redirected"
		description += ": ignored, the call was redirected through the API meanwhile"
	}
	t.entry(typeWebhook, description, data)
}

// appError ends the call after its TwiML failed, as Twilio ends it after saying "an
// application error has occurred".
func (t *turn) appError(code int, message string) {
	t.entry(typeError, fmt.Sprintf("Application error %d: %s", code, message),
		map[string]string{"error_code": strconv.Itoa(code), "message": message})
	t.end(StatusCompleted, "application error")
}

// resolve reads ref (from a TwiML document) relative to the document's URL.
func (t *turn) resolve(ref string) string { return twiml.Resolve(t.call.State.DocURL, ref) }

// ReadAnswer reads an app's answer to a request for TwiML: the document to run, or the
// error code and message to record (12300 for a content type that cannot hold TwiML,
// 12100 for one that is not a voice document), as Twilio's. An empty answer is an empty
// document: the call hangs up.
func ReadAnswer(contentType string, body []byte) (doc string, code int, message string) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return "<Response/>", 0, ""
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "text/xml" && mt != "application/xml" && mt != "text/html" {
		return "", webhook.CodeBadContentType, fmt.Sprintf("Content-Type %q cannot hold TwiML: use text/xml", contentType)
	}
	if _, err := twiml.ParseVoice(body); err != nil {
		return "", webhook.CodeParseFailure, err.Error()
	}
	return string(body), 0, ""
}

// AnswerWarning is what the request that fetched doc, a document ReadAnswer accepted,
// records of its warnings (see turn.load): the first one's code and every one's
// message, or 0 and "" when there are none. The document runs all the same.
func AnswerWarning(doc string) (code int, message string) {
	v, err := twiml.ParseVoice([]byte(doc))
	if err != nil || len(v.Warnings) == 0 {
		return 0, ""
	}
	messages := make([]string, len(v.Warnings))
	for i, w := range v.Warnings {
		messages[i] = fmt.Sprintf("Warning %d: %s", w.Code, w.Message)
	}
	return v.Warnings[0].Code, strings.Join(messages, "; ")
}
