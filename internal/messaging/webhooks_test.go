package messaging

import (
	"strings"
	"testing"
)

// TestValidReply: a TwiML reply meets the API's limits: 1,600 characters (not bytes) and
// 10 media URLs are allowed, one more is not.
func TestValidReply(t *testing.T) {
	media := func(n int) []string {
		urls := make([]string, n)
		for i := range urls {
			urls[i] = "https://example.com/a.png"
		}
		return urls
	}
	for _, tt := range []struct {
		name string
		out  Outbound
		code int
	}{
		{"1600 characters", Outbound{To: "+14155550100", Body: strings.Repeat("é", 1600)}, 0},
		{"1601 characters", Outbound{To: "+14155550100", Body: strings.Repeat("a", 1601)}, 21617},
		{"10 media", Outbound{To: "+14155550100", MediaURLs: media(10)}, 0},
		{"11 media", Outbound{To: "+14155550100", MediaURLs: media(11)}, 21623},
		{"bad media URL", Outbound{To: "+14155550100", MediaURLs: []string{"ftp://x"}}, 21620},
		{"bad To", Outbound{To: "+1555", Body: "hi"}, 21211},
	} {
		err := validReply(tt.out)
		if (err == nil) != (tt.code == 0) || (err != nil && err.Code != tt.code) {
			t.Errorf("%s: %v, want code %d", tt.name, err, tt.code)
		}
	}
}
