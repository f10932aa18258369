package whatsapp

import (
	"path"
	"strconv"
	"strings"
)

// Inbound is what a WhatsApp user's message carries beyond a text's: the user's profile
// name, the quick-reply button the user tapped, the location the user shared.
type Inbound struct {
	ProfileName               string // "" for the user's WhatsApp ID
	ButtonText, ButtonPayload string
	// Latitude and Longitude of a shared location, with the place's Address and Label
	// when it is a named place ("" when not given).
	Latitude, Longitude, Address, Label string
}

// Validate returns what is wrong with in ("" when nothing): a location needs both its
// coordinates, in range; a button's payload needs its text; an address or a label needs
// a location.
func (in Inbound) Validate() string {
	location := in.Latitude != "" || in.Longitude != ""
	switch {
	case location && !inRange(in.Latitude, 90):
		return "Latitude must be a number from -90 to 90, given with Longitude."
	case location && !inRange(in.Longitude, 180):
		return "Longitude must be a number from -180 to 180, given with Latitude."
	case !location && (in.Address != "" || in.Label != ""):
		return "Address and Label describe a shared location: give Latitude and Longitude too."
	case in.ButtonPayload != "" && in.ButtonText == "":
		return "ButtonPayload goes with ButtonText, the title of the button the user tapped."
	}
	return ""
}

// inRange reports whether s is a decimal number from -limit to limit.
func inRange(s string, limit float64) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f >= -limit && f <= limit
}

// HasContent reports whether in is a message without a body or media: a location or a
// button tap.
func (in Inbound) HasContent() bool { return in.Latitude != "" || in.ButtonText != "" }

// Params are the parameters Twilio adds to the incoming-message webhook of WhatsApp
// user from's message: ProfileName, WaId, MessageType (button, location, a media
// file's kind, or text), the button's and the location's. mediaURL is the first media
// file's URL as sent ("" for none).
func (in Inbound) Params(from, mediaURL string) map[string]string {
	p := map[string]string{
		"ProfileName": in.ProfileName,
		"WaId":        WaID(from),
		"MessageType": in.messageType(mediaURL),
	}
	if p["ProfileName"] == "" {
		p["ProfileName"] = p["WaId"]
	}
	set := func(name, value string) {
		if value != "" {
			p[name] = value
		}
	}
	set("ButtonText", in.ButtonText)
	set("ButtonPayload", in.ButtonPayload)
	set("Latitude", in.Latitude)
	set("Longitude", in.Longitude)
	set("Address", in.Address)
	set("Label", in.Label)
	return p
}

// messageType is the MessageType of the webhook: what the user sent.
func (in Inbound) messageType(mediaURL string) string {
	switch {
	case in.ButtonText != "":
		return "button"
	case in.Latitude != "":
		return "location"
	case mediaURL != "":
		return MediaKind(mediaURL)
	}
	return "text"
}

// MediaKind is the kind of media file u is, as WhatsApp tells them apart, by the
// extension of its path: image, video, audio, or document for anything else.
func MediaKind(u string) string {
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	switch strings.ToLower(path.Ext(u)) {
	case ".jpg", ".jpeg", ".png", ".webp", ".gif":
		return "image"
	case ".mp4", ".3gp":
		return "video"
	case ".ogg", ".opus", ".mp3", ".amr", ".aac", ".m4a":
		return "audio"
	}
	return "document"
}
