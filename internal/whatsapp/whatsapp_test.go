package whatsapp

import (
	"maps"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 20, 15, 3, 0, time.UTC)

func TestAddresses(t *testing.T) {
	for _, tc := range []struct {
		in           string
		is, valid    bool
		number, waID string
	}{
		{"whatsapp:+14155238886", true, true, "+14155238886", "14155238886"},
		{"whatsapp:+447700900123", true, true, "+447700900123", "447700900123"},
		{"whatsapp:+1415", true, false, "+1415", "1415"},                    // too short for +1
		{"whatsapp:14155238886", true, false, "14155238886", "14155238886"}, // no plus
		{"+14155238886", false, false, "+14155238886", "14155238886"},
		{"WhatsApp:+14155238886", false, false, "WhatsApp:+14155238886", "WhatsApp:+14155238886"},
		{"messenger:+14155238886", false, false, "messenger:+14155238886", "messenger:+14155238886"},
		{"", false, false, "", ""},
	} {
		if got := IsAddress(tc.in); got != tc.is {
			t.Errorf("IsAddress(%q) = %v, want %v", tc.in, got, tc.is)
		}
		if got := ValidAddress(tc.in); got != tc.valid {
			t.Errorf("ValidAddress(%q) = %v, want %v", tc.in, got, tc.valid)
		}
		if got := Number(tc.in); got != tc.number {
			t.Errorf("Number(%q) = %q, want %q", tc.in, got, tc.number)
		}
		if got := WaID(tc.in); got != tc.waID {
			t.Errorf("WaID(%q) = %q, want %q", tc.in, got, tc.waID)
		}
	}
	if got := Address("+14155550100"); got != "whatsapp:+14155550100" {
		t.Errorf("Address = %q", got)
	}
	if SandboxAddress != "whatsapp:+14155238886" {
		t.Errorf("SandboxAddress = %q", SandboxAddress)
	}
}

func TestCheckPair(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		code     int // 0: no error
	}{
		{"whatsapp:+14155238886", "whatsapp:+14155550100", 0},
		{"+14155550199", "+14155550100", 0},
		{"", "whatsapp:+14155550100", 0}, // a Messaging Service picks From
		{"", "+14155550100", 0},
		{"+14155550199", "whatsapp:+14155550100", CodeMixedChannels},
		{"whatsapp:+14155238886", "+14155550100", CodeMixedChannels},
		{"Acme", "whatsapp:+14155550100", CodeMixedChannels},
		{"whatsapp:+14155550100", "whatsapp:+14155550100", CodeSameFromTo},
		{"+14155550100", "+14155550100", 0}, // SMS has no such rule here
	} {
		err := CheckPair(tc.from, tc.to)
		switch {
		case tc.code == 0 && err != nil:
			t.Errorf("CheckPair(%q, %q) = %v, want nil", tc.from, tc.to, err)
		case tc.code != 0 && (err == nil || err.Code != tc.code):
			t.Errorf("CheckPair(%q, %q) = %v, want code %d", tc.from, tc.to, err, tc.code)
		}
	}
	if err := CheckPair("+14155550199", "whatsapp:+14155550100"); err.Message != "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel: +14155550199 and whatsapp:+14155550100 are not." {
		t.Errorf("21910's message: %q", err.Message)
	}
	if err := CheckPair("whatsapp:+14155550100", "whatsapp:+14155550100"); err.Message != "Channels message cannot have same From and To: whatsapp:+14155550100." {
		t.Errorf("63031's message: %q", err.Message)
	}
}

func TestSessionWindowAndMembership(t *testing.T) {
	for _, tc := range []struct {
		name             string
		s                Session
		now              time.Time
		inWindow, joined bool
	}{
		{"never wrote, never joined", Session{}, t0, false, false},
		{"just wrote and joined", Session{LastInbound: t0, JoinedAt: t0}, t0, true, true},
		{"a second before the window closes", Session{LastInbound: t0}, t0.Add(Window - time.Second), true, false},
		{"a nanosecond before the window closes", Session{LastInbound: t0}, t0.Add(Window - 1), true, false},
		{"as the window closes", Session{LastInbound: t0}, t0.Add(Window), false, false},
		{"after the window", Session{LastInbound: t0}, t0.Add(25 * time.Hour), false, false},
		{"a day into the membership", Session{JoinedAt: t0}, t0.Add(24 * time.Hour), false, true},
		{"a nanosecond before the membership ends", Session{JoinedAt: t0}, t0.Add(Membership - 1), false, true},
		{"as the membership ends", Session{JoinedAt: t0}, t0.Add(Membership), false, false},
		{"a clock behind the session", Session{LastInbound: t0, JoinedAt: t0}, t0.Add(-time.Hour), true, true},
	} {
		if got := tc.s.InWindow(tc.now); got != tc.inWindow {
			t.Errorf("%s: InWindow = %v, want %v", tc.name, got, tc.inWindow)
		}
		if got := tc.s.Joined(tc.now); got != tc.joined {
			t.Errorf("%s: Joined = %v, want %v", tc.name, got, tc.joined)
		}
	}
	if Window != 24*time.Hour || Membership != 3*24*time.Hour {
		t.Errorf("Window %s, Membership %s; Twilio's are 24 h and 3 days", Window, Membership)
	}
}

func TestCheck(t *testing.T) {
	open := Session{LastInbound: t0.Add(-time.Hour), JoinedAt: t0.Add(-time.Hour)}
	closed := Session{LastInbound: t0.Add(-25 * time.Hour), JoinedAt: t0.Add(-25 * time.Hour)}
	expired := Session{LastInbound: t0.Add(-time.Hour), JoinedAt: t0.Add(-73 * time.Hour)}
	for _, tc := range []struct {
		name string
		d    Delivery
		code int // 0: delivered
	}{
		{"freeform in the window", Delivery{Sender: true, Session: open, Now: t0}, 0},
		{"freeform outside the window", Delivery{Sender: true, Session: closed, Now: t0}, CodeOutsideWindow},
		{"freeform to a user who never wrote", Delivery{Sender: true, Now: t0}, CodeOutsideWindow},
		{"approved template outside the window", Delivery{Sender: true, Session: closed, Template: true, Approved: true, Now: t0}, 0},
		{"template WhatsApp did not approve, outside", Delivery{Sender: true, Session: closed, Template: true, Now: t0}, CodeOutsideWindow},
		{"template WhatsApp did not approve, inside", Delivery{Sender: true, Session: open, Template: true, Now: t0}, 0},
		{"approval without a template", Delivery{Sender: true, Session: closed, Approved: true, Now: t0}, CodeOutsideWindow},
		{"not a sender", Delivery{Session: open, Template: true, Approved: true, Now: t0}, CodeNoSender},
		{"sandbox member in the window", Delivery{Sandbox: true, Session: open, Now: t0}, 0},
		{"sandbox member outside the window", Delivery{Sandbox: true, Session: closed, Now: t0}, CodeOutsideWindow},
		{"sandbox membership expired", Delivery{Sandbox: true, Session: expired, Now: t0}, CodeNotJoined},
		{"sandbox stranger", Delivery{Sandbox: true, Template: true, Approved: true, Now: t0}, CodeNotJoined},
		{"sandbox member, approved template, window closed", Delivery{Sandbox: true,
			Session: Session{LastInbound: t0.Add(-30 * time.Hour), JoinedAt: t0.Add(-30 * time.Hour)}, Template: true, Approved: true, Now: t0}, 0},
		{"sandbox member, freeform, window closed", Delivery{Sandbox: true,
			Session: Session{LastInbound: t0.Add(-30 * time.Hour), JoinedAt: t0.Add(-30 * time.Hour)}, Now: t0}, CodeOutsideWindow},
	} {
		f := Check(tc.d)
		switch {
		case tc.code == 0 && f != nil:
			t.Errorf("%s: %+v, want delivered", tc.name, *f)
		case tc.code != 0 && (f == nil || f.Code != tc.code || f.Message == ""):
			t.Errorf("%s: %+v, want %d", tc.name, f, tc.code)
		}
	}
	want := map[int]string{
		CodeNoSender:      "Twilio could not find a Channel with the specified From address",
		CodeNotJoined:     "Channel Sandbox can only send messages to phone numbers that have joined the Sandbox",
		CodeOutsideWindow: "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.",
	}
	for d, code := range map[Delivery]int{{}: CodeNoSender, {Sandbox: true}: CodeNotJoined, {Sender: true}: CodeOutsideWindow} {
		if f := Check(d); f.Message != want[code] {
			t.Errorf("%d: %q, want %q", code, f.Message, want[code])
		}
	}
}

func TestStatusParams(t *testing.T) {
	install := InstallSid("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "whatsapp:+14155238886")
	for _, tc := range []struct {
		status   string
		template bool
		event    string
	}{
		{"queued", false, ""}, {"sent", true, ""}, {"delivered", false, "DELIVERED"}, {"read", true, "READ"},
		{"undelivered", false, "UNDELIVERED"}, {"failed", false, "UNDELIVERED"},
	} {
		got := StatusParams("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "whatsapp:+14155238886", "whatsapp:+14155550100", tc.status, tc.template)
		want := map[string]string{"ChannelPrefix": "whatsapp", "ChannelToAddress": "+14155550100",
			"ChannelInstallSid": install, "StructuredMessage": "false"}
		if tc.template {
			want["StructuredMessage"] = "true"
		}
		if tc.event != "" {
			want["EventType"] = tc.event
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: %v, want %v", tc.status, got, want)
		}
	}
}
