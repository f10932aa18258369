package client_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/switchboard-dev/switchboard/client"
)

func TestAccountsIterator(t *testing.T) {
	ctx := context.Background()
	c, err := client.New(baseURL, accountSid, authToken)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("iterator %d", i)
		resp, err := c.CreateAccountWithFormdataBodyWithResponse(ctx, client.CreateAccountRequest{FriendlyName: &name})
		if err != nil || resp.JSON201 == nil {
			t.Fatalf("create subaccount: %v %s", err, resp.Body)
		}
		want = append([]string{resp.JSON201.Sid}, want...)
	}
	size := 2
	var got []string
	for a, err := range c.Accounts(ctx, &client.ListAccountsParams{PageSize: &size}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.Sid)
	}
	// Newest first: the five subaccounts, then the main account created before them.
	if len(got) < 6 || fmt.Sprint(got[:5]) != fmt.Sprint(want) || got[len(got)-1] != accountSid {
		t.Fatalf("iterated %v, want %v then ... %s", got, want, accountSid)
	}

	// Breaking out of the loop stops the fetching.
	n := 0
	for range c.Accounts(ctx, &client.ListAccountsParams{PageSize: &size}) {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("break after one: saw %d", n)
	}
}

func TestIteratorYieldsAPIError(t *testing.T) {
	c, err := client.New(baseURL, accountSid, "wrongtoken")
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range c.Messages(context.Background(), accountSid, nil) {
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Code != 20003 || apiErr.Status != 401 {
			t.Fatalf("got %v, want the 20003 error object", err)
		}
		return
	}
	t.Fatal("iterator yielded nothing")
}
