package twiml

import (
	"fmt"
	"strings"
)

// Messaging is an answer to an incoming-message webhook: its verbs, in document order.
// A <Redirect> ends the document: verbs after it are never reached.
type Messaging struct {
	Messages []Message
	Redirect *Redirect // nil when the document does not redirect
}

// Message is a <Message> verb: a reply to send.
type Message struct {
	To, From string // "" means the sender / recipient of the incoming message
	// StatusCallback is where the reply's status changes go: the verb's statusCallback
	// attribute, or its older name, action.
	StatusCallback string
	Method         string
	Body           string
	Media          []string
}

// Redirect is a <Redirect> verb: fetch TwiML from URL instead.
type Redirect struct {
	URL    string
	Method string // "" means POST
}

// ParseMessaging reads a messaging TwiML document. Verbs it does not know (and nouns in
// the wrong place) are skipped, as Twilio skips them with a warning; a document that is
// not TwiML at all is an error wrapping ErrNotTwiML.
func ParseMessaging(doc []byte) (Messaging, error) {
	root, err := parse(doc)
	if err != nil {
		return Messaging{}, err
	}
	var out Messaging
	for _, verb := range root.Children {
		switch verb.Name {
		case "Message":
			m := Message{
				To:             verb.Attrs["to"],
				From:           verb.Attrs["from"],
				StatusCallback: firstOf(verb.Attrs["statusCallback"], verb.Attrs["action"]),
				Method:         strings.ToUpper(verb.Attrs["method"]),
				Body:           verb.Text,
			}
			var body []string
			for _, noun := range verb.Children {
				switch noun.Name {
				case "Body":
					body = append(body, noun.Text)
				case "Media":
					if noun.Text != "" {
						m.Media = append(m.Media, noun.Text)
					}
				}
			}
			if len(body) > 0 { // <Body> nouns, when present, are the body
				m.Body = strings.Join(body, "\n")
			}
			if m.Body == "" && len(m.Media) == 0 {
				return Messaging{}, fmt.Errorf("%w: a <Message> has neither body nor <Media>", ErrNotTwiML)
			}
			out.Messages = append(out.Messages, m)
		case "Redirect":
			if verb.Text == "" {
				return Messaging{}, fmt.Errorf("%w: <Redirect> without a URL", ErrNotTwiML)
			}
			out.Redirect = &Redirect{URL: verb.Text, Method: strings.ToUpper(verb.Attrs["method"])}
			return out, nil
		}
	}
	return out, nil
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
