package content

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// tpl is a template of one language with types given as JSON objects.
func tpl(vars map[string]string, types map[string]string) Template {
	t := Template{Language: "en", Variables: vars, Types: map[string]json.RawMessage{}}
	for name, obj := range types {
		t.Types[name] = json.RawMessage(obj)
	}
	return t
}

// wantCode checks that err is a *phone.RuleError with code (0: no error) whose message
// holds part.
func wantCode(t *testing.T, what string, err error, code int, part string) {
	t.Helper()
	var rule *phone.RuleError
	switch {
	case code == 0 && err != nil:
		t.Errorf("%s: %v, want no error", what, err)
	case code != 0 && (!errors.As(err, &rule) || rule.Code != code):
		t.Errorf("%s: %v, want code %d", what, err, code)
	case code != 0 && !strings.Contains(rule.Message, part):
		t.Errorf("%s: %q, want it to say %q", what, rule.Message, part)
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("a", MaxBody+1)
	longTitle := strings.Repeat("t", MaxTitle+1)
	actions := func(n int, a string) string {
		return `[` + strings.TrimSuffix(strings.Repeat(a+",", n), ",") + `]`
	}
	items := func(n int) string {
		return `[` + strings.TrimSuffix(strings.Repeat(`{"item":"Red","id":"red"},`, n), ",") + `]`
	}
	for _, tc := range []struct {
		name  string
		lang  string
		types map[string]string
		part  string // "" for valid
	}{
		{"text", "en", map[string]string{TypeText: `{"body":"Hi {{1}}"}`}, ""},
		{"a region", "pt_BR", map[string]string{TypeText: `{"body":"Oi"}`}, ""},
		{"a hyphened region", "en-US", map[string]string{TypeText: `{"body":"Hi"}`}, ""},
		{"no language", "", map[string]string{TypeText: `{"body":"Hi"}`}, "language must be"},
		{"a language name", "english", map[string]string{TypeText: `{"body":"Hi"}`}, "language must be"},
		{"a capital language", "EN", map[string]string{TypeText: `{"body":"Hi"}`}, "language must be"},
		{"no types", "en", map[string]string{}, "at least one content type"},
		{"an unknown type", "en", map[string]string{"whatsapp/card": `{"body":"Hi"}`}, `"whatsapp/card" is not one Switchboard simulates`},
		{"not an object", "en", map[string]string{TypeText: `"Hi"`}, "is not an object of that type"},
		{"an unknown member", "en", map[string]string{TypeText: `{"body":"Hi","footer":"x"}`}, "is not an object of that type"},
		{"text without a body", "en", map[string]string{TypeText: `{}`}, "types[twilio/text]: body is required."},
		{"a body just long enough", "en", map[string]string{TypeText: `{"body":"` + long[1:] + `"}`}, ""},
		{"a body too long", "en", map[string]string{TypeText: `{"body":"` + long + `"}`}, "over 1600"},
		{"media", "en", map[string]string{TypeMedia: `{"body":"Cat","media":["https://example.com/cat.png"]}`}, ""},
		{"media without a body", "en", map[string]string{TypeMedia: `{"media":["http://example.com/cat.png"]}`}, ""},
		{"media without media", "en", map[string]string{TypeMedia: `{"body":"Cat"}`}, "media must hold 1 to 1 URL."},
		{"two media", "en", map[string]string{TypeMedia: `{"media":["https://a.example/1.png","https://a.example/2.png"]}`}, "media must hold"},
		{"media that is no URL", "en", map[string]string{TypeMedia: `{"media":["ftp://example.com/cat.png"]}`}, "is not an http(s) URL"},
		{"location", "en", map[string]string{TypeLocation: `{"latitude":37.77,"longitude":-122.41,"label":"HQ"}`}, ""},
		{"location at the edges", "en", map[string]string{TypeLocation: `{"latitude":-90,"longitude":180}`}, ""},
		{"location at the other edges", "en", map[string]string{TypeLocation: `{"latitude":90,"longitude":-180}`}, ""},
		{"location without a longitude", "en", map[string]string{TypeLocation: `{"latitude":37.77}`}, "latitude (-90 to 90) and longitude"},
		{"location without a latitude", "en", map[string]string{TypeLocation: `{"longitude":37.77}`}, "latitude (-90 to 90) and longitude"},
		{"location north of the pole", "en", map[string]string{TypeLocation: `{"latitude":90.1,"longitude":0}`}, "latitude (-90 to 90)"},
		{"location south of the pole", "en", map[string]string{TypeLocation: `{"latitude":-90.1,"longitude":0}`}, "latitude (-90 to 90)"},
		{"location east of the date line", "en", map[string]string{TypeLocation: `{"latitude":0,"longitude":180.1}`}, "longitude (-180 to 180)"},
		{"location west of the date line", "en", map[string]string{TypeLocation: `{"latitude":0,"longitude":-180.1}`}, "longitude (-180 to 180)"},
		{"quick reply", "en", map[string]string{TypeQuickReply: `{"body":"Coming?","actions":[{"title":"Yes","id":"yes"},{"type":"QUICK_REPLY","title":"No"}]}`}, ""},
		{"quick reply without buttons", "en", map[string]string{TypeQuickReply: `{"body":"Coming?","actions":[]}`}, "actions must hold 1 to 10 buttons."},
		{"quick reply with ten buttons", "en", map[string]string{TypeQuickReply: `{"body":"Pick","actions":` + actions(10, `{"title":"A"}`) + `}`}, ""},
		{"quick reply with eleven buttons", "en", map[string]string{TypeQuickReply: `{"body":"Pick","actions":` + actions(11, `{"title":"A"}`) + `}`}, "actions must hold"},
		{"quick reply without a body", "en", map[string]string{TypeQuickReply: `{"actions":[{"title":"Yes"}]}`}, "body is required."},
		{"quick reply with a URL button", "en", map[string]string{TypeQuickReply: `{"body":"Go","actions":[{"type":"URL","title":"Go","url":"https://example.com"}]}`}, `actions[0].type "URL" is not one of QUICK_REPLY.`},
		{"a button without a title", "en", map[string]string{TypeQuickReply: `{"body":"Go","actions":[{"id":"go"}]}`}, "actions[0].title is required"},
		{"a title just long enough", "en", map[string]string{TypeQuickReply: `{"body":"Go","actions":[{"title":"` + longTitle[1:] + `"}]}`}, ""},
		{"a title too long", "en", map[string]string{TypeQuickReply: `{"body":"Go","actions":[{"title":"` + longTitle + `"}]}`}, "at most 200 characters"},
		{"call to action", "en", map[string]string{TypeCallToAction: `{"body":"Call us","actions":[{"type":"PHONE_NUMBER","title":"Call","phone":"+14155550100"},{"type":"URL","title":"Web","url":"https://example.com"},{"type":"COPY_CODE","title":"Code","code":"X1"}]}`}, ""},
		{"call to action without a type", "en", map[string]string{TypeCallToAction: `{"body":"Go","actions":[{"title":"Go","url":"https://example.com"}]}`}, `actions[0].type "" is not one of URL`},
		{"a URL button without a URL", "en", map[string]string{TypeCallToAction: `{"body":"Go","actions":[{"type":"URL","title":"Go"}]}`}, "actions[0] of type URL needs url."},
		{"a phone button without a phone", "en", map[string]string{TypeCallToAction: `{"body":"Go","actions":[{"type":"PHONE_NUMBER","title":"Call"}]}`}, "needs phone"},
		{"a code button without a code", "en", map[string]string{TypeCallToAction: `{"body":"Go","actions":[{"type":"COPY_CODE","title":"Copy"}]}`}, "needs code"},
		{"a second button wrong", "en", map[string]string{TypeCallToAction: `{"body":"Go","actions":[{"type":"VOICE_CALL","title":"Call"},{"type":"URL","title":"Go"}]}`}, "actions[1] of type URL"},
		{"call to action without buttons", "en", map[string]string{TypeCallToAction: `{"body":"Go"}`}, "actions must hold 1 to 10"},
		{"list picker", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":[{"item":"Red","id":"red","description":"Warm"}]}`}, ""},
		{"list picker without a button", "en", map[string]string{TypeListPicker: `{"body":"Colour?","items":[{"item":"Red","id":"red"}]}`}, "button is required"},
		{"list picker without items", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":[]}`}, "items must hold 1 to 10 entries."},
		{"list picker with ten items", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":` + items(10) + `}`}, ""},
		{"list picker with eleven items", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":` + items(11) + `}`}, "items must hold"},
		{"an item without an id", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":[{"item":"Red"}]}`}, "items[0] needs item"},
		{"an item without its text", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":[{"id":"red"}]}`}, "items[0] needs item"},
		{"an item just long enough", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":[{"id":"r","item":"` + longTitle[1:] + `"}]}`}, ""},
		{"an item too long", "en", map[string]string{TypeListPicker: `{"body":"Colour?","button":"Pick","items":[{"id":"r","item":"` + longTitle + `"}]}`}, "items[0] needs item"},
		{"list picker without a body", "en", map[string]string{TypeListPicker: `{"button":"Pick","items":[{"item":"Red","id":"red"}]}`}, "body is required."},
		{"card", "en", map[string]string{TypeCard: `{"title":"Sale","subtitle":"Today","media":["https://example.com/a.png"],"actions":[{"type":"URL","title":"Shop","url":"https://example.com"}]}`}, ""},
		{"card with a subtitle", "en", map[string]string{TypeCard: `{"title":"Sale","subtitle":"Today"}`}, ""},
		{"card with a body", "en", map[string]string{TypeCard: `{"title":"Sale","body":"Today"}`}, ""},
		{"card with media", "en", map[string]string{TypeCard: `{"title":"Sale","media":["https://example.com/a.png"]}`}, ""},
		{"card with a button", "en", map[string]string{TypeCard: `{"title":"Sale","actions":[{"type":"QUICK_REPLY","title":"More"}]}`}, ""},
		{"card with a title alone", "en", map[string]string{TypeCard: `{"title":"Sale"}`}, "a card needs a subtitle, media or actions"},
		{"card without a title", "en", map[string]string{TypeCard: `{"subtitle":"Today"}`}, "title is required."},
		{"card with bad media", "en", map[string]string{TypeCard: `{"title":"Sale","media":["a.png"]}`}, "is not an http(s) URL"},
		{"card with a bad button", "en", map[string]string{TypeCard: `{"title":"Sale","actions":[{"type":"VOICE_CALL_REQUEST","title":"Call"}]}`}, `"VOICE_CALL_REQUEST" is not one of`},
		{"two types", "en", map[string]string{TypeText: `{"body":"Hi"}`, TypeQuickReply: `{"body":"Hi","actions":[{"title":"Yo"}]}`}, ""},
		{"two types, one wrong", "en", map[string]string{TypeText: `{"body":"Hi"}`, TypeQuickReply: `{"body":"Hi"}`}, "types[twilio/quick-reply]"},
	} {
		template := tpl(nil, tc.types)
		template.Language = tc.lang
		err := template.Validate()
		if tc.part == "" {
			wantCode(t, tc.name, err, 0, "")
		} else {
			wantCode(t, tc.name, err, CodeInvalid, tc.part)
		}
	}
}

func TestParseVariables(t *testing.T) {
	many := `{"v0":"v"`
	for i := 1; i <= MaxVars; i++ {
		many += fmt.Sprintf(`,"v%d":"v"`, i)
	}
	many += "}" // MaxVars + 1 variables
	for _, tc := range []struct {
		in   string
		want map[string]string
		part string // "" when valid
	}{
		{"", nil, ""},
		{`{}`, map[string]string{}, ""},
		{`{"1":"Ana","2":"10:00"}`, map[string]string{"1": "Ana", "2": "10:00"}, ""},
		{` {"1": 12.50, "2": true, "3": false} `, map[string]string{"1": "12.50", "2": "true", "3": "false"}, ""},
		{`{"first_name":"Ana"}`, map[string]string{"first_name": "Ana"}, ""},
		{`["Ana"]`, nil, "must be a JSON object"},
		{`"Ana"`, nil, "must be a JSON object"},
		{`null`, nil, "must be a JSON object"},
		{`{"1":"Ana"`, nil, "must be a JSON object"},
		{`{"1":"Ana"} {"2":"Bo"}`, nil, "must be a JSON object"},
		{`Ana`, nil, "must be a JSON object"},
		{`{"1":null}`, nil, `variable "1" is null, empty or not a string`},
		{`{"1":""}`, nil, `variable "1" is null`},
		{`{"1":{"name":"Ana"}}`, nil, `variable "1" is null`},
		{`{"1":["Ana"]}`, nil, `variable "1"`},
		{many, nil, "101 variables, over 100"},
	} {
		got, err := ParseVariables(tc.in)
		if tc.part != "" {
			wantCode(t, tc.in, err, CodeInvalidVariables, tc.part)
			continue
		}
		wantCode(t, tc.in, err, 0, "")
		if len(got) != len(tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s: %v, want %v", tc.in, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.in, k, got[k], v)
			}
		}
	}
	// Exactly MaxVars variables pass.
	exact := `{"k":"v"`
	for i := 1; i < MaxVars; i++ {
		exact += `,"k` + strings.Repeat("x", i) + `":"v"`
	}
	if vars, err := ParseVariables(exact + "}"); err != nil || len(vars) != MaxVars {
		t.Errorf("%d variables: %d, %v", MaxVars, len(vars), err)
	}
}
