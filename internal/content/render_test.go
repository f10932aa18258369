package content

import (
	"slices"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	text := `{"body":"Hi {{1}}, your table is at {{2}}."}`
	media := `{"body":"Your ticket, {{1}}","media":["https://example.com/tickets/{{ticket}}.pdf"]}`
	quick := `{"body":"Coming at {{2}}, {{1}}?","actions":[{"title":"Yes","id":"yes"}]}`
	cta := `{"body":"Call us, {{1}}","actions":[{"type":"PHONE_NUMBER","title":"Call","phone":"+14155550100"}]}`
	list := `{"body":"Which colour, {{1}}?","button":"Pick","items":[{"item":"Red","id":"red"}]}`
	card := `{"title":"Sale for {{1}}","subtitle":"Today only","body":"Up to {{2}} off","media":["https://example.com/{{1}}.png"],"actions":[{"type":"URL","title":"Shop","url":"https://example.com"}]}`
	place := `{"latitude":37.7749,"longitude":-122.4194,"label":"{{1}}'s office","address":"1 Main St"}`
	bare := `{"latitude":-33.8688,"longitude":151}`
	defaults := map[string]string{"1": "friend", "2": "8 pm", "ticket": "T-1"}
	vars := map[string]string{"1": "Ana", "2": "7 pm"}
	for _, tc := range []struct {
		name     string
		types    map[string]string
		defaults map[string]string
		ch       Channel
		vars     map[string]string
		want     Message
		code     int
		part     string
	}{
		{"text on SMS", map[string]string{TypeText: text}, defaults, SMS, vars,
			Message{Type: TypeText, Body: "Hi Ana, your table is at 7 pm."}, 0, ""},
		{"text on WhatsApp", map[string]string{TypeText: text}, defaults, WhatsApp, vars,
			Message{Type: TypeText, Body: "Hi Ana, your table is at 7 pm."}, 0, ""},
		{"defaults fill what the message leaves out", map[string]string{TypeText: text}, defaults, SMS, map[string]string{"2": "9 pm"},
			Message{Type: TypeText, Body: "Hi friend, your table is at 9 pm."}, 0, ""},
		{"no variables at all", map[string]string{TypeText: text}, defaults, SMS, nil,
			Message{Type: TypeText, Body: "Hi friend, your table is at 8 pm."}, 0, ""},
		{"a missing variable", map[string]string{TypeText: text}, map[string]string{"1": "friend"}, SMS, map[string]string{"1": "Ana"},
			Message{}, CodeInvalidVariables, "no value for {{2}}"},
		{"two missing variables", map[string]string{TypeText: text}, nil, WhatsApp, nil,
			Message{}, CodeInvalidVariables, "no value for {{1}}, {{2}}"},
		{"spaces in a placeholder", map[string]string{TypeText: `{"body":"Hi {{ 1 }}! {{}} {{x}"}`}, nil, SMS, vars,
			Message{Type: TypeText, Body: "Hi Ana! {{}} {{x}"}, 0, ""},
		{"no placeholders", map[string]string{TypeText: `{"body":"Hello"}`}, nil, SMS, vars,
			Message{Type: TypeText, Body: "Hello"}, 0, ""},
		{"media on SMS is MMS", map[string]string{TypeText: text, TypeMedia: media}, defaults, SMS, vars,
			Message{Type: TypeMedia, Body: "Your ticket, Ana", MediaURLs: []string{"https://example.com/tickets/T-1.pdf"}}, 0, ""},
		{"a variable missing from a media URL", map[string]string{TypeMedia: media}, map[string]string{"1": "x"}, SMS, nil,
			Message{}, CodeInvalidVariables, "{{ticket}}"},
		{"quick reply on WhatsApp", map[string]string{TypeText: text, TypeQuickReply: quick}, defaults, WhatsApp, vars,
			Message{Type: TypeQuickReply, Body: "Coming at 7 pm, Ana?"}, 0, ""},
		{"quick reply falls back to text on SMS", map[string]string{TypeText: text, TypeQuickReply: quick}, defaults, SMS, vars,
			Message{Type: TypeText, Body: "Hi Ana, your table is at 7 pm."}, 0, ""},
		{"quick reply alone on SMS", map[string]string{TypeQuickReply: quick}, defaults, SMS, vars,
			Message{}, CodeTypeNotSupported, "none of twilio/text, twilio/media"},
		{"call to action", map[string]string{TypeCallToAction: cta, TypeQuickReply: quick}, defaults, WhatsApp, vars,
			Message{Type: TypeCallToAction, Body: "Call us, Ana"}, 0, ""},
		{"list picker", map[string]string{TypeListPicker: list, TypeCallToAction: cta}, defaults, WhatsApp, vars,
			Message{Type: TypeListPicker, Body: "Which colour, Ana?"}, 0, ""},
		{"card, the richest", map[string]string{TypeCard: card, TypeListPicker: list, TypeText: text}, defaults, WhatsApp, vars,
			Message{Type: TypeCard, Body: "Sale for Ana\nToday only\nUp to 7 pm off", MediaURLs: []string{"https://example.com/Ana.png"}}, 0, ""},
		{"a card's title alone", map[string]string{TypeCard: `{"title":"Hi {{1}}","actions":[{"type":"QUICK_REPLY","title":"Yo"}]}`}, nil, WhatsApp, vars,
			Message{Type: TypeCard, Body: "Hi Ana"}, 0, ""},
		{"a place", map[string]string{TypeLocation: place, TypeMedia: media}, defaults, WhatsApp, vars,
			Message{Type: TypeLocation, Body: "Ana's office\n1 Main St"}, 0, ""},
		{"coordinates alone", map[string]string{TypeLocation: bare}, nil, WhatsApp, nil,
			Message{Type: TypeLocation, Body: "-33.8688, 151"}, 0, ""},
		{"a location on SMS", map[string]string{TypeLocation: bare}, nil, SMS, nil,
			Message{}, CodeTypeNotSupported, "Content Type is not supported on this channel"},
	} {
		template := tpl(tc.defaults, tc.types)
		got, err := template.Render(tc.ch, tc.vars)
		wantCode(t, tc.name, err, tc.code, tc.part)
		if tc.code != 0 {
			continue
		}
		if got.Type != tc.want.Type || got.Body != tc.want.Body || !slices.Equal(got.MediaURLs, tc.want.MediaURLs) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestRenderUnreadable(t *testing.T) {
	// A stored template is one the API checked; one that is not reads as an error, not a
	// message.
	template := tpl(nil, map[string]string{TypeText: `{"body":1}`})
	if _, err := template.Render(SMS, nil); err == nil || !strings.Contains(err.Error(), "render twilio/text") {
		t.Errorf("Render = %v", err)
	}
}

func TestReview(t *testing.T) {
	text := map[string]string{TypeText: `{"body":"Hi"}`}
	for _, tc := range []struct {
		name, template, category string
		types                    map[string]string
		want                     Approval
		part                     string
	}{
		{"approved", "order_update", "UTILITY", text,
			Approval{Name: "order_update", Category: "UTILITY", ContentType: TypeText, Status: StatusApproved}, ""},
		{"marketing", "sale2", "MARKETING", text,
			Approval{Name: "sale2", Category: "MARKETING", ContentType: TypeText, Status: StatusApproved}, ""},
		{"authentication", "code", "AUTHENTICATION", text,
			Approval{Name: "code", Category: "AUTHENTICATION", ContentType: TypeText, Status: StatusApproved}, ""},
		{"the richest type", "menu", "UTILITY", map[string]string{TypeText: `{"body":"Hi"}`, TypeCard: `{"title":"T","subtitle":"S"}`},
			Approval{Name: "menu", Category: "UTILITY", ContentType: TypeCard, Status: StatusApproved}, ""},
		{"a location beside a text", "here", "UTILITY", map[string]string{TypeText: `{"body":"Hi"}`, TypeLocation: `{"latitude":1,"longitude":2}`},
			Approval{Name: "here", Category: "UTILITY", ContentType: TypeText, Status: StatusApproved}, ""},
		{"rejected", "reject_me", "UTILITY", text,
			Approval{Name: "reject_me", Category: "UTILITY", ContentType: TypeText, Status: StatusRejected,
				RejectionReason: `Switchboard rejects templates submitted under a name that starts with "reject".`}, ""},
		{"rejected, the bare word", "reject", "MARKETING", text,
			Approval{Name: "reject", Category: "MARKETING", ContentType: TypeText, Status: StatusRejected,
				RejectionReason: `Switchboard rejects templates submitted under a name that starts with "reject".`}, ""},
		{"reject inside the name", "do_not_reject", "UTILITY", text,
			Approval{Name: "do_not_reject", Category: "UTILITY", ContentType: TypeText, Status: StatusApproved}, ""},
		{"a location alone", "here", "UTILITY", map[string]string{TypeLocation: `{"latitude":1,"longitude":2}`}, Approval{}, "no content type WhatsApp reviews"},
		{"a capital letter", "Order", "UTILITY", text, Approval{}, `name "Order" must be`},
		{"a hyphen", "order-update", "UTILITY", text, Approval{}, "lowercase letters, digits and underscores"},
		{"no name", "", "UTILITY", text, Approval{}, `name "" must be`},
		{"the longest name", strings.Repeat("a", 512), "UTILITY", text,
			Approval{Name: strings.Repeat("a", 512), Category: "UTILITY", ContentType: TypeText, Status: StatusApproved}, ""},
		{"a name too long", strings.Repeat("a", 513), "UTILITY", text, Approval{}, "must be 1 to 512"},
		{"an old category", "x", "TRANSACTIONAL", text, Approval{}, `category "TRANSACTIONAL" is not one of WhatsApp's: UTILITY, MARKETING, AUTHENTICATION.`},
		{"a lower-case category", "x", "utility", text, Approval{}, "is not one of WhatsApp's"},
	} {
		got, err := tpl(nil, tc.types).Review(tc.template, tc.category)
		if tc.part != "" {
			wantCode(t, tc.name, err, CodeInvalid, tc.part)
			continue
		}
		wantCode(t, tc.name, err, 0, "")
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
