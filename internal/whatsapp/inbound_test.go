package whatsapp

import (
	"maps"
	"testing"
)

func TestInboundValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Inbound
		ok   bool
	}{
		{"a text", Inbound{}, true},
		{"a profile name", Inbound{ProfileName: "Ana"}, true},
		{"a location", Inbound{Latitude: "37.7749", Longitude: "-122.4194"}, true},
		{"a named place", Inbound{Latitude: "-33.8688", Longitude: "151.2093", Address: "Bennelong Point", Label: "Opera House"}, true},
		{"the poles and the date line", Inbound{Latitude: "90", Longitude: "-180"}, true},
		{"the other pole", Inbound{Latitude: "-90", Longitude: "180"}, true},
		{"latitude alone", Inbound{Latitude: "37.7749"}, false},
		{"longitude alone", Inbound{Longitude: "-122.4194"}, false},
		{"latitude past the pole", Inbound{Latitude: "90.5", Longitude: "0"}, false},
		{"latitude past the south pole", Inbound{Latitude: "-90.5", Longitude: "0"}, false},
		{"longitude past the date line", Inbound{Latitude: "0", Longitude: "180.1"}, false},
		{"longitude past the date line westwards", Inbound{Latitude: "0", Longitude: "-180.1"}, false},
		{"a latitude that is no number", Inbound{Latitude: "north", Longitude: "0"}, false},
		{"an address without a place", Inbound{Address: "1 Main St"}, false},
		{"a label without a place", Inbound{Label: "Home"}, false},
		{"a button", Inbound{ButtonText: "Yes", ButtonPayload: "confirm"}, true},
		{"a button without a payload", Inbound{ButtonText: "Yes"}, true},
		{"a payload without a button", Inbound{ButtonPayload: "confirm"}, false},
	} {
		if msg := tc.in.Validate(); (msg == "") != tc.ok {
			t.Errorf("%s: Validate() = %q, want ok %v", tc.name, msg, tc.ok)
		}
	}
	for in, want := range map[Inbound]string{
		{Latitude: "1"}:      "Longitude must be a number from -180 to 180, given with Latitude.",
		{Longitude: "1"}:     "Latitude must be a number from -90 to 90, given with Longitude.",
		{Label: "x"}:         "Address and Label describe a shared location: give Latitude and Longitude too.",
		{ButtonPayload: "p"}: "ButtonPayload goes with ButtonText, the title of the button the user tapped.",
	} {
		if got := in.Validate(); got != want {
			t.Errorf("%+v: %q, want %q", in, got, want)
		}
	}
}

func TestInboundHasContent(t *testing.T) {
	for in, want := range map[Inbound]bool{
		{}: false, {ProfileName: "Ana"}: false, {Latitude: "1", Longitude: "2"}: true, {ButtonText: "Yes"}: true,
	} {
		if got := in.HasContent(); got != want {
			t.Errorf("%+v: HasContent() = %v, want %v", in, got, want)
		}
	}
}

func TestInboundParams(t *testing.T) {
	from := "whatsapp:+14155550100"
	for _, tc := range []struct {
		name     string
		in       Inbound
		mediaURL string
		want     map[string]string
	}{
		{"a text from a user without a name", Inbound{}, "", map[string]string{
			"ProfileName": "14155550100", "WaId": "14155550100", "MessageType": "text"}},
		{"a text", Inbound{ProfileName: "Ana"}, "", map[string]string{
			"ProfileName": "Ana", "WaId": "14155550100", "MessageType": "text"}},
		{"a photo", Inbound{ProfileName: "Ana"}, "https://example.com/cat.JPG?size=large", map[string]string{
			"ProfileName": "Ana", "WaId": "14155550100", "MessageType": "image"}},
		{"a button", Inbound{ProfileName: "Ana", ButtonText: "Yes", ButtonPayload: "confirm"}, "", map[string]string{
			"ProfileName": "Ana", "WaId": "14155550100", "MessageType": "button", "ButtonText": "Yes", "ButtonPayload": "confirm"}},
		{"a place", Inbound{ProfileName: "Ana", Latitude: "1.5", Longitude: "2.5", Address: "1 Main St", Label: "Home"}, "", map[string]string{
			"ProfileName": "Ana", "WaId": "14155550100", "MessageType": "location",
			"Latitude": "1.5", "Longitude": "2.5", "Address": "1 Main St", "Label": "Home"}},
	} {
		if got := tc.in.Params(from, tc.mediaURL); !maps.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMediaKind(t *testing.T) {
	for u, want := range map[string]string{
		"https://example.com/a.jpg": "image", "https://example.com/a.jpeg": "image", "https://example.com/a.png": "image",
		"https://example.com/a.webp": "image", "https://example.com/a.gif": "image", "https://example.com/A.PNG#x": "image",
		"https://example.com/a.mp4": "video", "https://example.com/a.3gp": "video",
		"https://example.com/a.ogg": "audio", "https://example.com/a.opus": "audio", "https://example.com/a.mp3": "audio",
		"https://example.com/a.amr": "audio", "https://example.com/a.aac": "audio", "https://example.com/a.m4a": "audio",
		"https://example.com/a.pdf": "document", "https://example.com/file": "document", "https://example.com/a.jpg.pdf": "document",
		"https://example.com/a.pdf?name=a.jpg": "document",
	} {
		if got := MediaKind(u); got != want {
			t.Errorf("MediaKind(%q) = %q, want %q", u, got, want)
		}
	}
}
