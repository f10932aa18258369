// Package content is Twilio's Content templates (the Content API, v1) without I/O: the
// content types a template may hold and what each must have, its variables and their
// defaults, what a template renders to on a channel (a text gets twilio/text or
// twilio/media; WhatsApp the richest type it shows), and WhatsApp's approval as
// Switchboard grants it: at once, unless the template's name asks for a rejection.
//
// Package messaging renders a message's template with it; server/contentv1 checks the
// templates the API creates. docs/simulator.md documents these rules for users; keep the
// two in step.
package content

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// The content types Switchboard renders, from the simplest to the richest: the order in
// which Twilio ranks them when a template holds several.
const (
	TypeText         = "twilio/text"
	TypeMedia        = "twilio/media"
	TypeLocation     = "twilio/location"
	TypeQuickReply   = "twilio/quick-reply"
	TypeCallToAction = "twilio/call-to-action"
	TypeListPicker   = "twilio/list-picker"
	TypeCard         = "twilio/card"
)

// Types are the content types Switchboard knows, simplest first.
var Types = []string{TypeText, TypeMedia, TypeLocation, TypeQuickReply, TypeCallToAction, TypeListPicker, TypeCard}

// Twilio's codes for templates and the messages sent with them.
const (
	CodeInvalid          = 20001  // a template or an approval request the API refuses
	CodeSidRequired      = 21654  // ContentVariables without ContentSid
	CodeInvalidSid       = 21655  // no such template in the account
	CodeInvalidVariables = 21656  // ContentVariables not a JSON object, a value empty, a variable missing
	CodeTypeNotSupported = 216602 // no content type of the template goes on the channel
)

// Limits on what a template holds.
const (
	MaxBody    = 1600 // characters of a body, as a message's
	MaxActions = 10   // buttons of a quick-reply, call-to-action or card; items of a list
	MaxTitle   = 200  // characters of a button's or an item's title
	MaxVars    = 100  // pairs of a message's ContentVariables
)

// Template is a Content template as the API gives it: its language, the defaults of its
// variables, and its types, each the JSON object of one content type.
type Template struct {
	Language  string
	Variables map[string]string
	Types     map[string]json.RawMessage
}

// action is a button of a quick-reply, a call-to-action or a card.
type action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	ID    string `json:"id"`
	URL   string `json:"url"`
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// item is an entry of a list-picker.
type item struct {
	Item        string `json:"item"`
	ID          string `json:"id"`
	Description string `json:"description"`
}

// body is the members the content types share; each type uses its own.
type body struct {
	Body      string   `json:"body"`
	Media     []string `json:"media"`
	Actions   []action `json:"actions"`
	Button    string   `json:"button"`
	Items     []item   `json:"items"`
	Title     string   `json:"title"`
	Subtitle  string   `json:"subtitle"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Label     string   `json:"label"`
	Address   string   `json:"address"`
}

// invalid is the API's refusal of a template, with a message formatted by fmt.Sprintf.
func invalid(format string, args ...any) error {
	return phone.RuleErrorf(CodeInvalid, format, args...)
}

// language is an ISO 639-1 code, with a region if any ("en", "pt_BR", "en-US").
var language = regexp.MustCompile(`^[a-z]{2}([_-][A-Za-z]{2})?$`)

// Validate checks a template as the Content API does on create: a language, at least one
// type, only types Switchboard knows, each with what it requires.
func (t Template) Validate() error {
	if !language.MatchString(t.Language) {
		return invalid("language must be an ISO 639-1 code (en, es, pt_BR), not %q.", t.Language)
	}
	if len(t.Types) == 0 {
		return invalid("types must hold at least one content type, such as %s.", TypeText)
	}
	for _, name := range slices.Sorted(maps.Keys(t.Types)) {
		if !slices.Contains(Types, name) {
			return invalid("Content type %q is not one Switchboard simulates; use one of %s.", name, strings.Join(Types, ", "))
		}
		b, err := decode(t.Types[name])
		if err != nil {
			return invalid("types[%s] is not an object of that type: %v.", name, err)
		}
		if msg := check(name, b); msg != "" {
			return invalid("types[%s]: %s", name, msg)
		}
	}
	return nil
}

// decode reads one type's object strictly: members of another type's are refused too
// (they are in body, but an unknown member is a mistake worth telling).
func decode(raw json.RawMessage) (body, error) {
	var b body
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	err := d.Decode(&b)
	return b, err
}

// check is what is missing or wrong in one type's object, "" when nothing.
func check(name string, b body) string {
	switch name {
	case TypeText:
		return needBody(b)
	case TypeMedia:
		return checkMedia(b.Media, 1)
	case TypeLocation:
		if b.Latitude == nil || b.Longitude == nil || *b.Latitude < -90 || *b.Latitude > 90 || *b.Longitude < -180 || *b.Longitude > 180 {
			return "latitude (-90 to 90) and longitude (-180 to 180) are required."
		}
		return ""
	case TypeQuickReply:
		return firstProblem(needBody(b), checkActions(b.Actions, 1, "QUICK_REPLY"))
	case TypeCallToAction:
		return firstProblem(needBody(b), checkActions(b.Actions, 1, "URL", "PHONE_NUMBER", "COPY_CODE", "VOICE_CALL", "VOICE_CALL_REQUEST"))
	case TypeListPicker:
		return firstProblem(needBody(b), needButton(b), checkItems(b.Items))
	}
	// TypeCard: a title and at least one more member.
	if b.Title == "" {
		return "title is required."
	}
	if b.Subtitle == "" && b.Body == "" && len(b.Media) == 0 && len(b.Actions) == 0 {
		return "a card needs a subtitle, media or actions beside its title."
	}
	return firstProblem(checkMedia(b.Media, 0), checkActions(b.Actions, 0, "URL", "PHONE_NUMBER", "QUICK_REPLY", "COPY_CODE", "VOICE_CALL"))
}

func firstProblem(problems ...string) string {
	for _, p := range problems {
		if p != "" {
			return p
		}
	}
	return ""
}

func needBody(b body) string {
	if b.Body == "" {
		return "body is required."
	}
	if n := len([]rune(b.Body)); n > MaxBody {
		return fmt.Sprintf("body is %d characters, over %d.", n, MaxBody)
	}
	return ""
}

func needButton(b body) string {
	if b.Button == "" {
		return "button is required: the title of the button that opens the list."
	}
	return ""
}

func checkMedia(media []string, least int) string {
	if len(media) < least || len(media) > 1 {
		return fmt.Sprintf("media must hold %d to 1 URL.", least)
	}
	for _, u := range media {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return fmt.Sprintf("media %q is not an http(s) URL.", u)
		}
	}
	return ""
}

func checkActions(actions []action, least int, types ...string) string {
	if len(actions) < least || len(actions) > MaxActions {
		return fmt.Sprintf("actions must hold %d to %d buttons.", least, MaxActions)
	}
	for i, a := range actions {
		kind := a.Type
		if kind == "" && slices.Contains(types, "QUICK_REPLY") {
			kind = "QUICK_REPLY"
		}
		switch {
		case !slices.Contains(types, kind):
			return fmt.Sprintf("actions[%d].type %q is not one of %s.", i, a.Type, strings.Join(types, ", "))
		case a.Title == "" || len([]rune(a.Title)) > MaxTitle:
			return fmt.Sprintf("actions[%d].title is required, at most %d characters.", i, MaxTitle)
		case kind == "URL" && a.URL == "":
			return fmt.Sprintf("actions[%d] of type URL needs url.", i)
		case kind == "PHONE_NUMBER" && a.Phone == "":
			return fmt.Sprintf("actions[%d] of type PHONE_NUMBER needs phone.", i)
		case kind == "COPY_CODE" && a.Code == "":
			return fmt.Sprintf("actions[%d] of type COPY_CODE needs code.", i)
		}
	}
	return ""
}

func checkItems(items []item) string {
	if len(items) < 1 || len(items) > MaxActions {
		return fmt.Sprintf("items must hold 1 to %d entries.", MaxActions)
	}
	for i, it := range items {
		if it.Item == "" || it.ID == "" || len([]rune(it.Item)) > MaxTitle {
			return fmt.Sprintf("items[%d] needs item (at most %d characters) and id.", i, MaxTitle)
		}
	}
	return ""
}
