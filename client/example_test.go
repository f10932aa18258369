package client_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

// The examples run against a real Switchboard that TestMain starts on a loopback port.
// In your code, baseURL is where Switchboard listens (http://127.0.0.1:8080 by default),
// and accountSid and authToken are the credentials it printed on its first start.
var baseURL, accountSid, authToken string

// The server runs on SQLite, or on PostgreSQL with SWITCHBOARD_TEST_STORE=postgres
// (app/servertest); pgtest.Main removes the cluster it used.
func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(func() int {
		var mismatches int
		env, err := servertest.Launch(servertest.Options{}, func(format string, args ...any) {
			mismatches++
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer env.Stop()
		baseURL, accountSid, authToken = env.URL, env.Main.Sid, env.Main.AuthToken
		// The account sends from a number it owns, as in the README.
		if err := env.BuyNumber(accountSid, authToken, "+14155550199"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		code := m.Run()
		if mismatches > 0 {
			code = 1
		}
		return code
	}))
}

func ExampleNew() {
	ctx := context.Background()
	// snippet:start go-send
	c, err := client.New(baseURL, accountSid, authToken)
	if err != nil {
		log.Fatal(err)
	}
	from, body := "+14155550199", "Hello from Go"
	resp, err := c.CreateMessageWithFormdataBodyWithResponse(ctx, accountSid, client.CreateMessageRequest{
		To: "+14155550100", From: &from, Body: &body,
	})
	if err != nil {
		log.Fatal(err)
	}
	if resp.JSON201 == nil { // resp.JSON400, JSON401 ... hold the error object
		log.Fatalf("HTTP %d: %s", resp.StatusCode(), resp.Body)
	}
	m := resp.JSON201
	fmt.Println(resp.StatusCode(), m.Status, m.To, m.NumSegments)
	// snippet:end
	// Output: 201 queued +14155550100 1
}

func ExampleError() {
	ctx := context.Background()
	c, err := client.New(baseURL, accountSid, authToken)
	if err != nil {
		log.Fatal(err)
	}
	from, body := "+14155550199", "Hello"
	resp, err := c.CreateMessageWithFormdataBodyWithResponse(ctx, accountSid, client.CreateMessageRequest{
		To: "+1555", From: &from, Body: &body,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Every error response holds the same object, which is also a Go error.
	if e := resp.JSON400; e != nil {
		fmt.Println(e.Status, e.Code, e.MoreInfo)
		fmt.Println(e)
	}
	// Output:
	// 400 21211 https://www.twilio.com/docs/errors/21211
	// switchboard: HTTP 400, error 21211: The 'To' number +1555 is not a valid phone number.
}

func ExampleClientWithResponses_Messages() {
	ctx := context.Background()
	c, err := client.New(baseURL, accountSid, authToken)
	if err != nil {
		log.Fatal(err)
	}
	to, from := "+14155550123", "+14155550199"
	for _, text := range []string{"one", "two", "three"} {
		if _, err := c.CreateMessageWithFormdataBodyWithResponse(ctx, accountSid, client.CreateMessageRequest{
			To: to, From: &from, Body: &text,
		}); err != nil {
			log.Fatal(err)
		}
	}

	// snippet:start go-iterate
	// Two messages a page: the iterator follows next_page_uri until the last page.
	pageSize := 2
	for m, err := range c.Messages(ctx, accountSid, &client.ListMessagesParams{To: &to, PageSize: &pageSize}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Body)
	}
	// snippet:end
	// Output:
	// three
	// two
	// one
}
