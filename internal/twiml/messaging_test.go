package twiml

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseMessaging(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want Messaging
	}{
		{"empty response", `<Response/>`, Messaging{}},
		{"declaration and whitespace", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n</Response>\n", Messaging{}},
		{"text message", `<Response><Message>Thanks &amp; bye</Message></Response>`,
			Messaging{Messages: []Message{{Body: "Thanks & bye"}}}},
		{"body and media nouns, attributes", `<Response>
			<Message to="+15005550006" from="+14155550100" action="http://a/cb" method="get">
				<Body>Here you go</Body><Media>https://x/cat.png</Media><Media>https://x/dog.png</Media>
			</Message></Response>`,
			Messaging{Messages: []Message{{To: "+15005550006", From: "+14155550100", StatusCallback: "http://a/cb", Method: "GET",
				Body: "Here you go", Media: []string{"https://x/cat.png", "https://x/dog.png"}}}}},
		{"statusCallback wins over action", `<Response><Message statusCallback="http://s" action="http://a">x</Message></Response>`,
			Messaging{Messages: []Message{{StatusCallback: "http://s", Body: "x"}}}},
		{"media only", `<Response><Message><Media>https://x/a.png</Media></Message></Response>`,
			Messaging{Messages: []Message{{Media: []string{"https://x/a.png"}}}}},
		{"two messages in order", `<Response><Message>one</Message><Message>two</Message></Response>`,
			Messaging{Messages: []Message{{Body: "one"}, {Body: "two"}}}},
		{"redirect ends the document", `<Response><Message>a</Message><Redirect method="GET">http://r/next</Redirect><Message>never</Message></Response>`,
			Messaging{Messages: []Message{{Body: "a"}}, Redirect: &Redirect{URL: "http://r/next", Method: "GET"}}},
		{"unknown verbs skipped", `<Response><Say>voice only</Say><Message>m</Message></Response>`,
			Messaging{Messages: []Message{{Body: "m"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessaging([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseMessagingRejects(t *testing.T) {
	for _, doc := range []string{
		``,
		`not xml`,
		`<Response><Message>unclosed</Response>`,
		`<Reply><Message>x</Message></Reply>`,
		`<Response></Response><Response></Response>`,
		`<Response/>trailing`,
		`text<Response/>`,
		`<Response><Message></Message></Response>`,
		`<Response><Redirect/></Response>`,
		`<Response>` + strings.Repeat("<a>", maxDepth+1) + strings.Repeat("</a>", maxDepth+1) + `</Response>`,
		`<!DOCTYPE x [<!ENTITY a "aaaa">]><Response><Message>&a;</Message></Response>`,
	} {
		if got, err := ParseMessaging([]byte(doc)); !errors.Is(err, ErrNotTwiML) {
			t.Errorf("ParseMessaging(%q) = %+v, %v; want ErrNotTwiML", doc, got, err)
		}
	}
}

// FuzzParseMessaging: any input either parses or fails with ErrNotTwiML, never panics,
// and a parsed message always has something to send.
func FuzzParseMessaging(f *testing.F) {
	for _, seed := range []string{`<Response/>`, `<Response><Message>hi</Message></Response>`,
		`<Response><Message><Body>b</Body><Media>u</Media></Message><Redirect>http://x</Redirect></Response>`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := ParseMessaging(doc)
		if err != nil {
			if !errors.Is(err, ErrNotTwiML) {
				t.Fatalf("error %v does not wrap ErrNotTwiML", err)
			}
			return
		}
		for _, m := range got.Messages {
			if m.Body == "" && len(m.Media) == 0 {
				t.Fatalf("empty message parsed from %q", doc)
			}
		}
	})
}
