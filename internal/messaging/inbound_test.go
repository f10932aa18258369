package messaging

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

const (
	ourNumber = "+14155550199"
	aPhone    = "+447700900123"
)

// receiveStore has our number (PN1, SMS-capable, with an SmsUrl and its fallback) and a
// Messaging Service MG1 whose pool holds PN2.
func receiveStore() *fakeStore {
	st := newFakeStore()
	st.numbers[ourNumber] = store.PhoneNumber{Sid: "PN1", AccountSid: "AC1", PhoneNumber: ourNumber,
		Capabilities: store.Capabilities{SMS: true}, PhoneNumberSettings: store.PhoneNumberSettings{SmsURL: "https://app.example/sms",
			SmsFallbackURL: "https://app.example/fallback", SmsFallbackMethod: "GET"}}
	st.numbers["+14155550198"] = store.PhoneNumber{Sid: "PN2", AccountSid: "AC1", PhoneNumber: "+14155550198",
		Capabilities: store.Capabilities{SMS: true}, PhoneNumberSettings: store.PhoneNumberSettings{SmsURL: "https://app.example/number-sms",
			SmsMethod: "GET"}}
	st.numbers["+14155550197"] = store.PhoneNumber{Sid: "PN3", AccountSid: "AC1", PhoneNumber: "+14155550197",
		Capabilities: store.Capabilities{Voice: true}}
	st.numbers["+14155550196"] = store.PhoneNumber{Sid: "PN4", AccountSid: "AC2", PhoneNumber: "+14155550196",
		Capabilities: store.Capabilities{SMS: true}}
	st.numbers["+14155550195"] = store.PhoneNumber{Sid: "PN5", AccountSid: "AC1", PhoneNumber: "+14155550195",
		Capabilities: store.Capabilities{SMS: true}}
	st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1", InboundRequestURL: "https://app.example/service",
		FallbackURL: "https://app.example/service-fallback", InboundMethod: "GET"}
	st.serviceOf["PN2"] = "MG1"
	return st
}

// TestReceiveRefusals: a text reaches only a number of the account that takes texts, and
// carries a body or media.
func TestReceiveRefusals(t *testing.T) {
	tests := []struct {
		name string
		in   Inbound
		want string
	}{
		{"not a number of ours", Inbound{From: aPhone, To: "+14155550100", Body: "hi"},
			"20001: The 'To' number +14155550100 is not one of this account's phone numbers: buy it first (IncomingPhoneNumbers)."},
		{"another account's", Inbound{From: aPhone, To: "+14155550196", Body: "hi"},
			"20001: The 'To' number +14155550196 is not one of this account's phone numbers: buy it first (IncomingPhoneNumbers)."},
		{"voice only", Inbound{From: aPhone, To: "+14155550197", Body: "hi"},
			"20001: The 'To' number +14155550197 cannot receive texts (it has no SMS capability)."},
		{"nothing in it", Inbound{From: aPhone, To: ourNumber}, "21602: Message body is required."},
		{"a media URL that is not one", Inbound{From: aPhone, To: ourNumber, MediaURLs: []string{"https://x/a.png", "ftp://x/b.png"}},
			"21620: Media URL ftp://x/b.png is not a valid http or https URL."},
	}
	for _, tt := range tests {
		st := receiveStore()
		_, err := New(Config{Store: st}).Receive(context.Background(), account, tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
		if len(st.applied) != 0 {
			t.Errorf("%s: written", tt.name)
		}
	}
	for method, in := range map[string]Inbound{
		"PhoneNumberByNumber": {From: aPhone, To: ourNumber, Body: "hi"},
		"ServiceOfNumber":     {From: aPhone, To: ourNumber, Body: "hi"},
		"Apply":               {From: aPhone, To: ourNumber, Body: "hi"},
	} {
		st := receiveStore()
		st.fail[method] = errDisk
		if _, err := New(Config{Store: st}).Receive(context.Background(), account, in); !errors.Is(err, errDisk) ||
			!strings.HasPrefix(err.Error(), "receive message: ") {
			t.Errorf("%s failing: %v", method, err)
		}
	}
}

// TestReceive: what a text to one of our numbers is written as, and which webhook it
// calls: the number's, or its Messaging Service's.
func TestReceive(t *testing.T) {
	tests := []struct {
		name     string
		to       string
		service  func(*store.MessagingService)
		hook     string // "" for no webhook
		method   string
		fallback string
		fbMethod string
		svcSid   string
	}{
		{"the number's webhook", ourNumber, nil, "https://app.example/sms", "POST", "https://app.example/fallback", "GET", ""},
		{"the service's", "+14155550198", nil, "https://app.example/service", "GET", "https://app.example/service-fallback", "POST", "MG1"},
		{"the number's, as its service says", "+14155550198", func(s *store.MessagingService) { s.UseInboundWebhookOnNumber = true },
			"https://app.example/number-sms", "GET", "", "POST", "MG1"},
		{"none: a service without a URL", "+14155550198", func(s *store.MessagingService) { s.InboundRequestURL = "" }, "", "", "", "", "MG1"},
		{"none: a number without one", "+14155550195", nil, "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := receiveStore()
			if tt.service != nil {
				svc := st.services["MG1"]
				tt.service(&svc)
				st.services["MG1"] = svc
			}
			before := time.Now().UTC().Truncate(time.Second)
			m, err := New(Config{Store: st}).Receive(context.Background(), account, Inbound{From: aPhone, To: tt.to, Body: "Hello there"})
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != statusReceived || m.Direction != DirectionInbound || m.Price != "-0.00790" || m.NumSegments != 1 ||
				m.MessagingServiceSid != tt.svcSid || !strings.HasPrefix(m.Sid, "SM") || m.DateSent.Before(before) ||
				!m.DateSent.Equal(m.DateCreated) || !m.DateUpdated.Equal(m.DateCreated) || m.DateSent.Nanosecond() != 0 {
				t.Errorf("message %+v", m)
			}
			w := st.applied[0]
			jobs := decodeJobs(t, w.Jobs)
			if len(w.OptOuts) != 0 || len(w.Messages) != 1 || len(w.Media) != 0 || len(jobs.media) != 0 {
				t.Errorf("writes %+v", w)
			}
			if tt.hook == "" {
				if len(w.Jobs) != 0 {
					t.Errorf("jobs %+v, want no webhook", jobs.hooks)
				}
				return
			}
			if len(jobs.hooks) != 1 {
				t.Fatalf("%d webhooks", len(jobs.hooks))
			}
			h := jobs.hooks[0]
			want := map[string]string{"MessageSid": m.Sid, "SmsSid": m.Sid, "SmsMessageSid": m.Sid, "AccountSid": "AC1",
				"From": aPhone, "To": tt.to, "Body": "Hello there", "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
				"ApiVersion": "2010-04-01", "FromCountry": "GB", "ToCountry": "US",
				// Where the parties are: a UK mobile has no place; our number is San Francisco's.
				"FromCity": "", "FromState": "", "FromZip": "", "ToCity": "SAN FRANCISCO", "ToState": "CA", "ToZip": "94103"}
			if tt.svcSid != "" {
				want["MessagingServiceSid"] = tt.svcSid
			}
			if h.Event != EventIncomingMessage || h.URL != tt.hook || h.Method != tt.method || h.FallbackURL != tt.fallback ||
				h.FallbackMethod != tt.fbMethod || !maps.Equal(h.Params, want) || jobs.hookJobs[0].Queue != "webhook:"+m.Sid {
				t.Errorf("webhook %+v, want %s %s, fallback %s %s, params %v", h, tt.method, tt.hook, tt.fbMethod, tt.fallback, want)
			}
		})
	}
}

// TestReceiveKeywords: STOP opts the sender out of the number, START back in; each
// keyword gets Twilio's reply, and the webhook still runs, told which keyword it was.
func TestReceiveKeywords(t *testing.T) {
	for _, tt := range []struct {
		body, kind, reply string
		out               bool
	}{
		{" stop ", "STOP", stopReply, true},
		{"Unsubscribe", "STOP", stopReply, true},
		{"start", "START", startReply, false},
		{"HELP", "HELP", helpReply, false},
	} {
		st := receiveStore()
		m, err := New(Config{Store: st}).Receive(context.Background(), account, Inbound{From: aPhone, To: ourNumber, Body: tt.body})
		if err != nil {
			t.Fatal(err)
		}
		w := st.applied[0]
		if len(w.Messages) != 2 {
			t.Fatalf("%q: %d messages, want the text and the reply", tt.body, len(w.Messages))
		}
		reply := w.Messages[1]
		if reply.Body != tt.reply || reply.To != aPhone || reply.From != ourNumber || reply.Direction != DirectionOutboundReply ||
			reply.Status != statusQueued {
			t.Errorf("%q: reply %+v", tt.body, reply)
		}
		if tt.kind != "HELP" && (len(w.OptOuts) != 1 || w.OptOuts[0] != store.OptOut{AccountSid: "AC1", Sender: ourNumber, Recipient: aPhone,
			Out: tt.out, DateCreated: m.DateCreated}) {
			t.Errorf("%q: opt-outs %+v", tt.body, w.OptOuts)
		}
		jobs := decodeJobs(t, w.Jobs)
		if len(jobs.steps) != 1 || len(jobs.hooks) != 1 || jobs.hooks[0].Params["OptOutType"] != tt.kind {
			t.Errorf("%q: jobs %+v", tt.body, jobs)
		}
	}
	st := receiveStore()
	if _, err := New(Config{Store: st}).Receive(context.Background(), account, Inbound{From: aPhone, To: ourNumber, Body: "stop it"}); err != nil {
		t.Fatal(err)
	}
	if w := st.applied[0]; len(w.Messages) != 1 || len(w.OptOuts) != 0 || decodeJobs(t, w.Jobs).hooks[0].Params["OptOutType"] != "" {
		t.Errorf("not a keyword: %+v", w)
	}
}

// TestReceiveMedia: a text with media fetches them first; its webhook waits in the fetch.
func TestReceiveMedia(t *testing.T) {
	for _, to := range []string{ourNumber, "+14155550195"} { // with a webhook, and without
		st := receiveStore()
		m, err := New(Config{Store: st}).Receive(context.Background(), account, Inbound{From: aPhone, To: to,
			MediaURLs: []string{"https://x/a.png", "https://x/b.png"}})
		if err != nil {
			t.Fatal(err)
		}
		w := st.applied[0]
		jobs := decodeJobs(t, w.Jobs)
		if m.NumMedia != 2 || m.Price != "-0.02000" || len(w.Media) != 2 || w.Media[1].URL != "https://x/b.png" ||
			w.Media[0].MessageSid != m.Sid || len(jobs.media) != 1 || len(jobs.hooks) != 0 || jobs.media[0].Step != nil {
			t.Fatalf("to %s: message %+v, writes %+v", to, m, w)
		}
		hook := jobs.media[0].Webhook
		if (hook != nil) != (to == ourNumber) || (hook != nil && (hook.URL != "https://app.example/sms" || hook.Params["NumMedia"] != "2")) {
			t.Errorf("to %s: the webhook after the media: %+v", to, hook)
		}
	}
}

func TestIncomingParamsWithoutCountries(t *testing.T) {
	p := incomingParams(store.Message{Sid: "SM1", AccountSid: "AC1", From: "Acme", To: "12345", NumSegments: 3, NumMedia: 1}, "")
	for _, name := range []string{"FromCountry", "ToCountry", "OptOutType", "MessagingServiceSid"} {
		if v, ok := p[name]; ok {
			t.Errorf("%s = %q, want none", name, v)
		}
	}
	if p["NumMedia"] != "1" || p["NumSegments"] != "3" {
		t.Errorf("params %v", p)
	}
	// City, state and ZIP are sent empty, so that an app reading them finds them.
	for _, name := range []string{"FromCity", "FromState", "FromZip", "ToCity", "ToState", "ToZip"} {
		if v, ok := p[name]; !ok || v != "" {
			t.Errorf("%s = %q (sent %v), want it sent empty", name, v, ok)
		}
	}
}

func TestKeywordReply(t *testing.T) {
	in := store.Message{From: aPhone, To: ourNumber}
	for kw, want := range map[string]string{"STOP": stopReply, "START": startReply, "HELP": helpReply, "": "", "OTHER": ""} {
		got := keywordReply(in, kw)
		if (got == nil) != (want == "") || (got != nil && !reflect.DeepEqual(*got, Outbound{To: aPhone, From: ourNumber, Body: want, Direction: DirectionOutboundReply})) {
			t.Errorf("keywordReply(%q) = %+v", kw, got)
		}
	}
}
