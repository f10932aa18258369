package whatsapp

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// The Sandbox's join keywords are two words and a hyphen, as Twilio's ("join
// shadow-pig"): an adjective and a noun, picked from the account's SID, so that an
// account keeps its keyword without storing it, and two accounts rarely share one
// (sharing one would do no harm: a join is to the Sandbox of the account that receives
// it).
var (
	keywordFirst = []string{
		"amber", "ancient", "autumn", "bitter", "blue", "bold", "brave", "bright",
		"calm", "clever", "cold", "cool", "crisp", "curious", "dark", "dawn",
		"deep", "dusty", "eager", "early", "easy", "fair", "fancy", "fast",
		"fierce", "gentle", "giant", "golden", "grand", "green", "happy", "hidden",
		"hollow", "icy", "jolly", "keen", "kind", "late", "lazy", "little",
		"lively", "lucky", "mellow", "misty", "modern", "noble", "odd", "old",
		"pale", "plenty", "polite", "proud", "purple", "quick", "quiet", "rapid",
		"rough", "royal", "shadow", "silent", "silver", "sunny", "swift", "wild",
	}
	keywordSecond = []string{
		"apple", "badger", "bear", "bird", "breeze", "brook", "cat", "cloud",
		"coast", "comet", "coral", "crane", "deer", "desert", "dog", "dove",
		"eagle", "field", "flame", "forest", "fox", "frog", "garden", "goat",
		"harbor", "hill", "horse", "island", "lake", "leaf", "lion", "meadow",
		"moon", "moose", "mountain", "night", "ocean", "otter", "owl", "panda",
		"pig", "pine", "planet", "pond", "rabbit", "river", "rock", "sea",
		"seal", "shore", "sky", "snake", "snow", "star", "stone", "storm",
		"sun", "swan", "tiger", "tree", "valley", "wave", "whale", "wolf",
	}
)

// Keyword is the Sandbox join keyword of account accountSid ("shadow-pig"): what its
// users send after "join".
func Keyword(accountSid string) string {
	h := sha256.Sum256([]byte(accountSid))
	return keywordFirst[int(h[0])%len(keywordFirst)] + "-" + keywordSecond[int(h[1])%len(keywordSecond)]
}

// JoinMessage is what a user sends the Sandbox to join account accountSid's.
func JoinMessage(accountSid string) string { return "join " + Keyword(accountSid) }

// SandboxWord is what a message to the Sandbox asks of it: to join with a keyword
// (Join, with the keyword as sent), to leave (Leave), or nothing (the message is for
// the app).
type SandboxWord struct {
	Join    bool
	Keyword string
	Leave   bool
}

// ReadSandboxWord reads body as the Sandbox does: "join <keyword>" joins, "stop"
// leaves, in any case and with any surrounding spaces.
func ReadSandboxWord(body string) SandboxWord {
	words := strings.Fields(strings.ToLower(body))
	switch {
	case len(words) == 2 && words[0] == "join":
		return SandboxWord{Join: true, Keyword: words[1]}
	case len(words) == 1 && words[0] == "stop":
		return SandboxWord{Leave: true}
	}
	return SandboxWord{}
}

// The Sandbox's own replies: to a join, to a leave, and to a user who writes without
// being a member (or with another keyword), which names the account's keyword.
func JoinedReply() string {
	return "Twilio Sandbox: ✅ You are all set! The Sandbox can now send and receive messages from " + SandboxAddress +
		". Reply stop to leave the Sandbox at any time."
}

// LeftReply is the Sandbox's answer to "stop" from a member.
func LeftReply(accountSid string) string {
	return "You have left the Sandbox and will no longer get its messages. Send '" + JoinMessage(accountSid) + "' to join again."
}

// NotJoinedReply is the Sandbox's answer to a user who is not a member of account
// accountSid's Sandbox.
func NotJoinedReply(accountSid string) string {
	return "Your number is not connected to this Sandbox. To connect it, send '" + JoinMessage(accountSid) + "'."
}

// InstallSid is the SID (XE…) of the WhatsApp channel install of sender in account
// accountSid, as status callbacks name it: the same for every message of the pair.
func InstallSid(accountSid, sender string) string {
	h := sha256.Sum256([]byte(accountSid + " " + Number(sender)))
	return "XE" + hex.EncodeToString(h[:16])
}
