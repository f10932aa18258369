package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// TestFixedErrorMessages: the errors whose wording Twilio fixes carry exactly that wording
// (the official SDKs hand it to the user as RestException.message), with no formatting
// debris from the offending value.
func TestFixedErrorMessages(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	messages := "/2010-04-01/Accounts/" + env.Main.Sid + "/Messages.json"
	media := url.Values{"To": {"+14155550100"}, "From": {testSender}}
	for i := range 11 {
		media.Add("MediaUrl", "https://example.com/"+strings.Repeat("m", i+1)+".png")
	}
	tests := []struct {
		name, form string
		code       int
		message    string
	}{
		{"missing To", url.Values{"From": {testSender}, "Body": {"hi"}}.Encode(), 21604, "A 'To' phone number is required."},
		{"1601-char body", url.Values{"To": {"+14155550100"}, "From": {testSender}, "Body": {strings.Repeat("a", 1601)}}.Encode(), 21617, "The concatenated message body exceeds the 1600 character limit."},
		{"11 media URLs", media.Encode(), 21623, "The number of media URLs exceeds the limit of 10."},
		{"bad To", url.Values{"To": {"+1555"}, "From": {testSender}, "Body": {"hi"}}.Encode(), 21211, "The 'To' number +1555 is not a valid phone number."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := env.Do(t, http.MethodPost, messages, env.Main.Sid, env.Main.AuthToken, strings.NewReader(tt.form), formType)
			wantError(t, status, body, http.StatusBadRequest, tt.code)
			var e struct{ Message string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if e.Message != tt.message {
				t.Errorf("message = %q, want %q", e.Message, tt.message)
			}
		})
	}
}
