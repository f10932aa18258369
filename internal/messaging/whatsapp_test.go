package messaging

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/whatsapp"
	"github.com/switchboard-dev/switchboard/store"
)

// fakeClock is the simulator's clock as a test moves it.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

var waT0 = time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)

const (
	sandbox  = whatsapp.SandboxAddress
	waUser   = "whatsapp:+14155550100"
	waNumber = "+14155550150" // AC1's WhatsApp sender
	waSender = "whatsapp:" + waNumber
)

// waStore has AC1's WhatsApp sender PN10 (with an SmsUrl, in the pool of MG2 beside
// PN11, which is no WhatsApp sender), a number PN12 of AC1 that is none, AC2's WhatsApp
// sender PN13, and AC1's templates: HX1 (text, approved), HX2 (text and quick reply,
// not submitted), HX3 (quick reply alone, rejected) and AC2's HX9.
func waStore() *fakeStore {
	st := newFakeStore()
	st.numbers[waNumber] = store.PhoneNumber{Sid: "PN10", AccountSid: "AC1", PhoneNumber: waNumber, WhatsApp: true,
		Capabilities: store.Capabilities{SMS: true}, PhoneNumberSettings: store.PhoneNumberSettings{SmsURL: "https://app.example/wa"}}
	st.numbers["+14155550151"] = store.PhoneNumber{Sid: "PN11", AccountSid: "AC1", PhoneNumber: "+14155550151",
		Capabilities: store.Capabilities{SMS: true}}
	st.numbers["+14155550152"] = store.PhoneNumber{Sid: "PN12", AccountSid: "AC1", PhoneNumber: "+14155550152",
		Capabilities: store.Capabilities{SMS: true}}
	st.numbers["+14155550153"] = store.PhoneNumber{Sid: "PN13", AccountSid: "AC2", PhoneNumber: "+14155550153", WhatsApp: true,
		Capabilities: store.Capabilities{SMS: true}}
	st.own("AC1", waNumber)
	st.own("AC1", "+14155550151")
	st.services["MG2"] = store.MessagingService{Sid: "MG2", AccountSid: "AC1", InboundRequestURL: "https://app.example/service"}
	st.pools["MG2"] = store.SenderPool{Numbers: []store.ServiceNumber{
		{Sid: "PN11", PhoneNumber: "+14155550151", IsoCountry: "US", Capabilities: store.Capabilities{SMS: true}},
		{Sid: "PN10", PhoneNumber: waNumber, IsoCountry: "US", Capabilities: store.Capabilities{SMS: true}, WhatsApp: true},
	}}
	st.contents["HX1"] = store.Content{Sid: "HX1", AccountSid: "AC1", Language: "en", Variables: map[string]string{"1": "friend"},
		Types:    []byte(`{"twilio/text":{"body":"Hi {{1}}, your order {{2}} shipped."}}`),
		Approval: store.ContentApproval{Status: "approved"}}
	st.contents["HX2"] = store.Content{Sid: "HX2", AccountSid: "AC1", Language: "en",
		Types: []byte(`{"twilio/text":{"body":"Table for {{1}}?"},"twilio/quick-reply":{"body":"Coming, {{1}}?","actions":[{"title":"Yes"}]},` +
			`"twilio/media":{"body":"Menu","media":["https://example.com/{{1}}.pdf"]}}`)}
	st.contents["HX3"] = store.Content{Sid: "HX3", AccountSid: "AC1", Language: "en",
		Types:    []byte(`{"twilio/quick-reply":{"body":"Coming?","actions":[{"title":"Yes"}]}}`),
		Approval: store.ContentApproval{Status: "rejected"}}
	st.contents["HX9"] = store.Content{Sid: "HX9", AccountSid: "AC2", Language: "en", Types: []byte(`{"twilio/text":{"body":"x"}}`)}
	return st
}

// joined opens user's window with sender at at, as a message of user would (joining
// when join).
func joined(st *fakeStore, sender, user string, at time.Time, join bool) {
	st.sessions["AC1 "+sender+" "+user] = store.WhatsAppSession{AccountSid: "AC1", Sender: sender, User: user,
		LastInbound: at, JoinedAt: map[bool]time.Time{true: at}[join]}
}

func TestSendWhatsAppAndTemplates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		out   Outbound
		code  int // 0: sent
		want  store.Message
		media []string
	}{
		{"freeform from the Sandbox", Outbound{From: sandbox, To: waUser, Body: "Hi"}, 0,
			store.Message{From: sandbox, To: waUser, Body: "Hi", NumSegments: 1}, nil},
		{"a long body is one segment on WhatsApp", Outbound{From: waSender, To: waUser, Body: strings.Repeat("é", 400)}, 0,
			store.Message{From: waSender, To: waUser, Body: strings.Repeat("é", 400), NumSegments: 1}, nil},
		{"one media file on WhatsApp", Outbound{From: waSender, To: waUser, MediaURLs: []string{"https://x/1.png", "https://x/2.png"}}, 0,
			store.Message{From: waSender, To: waUser, NumSegments: 1}, []string{"https://x/1.png"}},
		{"SMS to WhatsApp", Outbound{From: "+14155550151", To: waUser, Body: "Hi"}, whatsapp.CodeMixedChannels, store.Message{}, nil},
		{"WhatsApp to SMS", Outbound{From: sandbox, To: "+14155550100", Body: "Hi"}, whatsapp.CodeMixedChannels, store.Message{}, nil},
		{"to itself", Outbound{From: waSender, To: waSender, Body: "Hi"}, whatsapp.CodeSameFromTo, store.Message{}, nil},
		{"template on WhatsApp", Outbound{From: waSender, To: waUser, ContentSid: "HX1", ContentVariables: `{"2":"#42"}`}, 0,
			store.Message{From: waSender, To: waUser, Body: "Hi friend, your order #42 shipped.", NumSegments: 1, ContentSid: "HX1"}, nil},
		{"template on SMS", Outbound{From: "+14155550151", To: "+14155550100", ContentSid: "HX1", ContentVariables: `{"1":"Ana","2":"#7"}`}, 0,
			store.Message{From: "+14155550151", To: "+14155550100", Body: "Hi Ana, your order #7 shipped.", NumSegments: 1, ContentSid: "HX1"}, nil},
		{"the template replaces Body", Outbound{From: "+14155550151", To: "+14155550100", Body: "ignored", ContentSid: "HX1", ContentVariables: `{"2":"#7"}`}, 0,
			store.Message{From: "+14155550151", To: "+14155550100", Body: "Hi friend, your order #7 shipped.", NumSegments: 1, ContentSid: "HX1"}, nil},
		{"the richest type on WhatsApp", Outbound{From: sandbox, To: waUser, ContentSid: "HX2", ContentVariables: `{"1":"Bo"}`}, 0,
			store.Message{From: sandbox, To: waUser, Body: "Coming, Bo?", NumSegments: 1, ContentSid: "HX2"}, nil},
		{"media on SMS", Outbound{From: "+14155550151", To: "+14155550100", ContentSid: "HX2", ContentVariables: `{"1":"lunch"}`}, 0,
			store.Message{From: "+14155550151", To: "+14155550100", Body: "Menu", NumSegments: 1, ContentSid: "HX2"}, []string{"https://example.com/lunch.pdf"}},
		{"no type for SMS", Outbound{From: "+14155550151", To: "+14155550100", ContentSid: "HX3"}, 216602, store.Message{}, nil},
		{"a missing variable", Outbound{From: waSender, To: waUser, ContentSid: "HX1"}, 21656, store.Message{}, nil},
		{"variables that are no object", Outbound{From: waSender, To: waUser, ContentSid: "HX1", ContentVariables: `["x"]`}, 21656, store.Message{}, nil},
		{"variables without a template", Outbound{From: waSender, To: waUser, Body: "Hi", ContentVariables: `{"1":"x"}`}, 21654, store.Message{}, nil},
		{"no such template", Outbound{From: waSender, To: waUser, ContentSid: "HX404"}, 21655, store.Message{}, nil},
		{"another account's template", Outbound{From: waSender, To: waUser, ContentSid: "HX9"}, 21655, store.Message{}, nil},
	} {
		st := waStore()
		m, err := New(Config{Store: st}).Send(context.Background(), account, tc.out)
		if got := ruleCode(err); got != tc.code {
			t.Errorf("%s: %v, want code %d", tc.name, err, tc.code)
			continue
		}
		if tc.code != 0 {
			if len(st.applied) != 0 {
				t.Errorf("%s: written", tc.name)
			}
			continue
		}
		if m.From != tc.want.From || m.To != tc.want.To || m.Body != tc.want.Body || m.NumSegments != tc.want.NumSegments ||
			m.ContentSid != tc.want.ContentSid || !slices.Equal(m.MediaURLs, tc.media) || m.NumMedia != len(tc.media) || m.Status != statusQueued {
			t.Errorf("%s: %+v, want %+v with media %v", tc.name, m, tc.want, tc.media)
		}
		if r := st.applied[0].Sender; r == nil || r.MustOwn == whatsapp.IsAddress(tc.out.From) {
			t.Errorf("%s: sender rule %+v; WhatsApp senders are checked on the way, others in the write", tc.name, r)
		}
	}
}

func TestSendFromTheSandboxTakesItsStatusCallback(t *testing.T) {
	st := waStore()
	s := New(Config{Store: st})
	out := Outbound{From: sandbox, To: waUser, Body: "Hi"}
	if m, err := s.Send(context.Background(), account, out); err != nil || m.StatusCallback != "" {
		t.Errorf("without settings: %+v, %v", m, err)
	}
	st.sandboxes["AC1"] = store.WhatsAppSandbox{AccountSid: "AC1", StatusCallback: "https://app.example/sandbox-status"}
	if m, _ := s.Send(context.Background(), account, out); m.StatusCallback != "https://app.example/sandbox-status" {
		t.Errorf("the Sandbox's callback: %q", m.StatusCallback)
	}
	out.StatusCallback = "https://app.example/own"
	if m, _ := s.Send(context.Background(), account, out); m.StatusCallback != "https://app.example/own" {
		t.Errorf("the message's own callback: %q", m.StatusCallback)
	}
	out = Outbound{From: waSender, To: waUser, Body: "Hi"}
	if m, _ := s.Send(context.Background(), account, out); m.StatusCallback != "" {
		t.Errorf("another sender took the Sandbox's callback: %q", m.StatusCallback)
	}
	for method, out := range map[string]Outbound{
		"GetWhatsAppSandbox": {From: sandbox, To: waUser, Body: "Hi"},
		"GetContent":         {From: waSender, To: waUser, ContentSid: "HX1"},
	} {
		st.fail = map[string]error{method: errDisk}
		if _, err := s.Send(context.Background(), account, out); !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "send message: ") {
			t.Errorf("%s failing: %v", method, err)
		}
	}
	st.fail = map[string]error{}
	st.contents["HX5"] = store.Content{Sid: "HX5", AccountSid: "AC1", Types: []byte(`not json`)}
	if _, err := s.Send(context.Background(), account, Outbound{From: waSender, To: waUser, ContentSid: "HX5"}); err == nil || ruleCode(err) != -1 {
		t.Errorf("a template that cannot be read: %v", err)
	}
}

// firstStep runs the step that takes m from queued, at now on the simulator's clock, and
// returns the change it makes.
func firstStep(t *testing.T, st *fakeStore, m store.Message, now time.Time) store.StatusChange {
	t.Helper()
	s := New(Config{Store: st, Clock: &fakeClock{now}})
	out, err := s.step(context.Background(), s.stepJob(m, now)) // due now on the simulator's clock
	if err != nil || len(out.Writes.StatusChanges) != 1 {
		t.Fatalf("%+v, %v", out, err)
	}
	return out.Writes.StatusChanges[0]
}

func TestWhatsAppFirstStep(t *testing.T) {
	hour := time.Hour
	for _, tc := range []struct {
		name    string
		from    string
		content string
		session func(st *fakeStore)
		after   time.Duration // since the session's time
		code    int           // 0: on its way
	}{
		{"Sandbox member, freeform, in the window", sandbox, "", func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) }, hour, 0},
		{"Sandbox member, freeform, after the window", sandbox, "", func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) }, 25 * hour, whatsapp.CodeOutsideWindow},
		{"Sandbox member, approved template, after the window", sandbox, "HX1", func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) }, 25 * hour, 0},
		{"Sandbox membership over", sandbox, "HX1", func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) }, 72 * hour, whatsapp.CodeNotJoined},
		{"Sandbox, wrote without joining", sandbox, "", func(st *fakeStore) { joined(st, sandbox, waUser, waT0, false) }, hour, whatsapp.CodeNotJoined},
		{"Sandbox stranger", sandbox, "", func(*fakeStore) {}, 0, whatsapp.CodeNotJoined},
		{"sender, in the window", waSender, "", func(st *fakeStore) { joined(st, waSender, waUser, waT0, false) }, 23 * hour, 0},
		{"sender, just before the window closes", waSender, "", func(st *fakeStore) { joined(st, waSender, waUser, waT0, false) }, 24*hour - time.Second, 0},
		{"sender, as the window closes", waSender, "", func(st *fakeStore) { joined(st, waSender, waUser, waT0, false) }, 24 * hour, whatsapp.CodeOutsideWindow},
		{"sender, user never wrote", waSender, "", func(*fakeStore) {}, 0, whatsapp.CodeOutsideWindow},
		{"sender, user wrote to the Sandbox only", waSender, "", func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) }, hour, whatsapp.CodeOutsideWindow},
		{"sender, approved template, user never wrote", waSender, "HX1", func(*fakeStore) {}, 0, 0},
		{"sender, template not submitted, user never wrote", waSender, "HX2", func(*fakeStore) {}, 0, whatsapp.CodeOutsideWindow},
		{"sender, rejected template, in the window", waSender, "HX3", func(st *fakeStore) { joined(st, waSender, waUser, waT0, false) }, hour, 0},
		{"sender, deleted template", waSender, "HX404", func(*fakeStore) {}, 0, whatsapp.CodeOutsideWindow},
		{"a number that is no WhatsApp sender", "whatsapp:+14155550152", "HX1", func(st *fakeStore) { joined(st, "whatsapp:+14155550152", waUser, waT0, false) }, hour, whatsapp.CodeNoSender},
		{"another account's WhatsApp sender", "whatsapp:+14155550153", "HX1", func(*fakeStore) {}, 0, whatsapp.CodeNoSender},
		{"a number nobody owns", "whatsapp:+14155550159", "HX1", func(*fakeStore) {}, 0, whatsapp.CodeNoSender},
	} {
		st := waStore()
		tc.session(st)
		m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusQueued, From: tc.from, To: waUser, ContentSid: tc.content,
			NumSegments: 1, StatusCallback: "https://app.example/status"}
		c := firstStep(t, st, m, waT0.Add(tc.after))
		jobs := decodeJobs(t, c.Jobs)
		switch {
		case tc.code == 0 && (c.To != statusSending || len(jobs.steps) != 1):
			t.Errorf("%s: %+v, want sending and a next step", tc.name, c)
		case tc.code != 0 && (c.To != statusFailed || c.ErrorCode != tc.code || c.ErrorMessage == "" || len(jobs.steps) != 0 ||
			jobs.hooks[0].Params["ErrorCode"] != strconv.Itoa(tc.code) || jobs.hooks[0].Params["EventType"] != "UNDELIVERED"):
			t.Errorf("%s: %+v, %+v; want failed with %d", tc.name, c, jobs.hooks, tc.code)
		}
	}
}

func TestWhatsAppFirstStepStoreFailures(t *testing.T) {
	m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusQueued, From: waSender, To: waUser, ContentSid: "HX1"}
	for _, method := range []string{"PhoneNumberByNumber", "GetWhatsAppSession", "GetContent"} {
		st := waStore()
		st.fail[method] = errDisk
		s := New(Config{Store: st, Clock: &fakeClock{waT0}})
		if _, err := s.step(context.Background(), s.stepJob(m, time.Now())); !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "delivery step: ") {
			t.Errorf("%s failing: %v", method, err)
		}
	}
}

// TestWhatsAppDeliveryIsRead: a WhatsApp message goes on from delivered to read, with
// WhatsApp's parameters in every status callback; a text stops at delivered.
func TestWhatsAppDeliveryIsRead(t *testing.T) {
	st := waStore()
	joined(st, sandbox, waUser, waT0, true)
	s := New(Config{Store: st, Clock: &fakeClock{waT0}})
	m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusQueued, From: sandbox, To: waUser, ContentSid: "HX1",
		NumSegments: 1, StatusCallback: "https://app.example/status"}
	job := s.stepJob(m, time.Now())
	var walked, events []string
	for job.Kind == kindStep {
		out, err := s.step(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		c := out.Writes.StatusChanges[0]
		walked = append(walked, c.To)
		jobs := decodeJobs(t, c.Jobs)
		p := jobs.hooks[0].Params
		events = append(events, p["EventType"])
		if p["ChannelPrefix"] != "whatsapp" || p["ChannelToAddress"] != "+14155550100" || p["StructuredMessage"] != "true" ||
			p["ChannelInstallSid"] != whatsapp.InstallSid("AC1", sandbox) || p["To"] != waUser || p["From"] != sandbox {
			t.Errorf("%s: callback %v", c.To, p)
		}
		job = store.Job{}
		if len(jobs.stepJobs) > 0 {
			job = jobs.stepJobs[0]
		}
	}
	if want := []string{statusSending, statusSent, statusDelivered, statusRead}; !slices.Equal(walked, want) {
		t.Errorf("steps %v, want %v", walked, want)
	}
	if want := []string{"", "", "DELIVERED", "READ"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	// A text's delivered is final, and its callbacks have none of WhatsApp's parameters.
	text := store.Message{AccountSid: "AC1", Sid: "SM2", Status: statusSent, From: "+14155550151", To: "+14155550100", StatusCallback: "https://cb"}
	out, err := s.step(context.Background(), s.stepJob(text, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	jobs := decodeJobs(t, out.Writes.StatusChanges[0].Jobs)
	if len(jobs.steps) != 0 || jobs.hooks[0].Params["ChannelPrefix"] != "" {
		t.Errorf("a text: %+v", jobs)
	}
	text.Status = statusDelivered
	if out, _ := s.step(context.Background(), s.stepJob(text, time.Now())); len(out.Writes.StatusChanges) != 0 {
		t.Errorf("a delivered text moved on: %+v", out)
	}
}

// TestWhatsAppFromAService: a Messaging Service sends to a WhatsApp user from a WhatsApp
// sender of its pool, or fails the message when it has none.
func TestWhatsAppFromAService(t *testing.T) {
	st := waStore()
	s := New(Config{Store: st})
	m := store.Message{AccountSid: "AC1", Sid: "SM1", Status: statusAccepted, To: waUser, MessagingServiceSid: "MG2"}
	out, err := s.step(context.Background(), s.stepJob(m, time.Now()))
	if err != nil || out.Writes.StatusChanges[0].Sender != waSender || out.Writes.StatusChanges[0].To != statusQueued {
		t.Fatalf("%+v, %v", out.Writes.StatusChanges, err)
	}
	// Alpha senders are for texts.
	st.pools["MG2"] = store.SenderPool{AlphaSenders: []string{"Acme"}, Numbers: st.pools["MG2"].Numbers[:1]}
	m.To = "whatsapp:+447700900123"
	out, err = s.step(context.Background(), s.stepJob(m, time.Now()))
	if c := out.Writes.StatusChanges[0]; err != nil || c.To != statusFailed || c.ErrorCode != 21606 || !strings.Contains(c.ErrorMessage, "no WhatsApp sender") {
		t.Errorf("a pool without a WhatsApp sender: %+v, %v", c, err)
	}
}

func TestReceiveWhatsApp(t *testing.T) {
	keyword := whatsapp.Keyword("AC1")
	for _, tc := range []struct {
		name    string
		in      Inbound
		session func(st *fakeStore)
		reply   string // the Sandbox's reply, "" for none
		hook    string // the webhook's URL, "" for none
		join    bool
		leave   bool
	}{
		{"a join", Inbound{From: waUser, To: sandbox, Body: "join " + keyword}, func(*fakeStore) {}, whatsapp.JoinedReply(), "", true, false},
		{"a join in capitals", Inbound{From: waUser, To: sandbox, Body: " JOIN " + strings.ToUpper(keyword)}, func(*fakeStore) {}, whatsapp.JoinedReply(), "", true, false},
		{"another keyword", Inbound{From: waUser, To: sandbox, Body: "join other-words"}, func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) },
			whatsapp.NotJoinedReply("AC1"), "", false, true},
		{"a stranger's message", Inbound{From: waUser, To: sandbox, Body: "hello"}, func(*fakeStore) {}, whatsapp.NotJoinedReply("AC1"), "", false, false},
		{"an expired member's message", Inbound{From: waUser, To: sandbox, Body: "hello"}, func(st *fakeStore) { joined(st, sandbox, waUser, waT0.Add(-72*time.Hour), true) },
			whatsapp.NotJoinedReply("AC1"), "", false, false},
		{"a stranger's stop", Inbound{From: waUser, To: sandbox, Body: "stop"}, func(*fakeStore) {}, whatsapp.NotJoinedReply("AC1"), "", false, false},
		{"a member's stop", Inbound{From: waUser, To: sandbox, Body: "stop"}, func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) },
			whatsapp.LeftReply("AC1"), "", false, true},
		{"a member's message, no inbound URL", Inbound{From: waUser, To: sandbox, Body: "hello"}, func(st *fakeStore) { joined(st, sandbox, waUser, waT0, true) },
			"", "", false, false},
		{"a member's message", Inbound{From: waUser, To: sandbox, Body: "hello"}, func(st *fakeStore) {
			joined(st, sandbox, waUser, waT0, true)
			st.sandboxes["AC1"] = store.WhatsAppSandbox{AccountSid: "AC1", InboundURL: "https://app.example/sandbox"}
		}, "", "https://app.example/sandbox", false, false},
		{"to a WhatsApp sender", Inbound{From: waUser, To: waSender, Body: "hello"}, func(*fakeStore) {}, "", "https://app.example/wa", false, false},
		{"a join to a WhatsApp sender is a message", Inbound{From: waUser, To: waSender, Body: "join " + keyword}, func(*fakeStore) {}, "", "https://app.example/wa", false, false},
		{"to a sender in a service's pool", Inbound{From: waUser, To: waSender, Body: "hello"}, func(st *fakeStore) { st.serviceOf["PN10"] = "MG2" },
			"", "https://app.example/service", false, false},
	} {
		st := waStore()
		tc.session(st)
		clk := &fakeClock{waT0.Add(time.Hour)}
		m, err := New(Config{Store: st, Clock: clk}).Receive(context.Background(), account, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		w := st.applied[0]
		if m.Status != statusReceived || m.NumSegments != 1 || m.From != tc.in.From || m.To != tc.in.To || w.Messages[0].Sid != m.Sid {
			t.Errorf("%s: %+v", tc.name, m)
		}
		want := store.WhatsAppInbound{AccountSid: "AC1", Sender: tc.in.To, User: waUser, At: clk.now, Join: tc.join, Leave: tc.leave}
		if len(w.WhatsAppInbound) != 1 || w.WhatsAppInbound[0] != want {
			t.Errorf("%s: session %+v, want %+v", tc.name, w.WhatsAppInbound, want)
		}
		switch {
		case tc.reply == "" && len(w.Messages) != 1:
			t.Errorf("%s: %d messages, want the inbound one alone", tc.name, len(w.Messages))
		case tc.reply != "":
			r := w.Messages[len(w.Messages)-1]
			if len(w.Messages) != 2 || r.Body != tc.reply || r.From != sandbox || r.To != waUser || r.Status != statusDelivered ||
				r.Direction != DirectionOutboundReply || r.DateSent.IsZero() || r.Price == "" {
				t.Errorf("%s: reply %+v, want %q delivered", tc.name, r, tc.reply)
			}
		}
		jobs := decodeJobs(t, w.Jobs)
		if len(jobs.steps) != 0 {
			t.Errorf("%s: steps %+v", tc.name, jobs.steps)
		}
		if tc.hook == "" {
			if len(jobs.hooks) != 0 {
				t.Errorf("%s: webhook %+v, want none", tc.name, jobs.hooks)
			}
			continue
		}
		if len(jobs.hooks) != 1 || jobs.hooks[0].URL != tc.hook {
			t.Errorf("%s: webhooks %+v, want %s", tc.name, jobs.hooks, tc.hook)
			continue
		}
		p := jobs.hooks[0].Params
		if p["From"] != waUser || p["To"] != tc.in.To || p["WaId"] != "14155550100" || p["ProfileName"] != "14155550100" ||
			p["MessageType"] != "text" || p["Body"] != tc.in.Body || p["NumSegments"] != "1" || p["SmsStatus"] != "received" {
			t.Errorf("%s: params %v", tc.name, p)
		}
	}
}

func TestReceiveWhatsAppContent(t *testing.T) {
	st := waStore()
	s := New(Config{Store: st, Clock: &fakeClock{waT0}})
	in := Inbound{From: waUser, To: waSender, Body: "Yes", WhatsApp: whatsapp.Inbound{ProfileName: "Ana", ButtonText: "Yes", ButtonPayload: "confirm"}}
	if _, err := s.Receive(context.Background(), account, in); err != nil {
		t.Fatal(err)
	}
	p := decodeJobs(t, st.applied[0].Jobs).hooks[0].Params
	want := map[string]string{"ProfileName": "Ana", "WaId": "14155550100", "MessageType": "button", "ButtonText": "Yes", "ButtonPayload": "confirm"}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q (%v)", k, p[k], v, p)
		}
	}
	// A location needs no body; a photo is fetched before the webhook.
	st = waStore()
	s = New(Config{Store: st, Clock: &fakeClock{waT0}})
	in = Inbound{From: waUser, To: waSender, WhatsApp: whatsapp.Inbound{Latitude: "1.5", Longitude: "2.5"}}
	if _, err := s.Receive(context.Background(), account, in); err != nil {
		t.Fatal(err)
	}
	if p := decodeJobs(t, st.applied[0].Jobs).hooks[0].Params; p["MessageType"] != "location" || p["Latitude"] != "1.5" || p["Body"] != "" {
		t.Errorf("a location: %v", p)
	}
	in = Inbound{From: waUser, To: waSender, MediaURLs: []string{"https://example.com/cat.jpg"}}
	photo, err := s.Receive(context.Background(), account, in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(photo.Sid, "MM") {
		t.Errorf("a photo is %s, not MM…, as on Twilio", photo.Sid)
	}
	jobs := decodeJobs(t, st.applied[1].Jobs)
	if len(jobs.media) != 1 || jobs.media[0].Webhook == nil || jobs.media[0].Webhook.Params["MessageType"] != "image" || len(st.applied[1].Media) != 1 {
		t.Errorf("a photo: %+v", jobs)
	}
}

func TestReceiveWhatsAppRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Inbound
		code int
		part string
	}{
		{"from a phone", Inbound{From: "+14155550100", To: sandbox, Body: "hi"}, 20001, "goes from a whatsapp: address"},
		{"to a phone", Inbound{From: waUser, To: "+14155550151", Body: "hi"}, 20001, "goes from a whatsapp: address"},
		{"from a short address", Inbound{From: "whatsapp:+1415", To: sandbox, Body: "hi"}, 20001, "goes from a whatsapp: address"},
		{"nothing in it", Inbound{From: waUser, To: sandbox}, 21602, "Message body is required"},
		{"two photos", Inbound{From: waUser, To: sandbox, MediaURLs: []string{"https://x/1.png", "https://x/2.png"}}, 20001, "one media file at most, not 2"},
		{"a photo that is no URL", Inbound{From: waUser, To: sandbox, MediaURLs: []string{"x"}}, 21620, "is not a valid http"},
		{"half a location", Inbound{From: waUser, To: sandbox, WhatsApp: whatsapp.Inbound{Latitude: "1"}}, 20001, "Longitude must be"},
		{"to a number of nobody", Inbound{From: waUser, To: "whatsapp:+14155550159", Body: "hi"}, 20001, "is not one of this account's phone numbers"},
		{"to another account's sender", Inbound{From: waUser, To: "whatsapp:+14155550153", Body: "hi"}, 20001, "is not one of this account's phone numbers"},
		{"to a number that is no WhatsApp sender", Inbound{From: waUser, To: "whatsapp:+14155550152", Body: "hi"}, 20001,
			"is not a WhatsApp sender of this account: make it one first (POST /switchboard/v1/Accounts/AC1/IncomingPhoneNumbers/PN12/WhatsApp)"},
	} {
		st := waStore()
		_, err := New(Config{Store: st}).Receive(context.Background(), account, tc.in)
		if ruleCode(err) != tc.code || !strings.Contains(err.Error(), tc.part) {
			t.Errorf("%s: %v, want %d saying %q", tc.name, err, tc.code, tc.part)
		}
		if len(st.applied) != 0 {
			t.Errorf("%s: written", tc.name)
		}
	}
	for method, in := range map[string]Inbound{
		"GetWhatsAppSession": {From: waUser, To: sandbox, Body: "hi"},
		"GetWhatsAppSandbox": {From: waUser, To: sandbox, Body: "hi"},
		"ServiceOfNumber":    {From: waUser, To: waSender, Body: "hi"},
		"Apply":              {From: waUser, To: waSender, Body: "hi"},
	} {
		st := waStore()
		joined(st, sandbox, waUser, waT0, true)
		st.fail[method] = errDisk
		if _, err := New(Config{Store: st, Clock: &fakeClock{waT0}}).Receive(context.Background(), account, in); !errors.Is(err, errDisk) ||
			!strings.HasPrefix(err.Error(), "receive message: ") {
			t.Errorf("%s failing: %v", method, err)
		}
	}
}

// TestWhatsAppTwiMLReply: an app's TwiML answer to a WhatsApp message goes back to the
// user on WhatsApp, one media file at most; a reply that mixes channels fails.
func TestWhatsAppTwiMLReply(t *testing.T) {
	st := waStore()
	s := New(Config{Store: st})
	w, err := s.planReply(context.Background(), account, Outbound{To: waUser, From: sandbox, Body: "Hello",
		MediaURLs: []string{"https://x/1.png", "https://x/2.png"}, Direction: DirectionOutboundReply}, time.Now())
	if err != nil || w.Messages[0].Status != statusQueued || len(w.Messages[0].MediaURLs) != 1 || w.Messages[0].NumSegments != 1 {
		t.Errorf("a reply on WhatsApp: %+v, %v", w.Messages, err)
	}
	w, err = s.planReply(context.Background(), account, Outbound{To: waUser, From: "+14155550151", Body: "Hello", Direction: DirectionOutboundReply}, time.Now())
	if err != nil || w.Messages[0].Status != statusFailed || w.Messages[0].ErrorCode != whatsapp.CodeMixedChannels {
		t.Errorf("a reply from an SMS number: %+v, %v", w.Messages, err)
	}
}
