package callflow

import (
	"strings"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// What comes from outside the call's own TwiML: keys, the far end, the API, and the
// other call of a <Dial>.

// notLive is the error for a change that needs a live call.
func notLive(c Call, what string) *phone.RuleError {
	return phone.RuleErrorf(21220, "Call %s is %s; %s.", c.Sid, c.Status, what)
}

// digits presses keys on a call in progress, as the far end: a <Gather> takes them, a
// <Record> stops at its finishOnKey, a <Dial hangupOnStar> ends at `*`; otherwise they
// wait for the next <Gather> (type-ahead), also while the call waits for a document.
func (t *turn) digits(pressed string) error {
	if t.call.Status != StatusInProgress {
		return notLive(t.call, "keys can be pressed only on a call in progress")
	}
	keys := withoutPauses(pressed)
	if keys == "" {
		return ErrNoChange
	}
	t.entry(typeDigits, "Pressed "+keys, map[string]string{"digits": keys, "source": "Digits"})
	st := &t.call.State
	if st.Record != nil {
		v, err := t.verbAt(st.Record.Verb)
		if err != nil {
			return err
		}
		if i := strings.IndexAny(keys, v.Record.FinishOnKey); i >= 0 {
			st.Record.Key = keys[i : i+1]
			t.schedule(waitRecord, t.now)
		}
		return nil
	}
	if st.Dial != nil {
		v, err := t.verbAt(st.Dial.Verb)
		if err != nil {
			return err
		}
		if v.Dial.HangupOnStar && strings.Contains(keys, "*") {
			t.entry(typeDial, "Star pressed: hanging up the dialed call", map[string]string{"call_sid": st.Dial.Child})
			t.signal(st.Dial.Child, ParentHungUp{Parent: t.call.Sid})
		}
		return nil
	}
	st.Keys += keys
	if g := st.Gather; g != nil {
		v, err := t.verbAt(g.Verb)
		if err != nil {
			return err
		}
		if acceptsKeys(v.Gather) {
			t.schedule(waitKeys, t.now)
		}
	}
	return nil
}

// answerFarEnd: the phone a ringing outbound call rings picks up now.
func (t *turn) answerFarEnd() error {
	if t.call.Status != StatusRinging || t.call.Direction == DirectionInbound {
		return notLive(t.call, "only a ringing outbound call can be answered by the far end (an inbound call is answered by its TwiML)")
	}
	t.entry(typeAPI, "Answered by the far end (simulator)", map[string]string{"action": "answer"})
	t.answerOutbound()
	return nil
}

// hangUpFarEnd: the far end hangs up. A call in progress ends completed; a ringing call
// is declined (busy), or, for an inbound call, given up by the caller (canceled).
func (t *turn) hangUpFarEnd() error {
	t.entry(typeAPI, "The far end hung up (simulator)", map[string]string{"action": "hangup"})
	inbound := t.call.Direction == DirectionInbound
	if t.call.Status == StatusInProgress {
		t.end(StatusCompleted, "the far end hung up")
	} else if t.call.Status == StatusRinging && inbound {
		t.end(StatusCanceled, "the caller hung up")
	} else if t.call.Status == StatusRinging {
		t.end(StatusBusy, "declined")
	} else {
		return notLive(t.call, "only a ringing call or one in progress can be hung up")
	}
	return nil
}

// update is a change through the API: a redirect of a live call to new TwiML, a hang-up
// or a cancel, new settings. It commits at once, and wins over whatever the call was
// doing, a document it waited for included.
func (t *turn) update(u Update) error {
	if !Live(t.call.Status) {
		return notLive(t.call, "only a live call can be changed")
	}
	set, st := &t.call.Settings, &t.call.State
	setIf(&set.StatusCallback, u.StatusCallback)
	setIf(&set.StatusCallbackMethod, u.StatusCallbackMethod)
	setIf(&set.FallbackURL, u.FallbackURL)
	setIf(&set.FallbackMethod, u.FallbackMethod)
	if u.TimeLimit != nil {
		set.TimeLimit = *u.TimeLimit
		if st.AnsweredAt >= 0 {
			st.LimitAt = max(st.AnsweredAt+int64(*u.TimeLimit)*1000, t.now)
			if st.Wait != "" {
				t.schedule(st.Wanted, st.WantedDue) // the pending step, cut at the new limit
			}
		}
	}
	if u.Status != nil {
		return t.changeStatus(*u.Status)
	}
	if u.URL != nil || u.Twiml != nil {
		t.redirect(u)
	}
	return nil
}

func setIf(field *string, v *string) {
	if v != nil {
		*field = *v
	}
}

// changeStatus cancels a call not yet answered, or hangs up one in progress.
func (t *turn) changeStatus(status string) error {
	answered := t.call.Status == StatusInProgress
	if status == StatusCanceled && answered {
		return notLive(t.call, "a call in progress cannot be canceled: hang it up with Status=completed")
	}
	if status == StatusCanceled || !answered {
		t.entry(typeAPI, "Canceled through the API", map[string]string{"action": "cancel"})
		t.end(StatusCanceled, "canceled")
		return nil
	}
	t.entry(typeAPI, "Hung up through the API", map[string]string{"action": "hangup"})
	t.end(StatusCompleted, "hung up through the API")
	return nil
}

// redirect makes the call run new TwiML. A call in progress (or an incoming call,
// ringing while its TwiML runs) stops what it was doing at once; an outbound one not yet
// answered runs it when answered.
func (t *turn) redirect(u Update) {
	set, st := &t.call.Settings, &t.call.State
	if t.call.Status != StatusInProgress && t.call.Direction != DirectionInbound {
		if u.URL != nil {
			set.URL, set.Twiml = *u.URL, ""
			setIf(&set.Method, u.Method)
		} else {
			set.URL, set.Twiml = "", *u.Twiml
		}
		t.entry(typeAPI, "TwiML to run when answered changed through the API", map[string]string{"action": "redirect"})
		return
	}
	if st.Record != nil {
		t.finishRecord("") // kept, but the call does not go to its action
	}
	if d := st.Dial; d != nil {
		t.signal(d.Child, ParentHungUp{Parent: t.call.Sid})
		st.Dial = nil
	}
	st.Gather = nil
	st.FetchesInARow = 0
	if u.URL != nil {
		t.entry(typeAPI, "Redirected through the API to "+*u.URL, map[string]string{"action": "redirect", "url": *u.URL})
		method := "POST"
		setIf(&method, u.Method)
		t.ask(Fetch{Event: EventCallTwiML, URL: *u.URL, Method: method})
		return
	}
	t.entry(typeAPI, "Redirected through the API to new TwiML", map[string]string{"action": "redirect", "twiml": *u.Twiml})
	st.Fetch = nil
	t.load(*u.Twiml, "")
	t.schedule(waitContinue, t.now)
}

// dialEnded: the call this one's <Dial> placed is over: the dial's action is told, or
// the call goes on with its next verb.
func (t *turn) dialEnded(e DialEnded) error {
	st := &t.call.State
	if !Live(t.call.Status) || st.Dial == nil || st.Dial.Child != e.Child {
		return ErrNoChange
	}
	v, err := t.verbAt(st.Dial.Verb)
	if err != nil {
		return err
	}
	st.FetchesInARow = 0
	t.endDial(v.Dial, e.Status, e.Child, e.Duration)
	if st.Fetch == nil {
		t.schedule(waitContinue, t.now)
	}
	return nil
}

// parentHungUp: the call whose <Dial> placed this one hung up, or moved on: this one
// hangs up too.
func (t *turn) parentHungUp(e ParentHungUp) error {
	if !Live(t.call.Status) || t.call.ParentCallSid != e.Parent {
		return ErrNoChange
	}
	if t.call.Status == StatusInProgress {
		t.end(StatusCompleted, "the calling party hung up")
	} else {
		t.end(StatusCanceled, "the calling party hung up")
	}
	return nil
}
