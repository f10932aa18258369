package messaging

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// TestValidReply: a TwiML reply meets the API's limits: 1,600 characters (not bytes) and
// 10 media URLs are allowed, one more is not.
func TestValidReply(t *testing.T) {
	media := func(n int) []string {
		urls := make([]string, n)
		for i := range urls {
			urls[i] = "https://example.com/a.png"
		}
		return urls
	}
	for _, tt := range []struct {
		name string
		out  Outbound
		code int
	}{
		{"1600 characters", Outbound{To: "+14155550100", Body: strings.Repeat("é", 1600)}, 0},
		{"1601 characters", Outbound{To: "+14155550100", Body: strings.Repeat("a", 1601)}, 21617},
		{"10 media", Outbound{To: "+14155550100", MediaURLs: media(10)}, 0},
		{"11 media", Outbound{To: "+14155550100", MediaURLs: media(11)}, 21623},
		{"bad media URL", Outbound{To: "+14155550100", MediaURLs: []string{"ftp://x"}}, 21620},
		{"bad To", Outbound{To: "+1555", Body: "hi"}, 21211},
	} {
		err := validReply(tt.out)
		if (err == nil) != (tt.code == 0) || (err != nil && err.Code != tt.code) {
			t.Errorf("%s: %v, want code %d", tt.name, err, tt.code)
		}
	}
}

// answerOf is an incoming-message webhook's answer, as the webhook job recorded it.
func answerOf(contentType, body string) (webhook.Result, *store.Writes) {
	res := webhook.Result{URL: "https://app.example/sms/in?x=1", Method: "POST", Status: 200, ContentType: contentType, Body: []byte(body)}
	return res, &store.Writes{Deliveries: []store.WebhookDelivery{{Sid: "WH1"}}}
}

var incomingHook = phone.Webhook{Event: EventIncomingMessage, URL: "https://app.example/sms/in", Method: "POST",
	Params: map[string]string{"From": aPhone, "To": ourNumber, "Body": "hi"}}

func incomingJob() store.Job {
	return store.Job{ID: 5, Kind: kindWebhook, AccountSid: "AC1", ResourceSid: "SM0", Attempts: 1}
}

// TestActOnTwiML: an incoming message's answer becomes replies and redirects; an answer
// that is not TwiML is recorded on its delivery and sends nothing.
func TestActOnTwiML(t *testing.T) {
	tests := []struct {
		name         string
		contentType  string
		body         string
		errorCode    int
		errorMessage string
		replies      int
		redirect     string
	}{
		{"empty", "text/xml", "  \n", 0, "", 0, ""},
		{"empty, of any type", "application/json", "", 0, "", 0, ""},
		{"not XML", "application/json", `{"a": 1}`, 12300, `Content-Type "application/json" cannot hold TwiML: use text/xml`, 0, ""},
		{"no type", "", `<Response/>`, 12300, `Content-Type "" cannot hold TwiML: use text/xml`, 0, ""},
		{"not TwiML", "text/xml", `<Reply/>`, 12100, "not a TwiML document: the root element is <Reply>, not <Response>", 0, ""},
		{"no verbs", "text/xml; charset=utf-8", `<Response/>`, 0, "", 0, ""},
		{"two replies", "application/xml", `<Response><Message>One</Message><Message>Two</Message></Response>`, 0, "", 2, ""},
		{"as HTML", "text/html", `<Response><Message>One</Message></Response>`, 0, "", 1, ""},
		{"a redirect", "text/xml", `<Response><Message>One</Message><Redirect>next</Redirect></Response>`, 0, "", 1, "https://app.example/sms/next"},
		{"ten replies", "text/xml", "<Response>" + strings.Repeat("<Message>x</Message>", 10) + "</Response>", 0, "", 10, ""},
		{"twenty replies", "text/xml", "<Response>" + strings.Repeat("<Message>x</Message>", 20) + "</Response>",
			14109, "20 <Message> verbs in one response: only the first 10 were sent", 10, ""},
		{"twenty replies and a redirect", "text/xml", "<Response>" + strings.Repeat("<Message>x</Message>", 20) + "<Redirect>next</Redirect></Response>",
			14109, "20 <Message> verbs in one response: only the first 10 were sent", 10, "https://app.example/sms/next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			st.own("AC1", ourNumber)
			s := New(Config{Store: st})
			res, w := answerOf(tt.contentType, tt.body)
			if err := s.actOnAnswer(context.Background(), account, incomingJob(), incomingHook, res, w); err != nil {
				t.Fatal(err)
			}
			d := w.Deliveries[0]
			if d.ErrorCode != tt.errorCode || d.ErrorMessage != tt.errorMessage {
				t.Errorf("delivery error %d %q, want %d %q", d.ErrorCode, d.ErrorMessage, tt.errorCode, tt.errorMessage)
			}
			jobs := decodeJobs(t, w.Jobs)
			if len(w.Messages) != tt.replies || len(jobs.steps) != tt.replies {
				t.Errorf("%d replies (%d steps), want %d", len(w.Messages), len(jobs.steps), tt.replies)
			}
			for _, m := range w.Messages {
				if m.To != aPhone || m.From != ourNumber || m.Direction != DirectionOutboundReply || m.Status != statusQueued {
					t.Errorf("reply %+v", m)
				}
			}
			if (tt.redirect == "") != (len(jobs.hooks) == 0) || (tt.redirect != "" && jobs.hooks[0].URL != tt.redirect) {
				t.Errorf("redirects %+v, want %q", jobs.hooks, tt.redirect)
			}
		})
	}
}

// TestActOnAnswerOfACallback: a status callback's answer is only recorded.
func TestActOnAnswerOfACallback(t *testing.T) {
	s := New(Config{Store: newFakeStore()})
	res, w := answerOf("text/xml", `<Response><Message>One</Message></Response>`)
	hook := incomingHook
	hook.Event = EventMessageStatus
	if err := s.actOnAnswer(context.Background(), account, incomingJob(), hook, res, w); err != nil || len(w.Messages)+len(w.Jobs) != 0 {
		t.Errorf("%+v, %v", w, err)
	}
}

// TestReplies: a <Message> goes back to the sender from the number texted unless it says
// otherwise; its media and callback are read against the document's URL; a reply that
// breaks a rule is kept, failed with the rule's code, where the developer sees it.
func TestReplies(t *testing.T) {
	tests := []struct {
		name           string
		verb           string
		to, from       string
		media          []string
		callback       string
		status         string
		code           int
		withStep, with bool
	}{
		{"back to the sender", `<Message>Hi</Message>`, aPhone, ourNumber, nil, "", statusQueued, 0, true, false},
		{"elsewhere", `<Message to="+14155550100" from="+15005550006" statusCallback="/cb">Hi</Message>`, "+14155550100", phone.MagicFrom, nil,
			"https://app.example/cb", statusQueued, 0, true, false},
		{"with media", `<Message><Body>Look</Body><Media>pics/a.png</Media><Media>https://cdn.example/b.png</Media></Message>`, aPhone, ourNumber,
			[]string{"https://app.example/sms/pics/a.png", "https://cdn.example/b.png"}, "", statusQueued, 0, false, true},
		{"from a number not ours", `<Message from="+14155550100"><Media>a.png</Media></Message>`, aPhone, "+14155550100", nil, "", statusFailed, 21606, false, false},
		{"to an opted-out recipient", `<Message to="+14155550101">Hi</Message>`, "+14155550101", ourNumber, nil, "", statusFailed, 21610, false, false},
		{"to a magic number", `<Message to="+15005550009">Hi</Message>`, "+15005550009", ourNumber, nil, "", statusFailed, 21614, false, false},
		{"to no number", `<Message to="+1555">Hi</Message>`, "+1555", ourNumber, nil, "", statusFailed, 21211, false, false},
		{"with a media URL that is not one", `<Message><Media>ftp://x/a.png</Media></Message>`, aPhone, ourNumber, nil, "", statusFailed, 21620, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			st.own("AC1", ourNumber)
			st.optOut("AC1", ourNumber, "+14155550101")
			s := New(Config{Store: st})
			res, w := answerOf("text/xml", `<Response>`+tt.verb+`</Response>`)
			if err := s.actOnTwiML(context.Background(), account, incomingJob(), incomingHook, res, w); err != nil {
				t.Fatal(err)
			}
			if len(w.Messages) != 1 {
				t.Fatalf("%d messages", len(w.Messages))
			}
			m := w.Messages[0]
			jobs := decodeJobs(t, w.Jobs)
			if m.To != tt.to || m.From != tt.from || m.Status != tt.status || m.ErrorCode != tt.code || m.StatusCallback != tt.callback ||
				!slices.Equal(m.MediaURLs, tt.media) || m.Direction != DirectionOutboundReply {
				t.Errorf("reply %+v", m)
			}
			if tt.code != 0 && (m.ErrorMessage == "" || len(w.Jobs) != 0 || len(w.Media) != 0) {
				t.Errorf("a failed reply: message %q, %d jobs, %d media", m.ErrorMessage, len(w.Jobs), len(w.Media))
			}
			if len(jobs.steps) == 1 != tt.withStep || len(jobs.media) == 1 != tt.with {
				t.Errorf("jobs %+v", jobs)
			}
		})
	}
	st := newFakeStore()
	st.fail["SenderCheck"] = errDisk
	res, w := answerOf("text/xml", `<Response><Message>Hi</Message></Response>`)
	if err := New(Config{Store: st}).actOnTwiML(context.Background(), account, incomingJob(), incomingHook, res, w); !errors.Is(err, errDisk) {
		t.Errorf("the sender check failing: %v", err)
	}
}

// TestRedirects: a <Redirect> is a new request for the same message, with its parameters,
// counted, up to ten in a row.
func TestRedirects(t *testing.T) {
	for _, tt := range []struct {
		verb, url, method string
		redirects         int
		followed          bool
	}{
		{`<Redirect>/other</Redirect>`, "https://app.example/other", "POST", 0, true},
		{`<Redirect method="GET">https://elsewhere.example/x</Redirect>`, "https://elsewhere.example/x", "GET", 3, true},
		{`<Redirect>/other</Redirect>`, "https://app.example/other", "POST", 9, true},
		{`<Redirect>/other</Redirect>`, "", "", 10, false},
	} {
		s := New(Config{Store: newFakeStore()})
		res, w := answerOf("text/xml", `<Response>`+tt.verb+`</Response>`)
		hook := incomingHook
		hook.Redirects = tt.redirects
		if err := s.actOnTwiML(context.Background(), account, incomingJob(), hook, res, w); err != nil {
			t.Fatal(err)
		}
		jobs := decodeJobs(t, w.Jobs)
		if !tt.followed {
			if len(w.Jobs) != 0 || w.Deliveries[0].ErrorCode != 12100 || w.Deliveries[0].ErrorMessage != "more than 10 <Redirect>s in a row; stopped" {
				t.Errorf("redirect %d followed: %+v, delivery %+v", tt.redirects+1, jobs.hooks, w.Deliveries[0])
			}
			continue
		}
		if len(jobs.hooks) != 1 {
			t.Fatalf("%d redirects", len(jobs.hooks))
		}
		h, j := jobs.hooks[0], jobs.hookJobs[0]
		if h.URL != tt.url || h.Method != tt.method || h.Redirects != tt.redirects+1 || h.Event != EventIncomingMessage ||
			!maps.Equal(h.Params, incomingHook.Params) || j.ResourceSid != "SM0" || j.Queue != "webhook:SM0" || j.AccountSid != "AC1" {
			t.Errorf("redirect %+v, job %+v", h, j)
		}
	}
}

// TestReplay: a delivery's request is queued again, as it was, naming the delivery.
func TestReplay(t *testing.T) {
	st := newFakeStore()
	st.deliveries["WH1"] = store.WebhookDelivery{Sid: "WH1", AccountSid: "AC1", ResourceSid: "SM1", Event: EventIncomingMessage,
		URL: "https://app.example/sms", Method: "GET", Params: map[string]string{"Body": "hi"}}
	st.deliveries["WH2"] = store.WebhookDelivery{Sid: "WH2", AccountSid: "AC2"}
	s := New(Config{Store: st})
	d, err := s.Replay(context.Background(), account, "WH1")
	if err != nil || d.Sid != "WH1" {
		t.Fatalf("%+v, %v", d, err)
	}
	jobs := decodeJobs(t, st.applied[0].Jobs)
	if len(jobs.hooks) != 1 {
		t.Fatalf("jobs %+v", st.applied[0].Jobs)
	}
	h, j := jobs.hooks[0], jobs.hookJobs[0]
	if h.URL != "https://app.example/sms" || h.Method != "GET" || h.Event != EventIncomingMessage || h.ReplayOf != "WH1" ||
		h.Params["Body"] != "hi" || j.ResourceSid != "SM1" || j.AccountSid != "AC1" || j.Queue != "webhook:SM1" {
		t.Errorf("replay %+v, job %+v", h, j)
	}
	if _, err := s.Replay(context.Background(), account, "WH2"); !errors.Is(err, store.ErrNotFound) || !strings.HasPrefix(err.Error(), "replay webhook: ") {
		t.Errorf("another account's delivery: %v", err)
	}
	st.fail["Apply"] = errDisk
	if _, err := s.Replay(context.Background(), account, "WH1"); !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "replay webhook: ") {
		t.Errorf("the write failing: %v", err)
	}
}
