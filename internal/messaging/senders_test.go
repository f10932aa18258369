package messaging

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

func TestStickyChoice(t *testing.T) {
	pool := []string{"+14155550101", "+14155550102", "+14155550103"}
	tests := []struct {
		name    string
		current string
		load    map[string]int
		want    string
	}{
		{"a recipient keeps its sender", "+14155550103", map[string]int{"+14155550103": 9}, "+14155550103"},
		{"a new recipient gets the least used", "", map[string]int{"+14155550101": 2, "+14155550102": 1, "+14155550103": 2}, "+14155550102"},
		{"ties go to the first in pool order", "", map[string]int{"+14155550101": 1, "+14155550102": 1, "+14155550103": 1}, "+14155550101"},
		{"an unused number counts as zero", "", map[string]int{"+14155550101": 1}, "+14155550102"},
		{"a sender that left the pool is replaced", "+14155550199", map[string]int{"+14155550199": 1, "+14155550101": 1}, "+14155550102"},
	}
	for _, tt := range tests {
		if got := stickyChoice(pool, tt.current, tt.load); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	// Ten new recipients in a row spread evenly.
	load := map[string]int{}
	for range 10 {
		load[stickyChoice(pool[:2], "", load)]++
	}
	if load[pool[0]] != 5 || load[pool[1]] != 5 {
		t.Errorf("ten recipients over two numbers: %v", load)
	}
}

func TestCarriers(t *testing.T) {
	sms := store.Capabilities{Voice: true, SMS: true}
	mms := store.Capabilities{Voice: true, SMS: true, MMS: true}
	pool := []store.ServiceNumber{
		{PhoneNumber: "+14155550101", IsoCountry: "US", Capabilities: mms},
		{PhoneNumber: "+447700900123", IsoCountry: "GB", Capabilities: sms},
		{PhoneNumber: "+442079460018", IsoCountry: "GB", Capabilities: store.Capabilities{Voice: true}},
		{PhoneNumber: "+14155550102", IsoCountry: "US", Capabilities: mms},
	}
	tests := []struct {
		name string
		m    store.Message
		want []string
	}{
		{"numbers of the recipient's country", store.Message{To: "+12025550100"}, []string{"+14155550101", "+14155550102"}},
		{"GB, by calling code for a drama-range number", store.Message{To: "+447700900999"}, []string{"+447700900123"}},
		{"any SMS number when none is local", store.Message{To: "+4915112345678"}, []string{"+14155550101", "+447700900123", "+14155550102"}},
		{"media need MMS", store.Message{To: "+447700900999", NumMedia: 1}, []string{"+14155550101", "+14155550102"}},
	}
	for _, tt := range tests {
		if got := carriers(pool, tt.m); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestChooseSender: the sender a Messaging Service picks for a message, and the rules that
// fail the message instead.
func TestChooseSender(t *testing.T) {
	sms := store.Capabilities{Voice: true, SMS: true}
	mms := store.Capabilities{Voice: true, SMS: true, MMS: true}
	us1 := store.ServiceNumber{PhoneNumber: "+14155550101", IsoCountry: "US", Capabilities: mms}
	us2 := store.ServiceNumber{PhoneNumber: "+14155550102", IsoCountry: "US", Capabilities: sms}
	gb := store.ServiceNumber{PhoneNumber: "+447700900101", IsoCountry: "GB", Capabilities: sms}
	voiceOnly := store.ServiceNumber{PhoneNumber: "+442079460101", IsoCountry: "GB", Capabilities: store.Capabilities{Voice: true}}
	tests := []struct {
		name    string
		pool    store.SenderPool
		to      string
		media   int
		want    string // "" when a rule fails the message
		code    int
		message string
	}{
		{"an alpha sender outside +1", store.SenderPool{Numbers: []store.ServiceNumber{gb}, AlphaSenders: []string{"ACME", "Other"}},
			"+447700900999", 0, "ACME", 0, ""},
		{"no alpha sender inside +1", store.SenderPool{Numbers: []store.ServiceNumber{us2}, AlphaSenders: []string{"ACME"}},
			"+14155550100", 0, "+14155550102", 0, ""},
		{"no alpha sender for Canada either", store.SenderPool{Numbers: []store.ServiceNumber{us2}, AlphaSenders: []string{"ACME"}},
			"+16135550100", 0, "+14155550102", 0, ""},
		{"a number of the recipient's country outside +1 without alpha", store.SenderPool{Numbers: []store.ServiceNumber{us2, gb}},
			"+447700900999", 0, "+447700900101", 0, ""},
		{"any number when none is of the country", store.SenderPool{Numbers: []store.ServiceNumber{us2}},
			"+33612345678", 0, "+14155550102", 0, ""},
		{"media need an MMS number", store.SenderPool{Numbers: []store.ServiceNumber{us2, us1}},
			"+14155550100", 1, "+14155550101", 0, ""},
		{"no number can carry media", store.SenderPool{Numbers: []store.ServiceNumber{us2, gb}},
			"+14155550100", 1, "", 21606, "Messaging Service MG1 has no sender that can send this message to +14155550100: add an SMS-capable phone number (MMS-capable for media) to its pool, or an alphanumeric sender ID for destinations outside +1."},
		{"voice-only numbers send nothing", store.SenderPool{Numbers: []store.ServiceNumber{voiceOnly}},
			"+447700900999", 0, "", 21606, ""},
		{"an empty pool", store.SenderPool{}, "+447700900999", 0, "", 21606, ""},
	}
	for _, tt := range tests {
		for _, sticky := range []bool{false, true} {
			st := newFakeStore()
			st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1", StickySender: sticky}
			st.pools["MG1"] = tt.pool
			got, err := New(Config{Store: st}).chooseSender(context.Background(),
				store.Message{Sid: "SM1", AccountSid: "AC1", MessagingServiceSid: "MG1", To: tt.to, NumMedia: tt.media})
			if got != tt.want || ruleCode(err) != tt.code || (tt.message != "" && err.Error() != "21606: "+tt.message) {
				t.Errorf("%s (sticky %v): %q, %v; want %q, code %d", tt.name, sticky, got, err, tt.want, tt.code)
			}
		}
	}
}

// TestChooseSenderSticky: with Sticky Sender a recipient keeps its sender while the pool
// can still carry its messages; new recipients spread over the pool.
func TestChooseSenderSticky(t *testing.T) {
	sms := store.Capabilities{SMS: true}
	st := newFakeStore()
	st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1", StickySender: true}
	st.pools["MG1"] = store.SenderPool{Numbers: []store.ServiceNumber{
		{PhoneNumber: "+14155550101", IsoCountry: "US", Capabilities: sms}, {PhoneNumber: "+14155550102", IsoCountry: "US", Capabilities: sms}}}
	s := New(Config{Store: st})
	choose := func(to, sid string) string {
		t.Helper()
		sender, err := s.chooseSender(context.Background(), store.Message{Sid: sid, AccountSid: "AC1", MessagingServiceSid: "MG1", To: to})
		if err != nil {
			t.Fatal(err)
		}
		return sender
	}
	first := choose("+14155550100", "SM1")
	for i := range 5 {
		if again := choose("+14155550100", "SM"+strconv.Itoa(i+2)); again != first {
			t.Fatalf("the recipient's sender went from %s to %s", first, again)
		}
	}
	if other := choose("+14155550103", "SM9"); other == first {
		t.Errorf("a second recipient got the first's sender %s, not the unused one", other)
	}
	if len(st.stickyAt) != 7 || time.Since(st.stickyAt[0]) > time.Minute {
		t.Errorf("StickySender asked %d times, at %v", len(st.stickyAt), st.stickyAt)
	}
	st.pools["MG1"] = store.SenderPool{Numbers: st.pools["MG1"].Numbers[1:]}
	if moved := choose("+14155550100", "SM10"); moved != "+14155550102" {
		t.Errorf("a sender that left the pool was kept: %s", moved)
	}
}

// TestChooseSenderDrawn: without Sticky Sender the sender is drawn from the message's SID:
// the same SID always draws the same, and SIDs spread over the pool.
func TestChooseSenderDrawn(t *testing.T) {
	sms := store.Capabilities{SMS: true}
	st := newFakeStore()
	st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1"}
	pool := []string{"+14155550101", "+14155550102", "+14155550103"}
	for _, n := range pool {
		st.pools["MG1"] = store.SenderPool{Numbers: append(st.pools["MG1"].Numbers, store.ServiceNumber{PhoneNumber: n, IsoCountry: "US", Capabilities: sms})}
	}
	s := New(Config{Store: st})
	used := map[string]int{}
	for i := range 60 {
		m := store.Message{Sid: "SM" + strconv.Itoa(i), AccountSid: "AC1", MessagingServiceSid: "MG1", To: "+14155550100"}
		a, err := s.chooseSender(context.Background(), m)
		b, _ := s.chooseSender(context.Background(), m)
		if err != nil || a != b {
			t.Fatalf("%s drew %s then %s (%v)", m.Sid, a, b, err)
		}
		used[a]++
	}
	for _, n := range pool {
		if used[n] < 5 {
			t.Errorf("60 messages drew %v: %s hardly ever", used, n)
		}
	}
	if len(st.stickyAt) != 0 {
		t.Errorf("Sticky Sender is off, yet asked")
	}
}

// TestChooseSenderRefusals: a recipient who opted out of the chosen sender fails the
// message (21610); failures of Switchboard's own are errors.
func TestChooseSenderRefusals(t *testing.T) {
	setup := func() *fakeStore {
		st := newFakeStore()
		st.services["MG1"] = store.MessagingService{Sid: "MG1", AccountSid: "AC1", StickySender: true}
		st.services["MG2"] = store.MessagingService{Sid: "MG2", AccountSid: "AC2"}
		st.pools["MG1"] = store.SenderPool{Numbers: []store.ServiceNumber{{PhoneNumber: "+14155550101", IsoCountry: "US",
			Capabilities: store.Capabilities{SMS: true}}}}
		return st
	}
	m := store.Message{Sid: "SM1", AccountSid: "AC1", MessagingServiceSid: "MG1", To: "+14155550100"}
	st := setup()
	st.optOut("AC1", "+14155550101", "+14155550100")
	if _, err := New(Config{Store: st}).chooseSender(context.Background(), m); ruleCode(err) != 21610 {
		t.Errorf("an opted-out recipient: %v", err)
	}
	for _, sid := range []string{"MG2", "MG9"} {
		other := m
		other.MessagingServiceSid = sid
		_, err := New(Config{Store: setup()}).chooseSender(context.Background(), other)
		if err == nil || err.Error() != "21701: The Messaging Service "+sid+" does not exist or does not belong to this account." {
			t.Errorf("service %s: %v", sid, err)
		}
	}
	for method, prefix := range map[string]string{"GetMessagingService": "messaging service MG1: ", "ServicePool": "choose sender: ",
		"StickySender": "choose sender: ", "OptedOut": "choose sender: "} {
		st := setup()
		st.fail[method] = errDisk
		if _, err := New(Config{Store: st}).chooseSender(context.Background(), m); !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%s failing: %v", method, err)
		}
	}
}

func TestNeedsSender(t *testing.T) {
	for _, tt := range []struct {
		m    store.Message
		want bool
	}{
		{store.Message{MessagingServiceSid: "MG1"}, true},
		{store.Message{MessagingServiceSid: "MG1", From: "+14155550101"}, false},
		{store.Message{From: "+14155550101"}, false},
		{store.Message{}, false},
	} {
		if got := needsSender(tt.m); got != tt.want {
			t.Errorf("needsSender(%+v) = %v", tt.m, got)
		}
	}
}
