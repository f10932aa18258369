package client_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/switchboard-dev/switchboard/client"
)

// TestFormArraysRepeatTheParameter checks the client's wire format: Twilio reads an
// array as its parameter repeated, in order, and ignores MediaUrl[0]-style names.
func TestFormArraysRepeatTheParameter(t *testing.T) {
	body := "hi"
	var twelve []string
	for i := range 12 { // past index 9, where a sort by text would put 10 before 2
		twelve = append(twelve, fmt.Sprintf("https://a.example/%d.png", i))
	}
	wantTwelve := "Body=hi"
	for i := range 12 {
		wantTwelve += fmt.Sprintf("&MediaUrl=https%%3A%%2F%%2Fa.example%%2F%d.png", i)
	}
	wantTwelve += "&To=%2B14155550100"
	events := []client.StatusCallbackEvent{client.StatusCallbackEventRinging, client.StatusCallbackEventInitiated, client.StatusCallbackEventCompleted}
	url := "http://127.0.0.1:1"
	tests := []struct {
		name string
		new  func() (*http.Request, error)
		want string
	}{
		{"no array", func() (*http.Request, error) {
			return client.NewCreateMessageRequestWithFormdataBody(url, accountSid, client.CreateMessageRequest{To: "+14155550100", Body: &body})
		}, "Body=hi&To=%2B14155550100"},
		{"one element", func() (*http.Request, error) {
			return client.NewCreateMessageRequestWithFormdataBody(url, accountSid, client.CreateMessageRequest{To: "+14155550100", MediaUrl: &[]string{"https://a.example/x.png"}})
		}, "MediaUrl=https%3A%2F%2Fa.example%2Fx.png&To=%2B14155550100"},
		{"twelve elements, in order", func() (*http.Request, error) {
			return client.NewCreateMessageRequestWithFormdataBody(url, accountSid, client.CreateMessageRequest{To: "+14155550100", Body: &body, MediaUrl: &twelve})
		}, wantTwelve},
		{"an enum array, in the caller's order", func() (*http.Request, error) {
			return client.NewCreateCallRequestWithFormdataBody(url, accountSid, client.CreateCallRequest{To: "+14155550100", From: "+14155550199", Url: &url, StatusCallbackEvent: &events})
		}, "From=%2B14155550199&StatusCallbackEvent=ringing&StatusCallbackEvent=initiated&StatusCallbackEvent=completed&To=%2B14155550100&Url=http%3A%2F%2F127.0.0.1%3A1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := tt.new()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("body\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
