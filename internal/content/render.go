package content

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// Channel is where a message goes.
type Channel int

// The channels a template renders for.
const (
	SMS      Channel = iota // texts: SMS, or MMS with media
	WhatsApp                // WhatsApp
)

// channelTypes are the content types each channel shows, simplest first.
var channelTypes = map[Channel][]string{
	SMS:      {TypeText, TypeMedia},
	WhatsApp: Types,
}

// Message is a template made into a message: the content type sent, the message's body
// (the text a phone shows) and its media.
type Message struct {
	Type      string
	Body      string
	MediaURLs []string
}

// placeholder is a variable in a template's text: "{{1}}", "{{first_name}}".
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}`)

// Render makes t into the message it sends on channel ch, with vars (a message's
// ContentVariables) filling its placeholders and t's Variables the ones vars leaves
// out. The type sent is the richest of t's that ch shows (216602 when ch shows none); a
// placeholder with no value is 21656.
func (t Template) Render(ch Channel, vars map[string]string) (Message, error) {
	name := ""
	for _, candidate := range channelTypes[ch] {
		if _, ok := t.Types[candidate]; ok {
			name = candidate
		}
	}
	if name == "" {
		return Message{}, phone.RuleErrorf(CodeTypeNotSupported, "Content Type is not supported on this channel: the template has none of %s.", strings.Join(channelTypes[ch], ", "))
	}
	b, err := decode(t.Types[name])
	if err != nil {
		return Message{}, fmt.Errorf("render %s: %w", name, err)
	}
	var missing []string
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			key := placeholder.FindStringSubmatch(m)[1]
			if v, ok := vars[key]; ok {
				return v
			}
			if v, ok := t.Variables[key]; ok {
				return v
			}
			missing = append(missing, m)
			return m
		})
	}
	out := Message{Type: name, Body: fill(text(name, b))}
	for _, u := range b.Media {
		out.MediaURLs = append(out.MediaURLs, fill(u))
	}
	if len(missing) > 0 {
		return Message{}, phone.RuleErrorf(CodeInvalidVariables, "The ContentVariables Parameter is invalid: no value for %s, and the template has no default for it.", strings.Join(missing, ", "))
	}
	return out, nil
}

// text is what a phone shows as the text of type name: its body; a location's label and
// address (or its coordinates); a card's title, subtitle and body, a line each.
func text(name string, b body) string {
	switch name {
	case TypeLocation:
		if lines := nonEmpty(b.Label, b.Address); lines != "" {
			return lines
		}
		return strconv.FormatFloat(*b.Latitude, 'f', -1, 64) + ", " + strconv.FormatFloat(*b.Longitude, 'f', -1, 64)
	case TypeCard:
		return nonEmpty(b.Title, b.Subtitle, b.Body)
	}
	return b.Body
}

// nonEmpty joins the non-empty lines.
func nonEmpty(lines ...string) string {
	return strings.Join(slices.DeleteFunc(lines, func(s string) bool { return s == "" }), "\n")
}

// ParseVariables reads a message's ContentVariables: a JSON object whose values are
// strings (numbers and booleans are taken as their text), at most MaxVars of them, none
// null or empty. "" is no variables. Anything else is 21656.
func ParseVariables(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var raw map[string]any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil || raw == nil || d.More() {
		return nil, phone.RuleErrorf(CodeInvalidVariables, "The ContentVariables Parameter is invalid: it must be a JSON object, such as {\"1\": \"Ana\"}.")
	}
	if len(raw) > MaxVars {
		return nil, phone.RuleErrorf(CodeInvalidVariables, "The ContentVariables Parameter is invalid: %d variables, over %d.", len(raw), MaxVars)
	}
	vars := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			vars[k] = v
		case json.Number:
			vars[k] = v.String()
		case bool:
			vars[k] = strconv.FormatBool(v)
		}
		if vars[k] == "" {
			return nil, phone.RuleErrorf(CodeInvalidVariables, "The ContentVariables Parameter is invalid: variable %q is null, empty or not a string.", k)
		}
	}
	return vars, nil
}

// Approval is WhatsApp's answer to a template submitted for approval: the name and
// category asked for, the content type WhatsApp reviewed, and its status.
type Approval struct {
	Name, Category, ContentType string
	Status, RejectionReason     string
}

// Approval statuses.
const (
	StatusUnsubmitted = "unsubmitted"
	StatusApproved    = "approved"
	StatusRejected    = "rejected"
)

// Categories are WhatsApp's template categories.
var Categories = []string{"UTILITY", "MARKETING", "AUTHENTICATION"}

// RejectPrefix is Switchboard's way to get a rejection: a template submitted under a
// name that starts with it is rejected.
const RejectPrefix = "reject"

// templateName is WhatsApp's rule for a template's name.
var templateName = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)

// Review is WhatsApp's verdict on t submitted as name in category: approved at once,
// or rejected when name starts with RejectPrefix. A name or category WhatsApp takes no
// template under, or a template with no type WhatsApp reviews (twilio/location is never
// submitted), is refused (20001).
func (t Template) Review(name, category string) (Approval, error) {
	if !templateName.MatchString(name) {
		return Approval{}, invalid("name %q must be 1 to 512 lowercase letters, digits and underscores, as WhatsApp names templates.", name)
	}
	if !slices.Contains(Categories, category) {
		return Approval{}, invalid("category %q is not one of WhatsApp's: %s.", category, strings.Join(Categories, ", "))
	}
	a := Approval{Name: name, Category: category, Status: StatusApproved}
	for _, candidate := range Types {
		if _, ok := t.Types[candidate]; ok && candidate != TypeLocation {
			a.ContentType = candidate
		}
	}
	if a.ContentType == "" {
		return Approval{}, invalid("This template has no content type WhatsApp reviews: %s cannot be submitted.", TypeLocation)
	}
	if strings.HasPrefix(name, RejectPrefix) {
		a.Status, a.RejectionReason = StatusRejected, "Switchboard rejects templates submitted under a name that starts with \""+RejectPrefix+"\"."
	}
	return a, nil
}
