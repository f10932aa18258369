package api

import (
	"strings"
	"testing"
)

func TestValidWebhookURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/"))
	tests := []struct {
		url  string
		want bool
	}{
		{"https://example.com/status", true},
		{"http://127.0.0.1:8080/sms?x=1", true},
		{"https://user:secret@example.com/hook", true},
		{"http://[::1]:9000/", true},
		{"https://my-app.example.com./", true},
		{long, true},
		{long + "a", false},
		{"javascript:alert(1)", false},
		{"ftp://x/y", false},
		{"file:///etc/passwd", false},
		{"notaurl", false},
		{"/relative/path", false},
		{"https://", false},
		{"https://my_app.example.com/", false},
		{"https://-bad.example.com/", false},
		{"https://bad-.example.com/", false},
		{"https://exa mple.com/", false},
		{"https://a..b/", false},
		{"https://" + strings.Repeat("a", 64) + ".com/", false},
		{"http:example.com", false},
	}
	for _, tt := range tests {
		if got := ValidWebhookURL(tt.url); got != tt.want {
			t.Errorf("ValidWebhookURL(%.60q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}
