package whatsapp

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestKeyword(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z]+-[a-z]+$`)
	seen := map[string]bool{}
	firsts, seconds := map[string]bool{}, map[string]bool{}
	for i := range 2000 {
		account := fmt.Sprintf("AC%032x", i)
		k := Keyword(account)
		if !shape.MatchString(k) {
			t.Fatalf("Keyword(%s) = %q, want two words and a hyphen", account, k)
		}
		if Keyword(account) != k {
			t.Fatalf("Keyword(%s) changed between calls", account)
		}
		if JoinMessage(account) != "join "+k {
			t.Fatalf("JoinMessage(%s) = %q", account, JoinMessage(account))
		}
		seen[k] = true
		first, second, _ := strings.Cut(k, "-")
		firsts[first], seconds[second] = true, true
	}
	// Every word of both lists is used, and accounts mostly get keywords of their own.
	if len(firsts) != len(keywordFirst) || len(seconds) != len(keywordSecond) {
		t.Errorf("%d first words and %d second words in use, want %d and %d", len(firsts), len(seconds), len(keywordFirst), len(keywordSecond))
	}
	if len(seen) < 1500 {
		t.Errorf("2000 accounts share %d keywords", len(seen))
	}
	// A known account's keyword, so that a change of the derivation (which would change
	// every account's keyword) is a decision.
	if got := Keyword("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); got != knownKeyword {
		t.Errorf("Keyword(ACaaaa…) = %q, want %q", got, knownKeyword)
	}
}

// knownKeyword is the keyword of ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.
const knownKeyword = "polite-coast"

func TestReadSandboxWord(t *testing.T) {
	for _, tc := range []struct {
		body string
		want SandboxWord
	}{
		{"join shadow-pig", SandboxWord{Join: true, Keyword: "shadow-pig"}},
		{"  JOIN  Shadow-Pig \n", SandboxWord{Join: true, Keyword: "shadow-pig"}},
		{"join", SandboxWord{}},
		{"join shadow pig", SandboxWord{}},
		{"joined shadow-pig", SandboxWord{}},
		{"stop", SandboxWord{Leave: true}},
		{" STOP ", SandboxWord{Leave: true}},
		{"stop now", SandboxWord{}},
		{"stop stop", SandboxWord{}},
		{"hello", SandboxWord{}},
		{"", SandboxWord{}},
	} {
		if got := ReadSandboxWord(tc.body); got != tc.want {
			t.Errorf("ReadSandboxWord(%q) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

func TestReplies(t *testing.T) {
	account := "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	for _, tc := range []struct{ name, got, want string }{
		{"joined", JoinedReply(), "Twilio Sandbox: ✅ You are all set! The Sandbox can now send and receive messages from whatsapp:+14155238886. Reply stop to leave the Sandbox at any time."},
		{"left", LeftReply(account), "You have left the Sandbox and will no longer get its messages. Send 'join " + knownKeyword + "' to join again."},
		{"not joined", NotJoinedReply(account), "Your number is not connected to this Sandbox. To connect it, send 'join " + knownKeyword + "'."},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestInstallSid(t *testing.T) {
	a, b := "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	sid := InstallSid(a, "whatsapp:+14155238886")
	if !regexp.MustCompile(`^XE[0-9a-f]{32}$`).MatchString(sid) {
		t.Fatalf("InstallSid = %q, want XE and 32 hex digits", sid)
	}
	if InstallSid(a, "+14155238886") != sid {
		t.Error("the sender's prefix changes its install")
	}
	if InstallSid(b, "whatsapp:+14155238886") == sid || InstallSid(a, "whatsapp:+14155550199") == sid {
		t.Error("two accounts, or two senders, share an install")
	}
}
