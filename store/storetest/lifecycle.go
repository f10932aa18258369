package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

// Lifecycle runs the tests of the store's own life: Ping and Close.
func Lifecycle(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"Ping", testPing},
		{"Close", testClose},
	})
}

func testPing(t *testing.T, open Opener) {
	db := open(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// testClose: reads and writes after Close fail with ErrClosed rather than hang, and a
// second Close is harmless.
func testClose(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateAccount(ctx, testAccount("AC2", "")); !errors.Is(err, store.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	if _, err := db.GetAccount(ctx, "AC1"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("read after Close: %v", err)
	}
	if _, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("list after Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
