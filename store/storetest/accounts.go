package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Accounts runs the tests of the Accounts family: accounts, API keys, the auth
// generation and settings.
func Accounts(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"AccountCreateGet", testAccountCreateGet},
		{"FirstMainAccount", testFirstMainAccount},
		{"UpdateAccount", testUpdateAccount},
		{"AccountFileAuth", testAccountFileAuth},
		{"ListAccounts", testListAccounts},
		{"CreateSubaccount", testCreateSubaccount},
		{"SetAuthToken", testSetAuthToken},
		{"Keys", testKeys},
		{"KeyForAuth", testKeyForAuth},
		{"AuthGenerationMoves", testAuthGenerationMoves},
		{"AuthGenerationFollowsCredentials", testAuthGenerationFollowsCredentials},
		{"EnsureSetting", testEnsureSetting},
	})
}

func testAccountCreateGet(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)

	main := mustCreateAccount(t, db, testAccount("AC1", ""))
	sub := mustCreateAccount(t, db, testAccount("AC2", "AC1"))
	if main.Seq == 0 || sub.Seq <= main.Seq {
		t.Fatalf("seqs not increasing: main %d, sub %d", main.Seq, sub.Seq)
	}
	want := testAccount("AC2", "AC1")
	want.Seq = sub.Seq
	if !reflect.DeepEqual(sub, want) {
		t.Fatalf("created\n got %+v\nwant %+v", sub, want)
	}
	got, err := db.GetAccount(ctx, "AC2")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("get\n got %+v\nwant %+v", got, want)
	}
	if got.DateCreated.Location() != time.UTC {
		t.Errorf("DateCreated location = %v, want UTC", got.DateCreated.Location())
	}

	if _, err := db.GetAccount(ctx, "ACnope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get missing account: err = %v, want ErrNotFound", err)
	}
	if _, err := db.CreateAccount(ctx, testAccount("AC1", "")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate sid: err = %v, want ErrConflict", err)
	}
	if _, err := db.CreateAccount(ctx, testAccount("AC3", "ACnope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown parent: err = %v, want ErrNotFound", err)
	}
}

func testFirstMainAccount(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)

	if _, err := db.FirstMainAccount(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty store: err = %v, want ErrNotFound", err)
	}
	mustCreateAccount(t, db, testAccount("ACfirst", ""))
	mustCreateAccount(t, db, testAccount("ACsub", "ACfirst"))
	mustCreateAccount(t, db, testAccount("ACsecond", ""))
	got, err := db.FirstMainAccount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sid != "ACfirst" {
		t.Errorf("FirstMainAccount = %s, want ACfirst", got.Sid)
	}
}

func testUpdateAccount(t *testing.T, open Opener) {
	later := t0.Add(time.Hour)
	tests := []struct {
		name      string
		status    string // the account's status before the update
		update    store.AccountUpdate
		wantErr   error
		wantName  string
		wantState string
	}{
		{"name only", "active", store.AccountUpdate{FriendlyName: ptr("new"), Now: later}, nil, "new", "active"},
		{"status only", "active", store.AccountUpdate{Status: ptr("suspended"), Now: later}, nil, "name of AC1", "suspended"},
		{"both", "suspended", store.AccountUpdate{FriendlyName: ptr("new"), Status: ptr("closed"), Now: later}, nil, "new", "closed"},
		{"nothing but the stamp", "active", store.AccountUpdate{Now: later}, nil, "name of AC1", "active"},
		{"closed is final", "closed", store.AccountUpdate{FriendlyName: ptr("new"), Status: ptr("active"), Now: later}, store.ErrConflict, "", ""},
		{"closed to closed", "closed", store.AccountUpdate{Status: ptr("closed"), Now: later}, store.ErrConflict, "", ""},
		{"closed may be renamed", "closed", store.AccountUpdate{FriendlyName: ptr("new"), Now: later}, nil, "new", "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			a := testAccount("AC1", "")
			a.Status = tt.status
			before := mustCreateAccount(t, db, a)

			got, err := db.UpdateAccount(ctx, "AC1", tt.update)
			stored, getErr := db.GetAccount(ctx, "AC1")
			if getErr != nil {
				t.Fatal(getErr)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !reflect.DeepEqual(stored, before) {
					t.Fatalf("a refused update changed the row:\n got %+v\nwant %+v", stored, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := before
			want.FriendlyName, want.Status, want.DateUpdated = tt.wantName, tt.wantState, later
			if !reflect.DeepEqual(got, want) {
				t.Errorf("returned\n got %+v\nwant %+v", got, want)
			}
			if !reflect.DeepEqual(stored, want) {
				t.Errorf("stored\n got %+v\nwant %+v", stored, want)
			}
		})
	}

	t.Run("missing", func(t *testing.T) {
		db := open(t)
		_, err := db.UpdateAccount(context.Background(), "ACnope", store.AccountUpdate{Status: ptr("active"), Now: later})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

// testAccountFileAuth: whether an account's media files and recordings need its
// credentials is stored with it, off unless it was created so, and changed one at a time
// by UpdateAccount (nil keeps a value), as the account is seen everywhere (KeyForAuth).
func testAccountFileAuth(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	if a := mustCreateAccount(t, db, testAccount("AC1", "")); a.MediaAuth || a.RecordingAuth {
		t.Fatalf("a new account: media auth %v, recording auth %v; want both off", a.MediaAuth, a.RecordingAuth)
	}
	created := testAccount("AC2", "AC1")
	created.MediaAuth = true
	if a := mustCreateAccount(t, db, created); !a.MediaAuth || a.RecordingAuth {
		t.Fatalf("created with media auth: %+v", a)
	}
	k, err := db.CreateKey(ctx, testKey("AC2", 1))
	if err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Hour)
	for _, step := range []struct {
		update            store.AccountUpdate
		media, recordings bool
	}{
		{store.AccountUpdate{RecordingAuth: ptr(true), Now: later}, true, true},
		{store.AccountUpdate{MediaAuth: ptr(false), Now: later}, false, true},
		{store.AccountUpdate{FriendlyName: ptr("renamed"), Now: later}, false, true},
		{store.AccountUpdate{MediaAuth: ptr(true), RecordingAuth: ptr(false), Now: later}, true, false},
	} {
		got, err := db.UpdateAccount(ctx, "AC2", step.update)
		if err != nil || got.MediaAuth != step.media || got.RecordingAuth != step.recordings {
			t.Fatalf("update %+v: %+v (%v); want media %v, recordings %v", step.update, got, err, step.media, step.recordings)
		}
		stored, err := db.GetAccount(ctx, "AC2")
		if err != nil || !reflect.DeepEqual(stored, got) {
			t.Fatalf("stored %+v (%v), returned %+v", stored, err, got)
		}
		if _, a, err := db.KeyForAuth(ctx, k.Sid); err != nil || !reflect.DeepEqual(a, got) {
			t.Fatalf("KeyForAuth's account %+v (%v), want %+v", a, err, got)
		}
	}
	if a, err := db.GetAccount(ctx, "AC1"); err != nil || a.MediaAuth || a.RecordingAuth {
		t.Errorf("another account changed: %+v (%v)", a, err)
	}
}

func testListAccounts(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	main := mustCreateAccount(t, db, testAccount("ACmain", ""))
	mustCreateAccount(t, db, testAccount("ACother", ""))
	var subs []store.Account
	for i := range 5 {
		a := testAccount(fmt.Sprintf("ACsub%d", i), "ACmain")
		if i%2 == 1 {
			a.Status = "suspended"
			a.FriendlyName = "odd"
		}
		subs = append(subs, mustCreateAccount(t, db, a))
	}
	mustCreateAccount(t, db, testAccount("ACothersub", "ACother"))
	family := append([]store.Account{main}, subs...)
	slices.Reverse(family) // newest first

	tests := []struct {
		name     string
		filter   store.AccountFilter
		page     store.Page
		want     []store.Account
		wantMore bool
	}{
		{"alone", store.AccountFilter{Sid: "ACmain"}, store.Page{Size: 10}, []store.Account{main}, false},
		{"a subaccount alone", store.AccountFilter{Sid: "ACsub2"}, store.Page{Size: 10}, []store.Account{subs[2]}, false},
		{"with children", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 10}, family, false},
		{"first page", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2}, family[:2], true},
		{"after", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, After: family[1].Seq}, family[2:4], true},
		{"after to the end", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, After: family[3].Seq}, family[4:], false},
		{"before", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, Before: family[4].Seq}, family[2:4], true},
		{"before to the start", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, Before: family[2].Seq}, family[:2], false},
		{"offset", store.AccountFilter{Sid: "ACmain", IncludeChildren: true}, store.Page{Size: 2, Offset: 4}, family[4:], false},
		{"status", store.AccountFilter{Sid: "ACmain", IncludeChildren: true, Status: "suspended"}, store.Page{Size: 10}, []store.Account{subs[3], subs[1]}, false},
		{"friendly name", store.AccountFilter{Sid: "ACmain", IncludeChildren: true, FriendlyName: "name of ACsub2"}, store.Page{Size: 10}, []store.Account{subs[2]}, false},
		{"unknown", store.AccountFilter{Sid: "ACnope", IncludeChildren: true}, store.Page{Size: 10}, []store.Account{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, more, err := db.ListAccounts(ctx, tt.filter, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(accountSeqs(got), accountSeqs(tt.want)) || more != tt.wantMore {
				t.Errorf("got %v more=%v, want %v more=%v", accountSeqs(got), more, accountSeqs(tt.want), tt.wantMore)
			}
			if len(got) > 0 && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows differ:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// testAuthGenerationMoves: the generation moves as soon as an account is added, so a
// new account (or any change of credentials) is seen at once; unchanged, it stays.
func testAuthGenerationMoves(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC0", "")) // the generation is no longer its initial 0
	g1, err := db.AuthGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := db.AuthGeneration(ctx); g != g1 {
		t.Errorf("no change, yet the generation moved from %d to %d", g1, g)
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	g2, err := db.AuthGeneration(ctx)
	if err != nil || g2 == g1 {
		t.Errorf("after a new account the generation is %d (was %d): %v", g2, g1, err)
	}
	if g, _ := db.AuthGeneration(ctx); g != g2 {
		t.Errorf("read twice: %d, then %d", g2, g)
	}
}

// testAuthGenerationFollowsCredentials: every change of an account or a key moves the
// generation, so that no cached credential outlives its change; a write of anything else
// leaves it, so that the cache is not read again for nothing.
func testAuthGenerationFollowsCredentials(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	later := t0.Add(time.Hour)
	key := store.APIKey{Sid: "SK1", AccountSid: "AC1", FriendlyName: "k", Type: store.KeyStandard,
		SecretSalt: []byte("salt"), SecretHash: []byte("hash"), DateCreated: t0, DateUpdated: t0}
	steps := []struct {
		name   string
		change func() error
		moves  bool
	}{
		{"a message", func() error { _, err := db.CreateMessage(ctx, testMessage("AC1", 1)); return err }, false},
		{"a subaccount", func() error { _, err := db.CreateSubaccount(ctx, testAccount("AC2", "AC1"), 10); return err }, true},
		{"a suspension", func() error {
			_, err := db.UpdateAccount(ctx, "AC2", store.AccountUpdate{Status: ptr("suspended"), Now: later})
			return err
		}, true},
		{"a new auth token", func() error { _, err := db.SetAuthToken(ctx, "AC1", "rotated", later); return err }, true},
		{"a phone number", func() error {
			_, err := db.CreatePhoneNumber(ctx, testPhoneNumber("AC1", "+15005550100", 1))
			return err
		}, false},
		{"a key", func() error { _, err := db.CreateKey(ctx, key); return err }, true},
		{"a key renamed", func() error { _, err := db.RenameKey(ctx, "AC1", "SK1", "renamed", later); return err }, true},
		{"a key deleted", func() error { return db.DeleteKey(ctx, "AC1", "SK1") }, true},
	}
	for _, s := range steps {
		before, err := db.AuthGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		after, err := db.AuthGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if moved := after != before; moved != s.moves {
			t.Errorf("%s: the generation went from %d to %d; want it to move: %v", s.name, before, after, s.moves)
		}
	}
}

// testCreateSubaccount: a parent holds at most limit subaccounts that are not closed;
// one more is refused with ErrLimit and nothing written, and a closed one leaves room.
func testCreateSubaccount(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	var subs []store.Account
	for i := range 2 {
		a := testAccount(fmt.Sprintf("ACsub%d", i), "AC1")
		got, err := db.CreateSubaccount(ctx, a, 2)
		if err != nil {
			t.Fatal(err)
		}
		want := a
		want.Seq = got.Seq
		if got.Seq == 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("created\n got %+v\nwant %+v", got, want)
		}
		subs = append(subs, got)
	}
	if _, err := db.CreateSubaccount(ctx, testAccount("ACsub2", "AC1"), 2); !errors.Is(err, store.ErrLimit) {
		t.Fatalf("the third of two: err = %v, want ErrLimit", err)
	}
	if _, err := db.GetAccount(ctx, "ACsub2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused subaccount was written: %v", err)
	}
	if _, err := db.UpdateAccount(ctx, subs[0].Sid, store.AccountUpdate{Status: ptr("closed"), Now: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateSubaccount(ctx, testAccount("ACsub2", "AC1"), 2); err != nil {
		t.Errorf("a closed subaccount does not count: %v", err)
	}
	if _, err := db.CreateSubaccount(ctx, testAccount("ACsub2", "AC1"), 5); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate sid: err = %v, want ErrConflict", err)
	}
	if _, err := db.CreateSubaccount(ctx, testAccount("ACsub3", "ACnope"), 5); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown parent: err = %v, want ErrNotFound", err)
	}
}

// testSetAuthToken: the token is replaced and DateUpdated stamped; the rest is kept.
func testSetAuthToken(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	before := mustCreateAccount(t, db, testAccount("AC1", ""))
	later := t0.Add(time.Hour)
	got, err := db.SetAuthToken(ctx, "AC1", "rotated", later)
	if err != nil {
		t.Fatal(err)
	}
	want := before
	want.AuthToken, want.DateUpdated = "rotated", later
	if !reflect.DeepEqual(got, want) {
		t.Errorf("returned\n got %+v\nwant %+v", got, want)
	}
	if stored, err := db.GetAccount(ctx, "AC1"); err != nil || !reflect.DeepEqual(stored, want) {
		t.Errorf("stored\n got %+v (%v)\nwant %+v", stored, err, want)
	}
	if _, err := db.SetAuthToken(ctx, "ACnope", "x", later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account: err = %v, want ErrNotFound", err)
	}
}

func testKey(account string, i int) store.APIKey {
	at := t0.Add(time.Duration(i) * time.Second)
	return store.APIKey{Sid: fmt.Sprintf("SK%s%04d", account, i), AccountSid: account, FriendlyName: fmt.Sprint("key ", i),
		Type: store.KeyStandard, SecretSalt: []byte{1, 2, byte(i)}, SecretHash: []byte{3, 4, byte(i)}, DateCreated: at, DateUpdated: at}
}

// testKeys: a key round-trips, belongs to its account only, is renamed and deleted, and
// an account's keys list newest first and page like any list.
func testKeys(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var mine []store.APIKey // newest first
	for i := range 5 {
		k := testKey("AC1", i)
		if i == 3 {
			k.Type, k.FriendlyName = store.KeyMain, ""
		}
		got, err := db.CreateKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		k.Seq = got.Seq
		if got.Seq == 0 || !reflect.DeepEqual(got, k) {
			t.Fatalf("created\n got %+v\nwant %+v", got, k)
		}
		mine = append([]store.APIKey{got}, mine...)
	}
	other, err := db.CreateKey(ctx, testKey("AC2", 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateKey(ctx, testKey("AC1", 0)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate sid: err = %v, want ErrConflict", err)
	}
	if _, err := db.CreateKey(ctx, testKey("ACnope", 0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account: err = %v, want ErrNotFound", err)
	}

	if got, err := db.GetKey(ctx, "AC1", mine[1].Sid); err != nil || !reflect.DeepEqual(got, mine[1]) {
		t.Errorf("get\n got %+v (%v)\nwant %+v", got, err, mine[1])
	}
	if _, err := db.GetKey(ctx, "AC1", other.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's key: err = %v, want ErrNotFound", err)
	}

	keySeqs := func(ks []store.APIKey) []int64 { return seqs(ks, func(k store.APIKey) int64 { return k.Seq }) }
	first, more, err := db.ListKeys(ctx, "AC1", store.Page{Size: 2})
	if err != nil || !more || !reflect.DeepEqual(first, mine[:2]) {
		t.Fatalf("first page %v more=%v (%v), want %v", keySeqs(first), more, err, keySeqs(mine[:2]))
	}
	rest, more, err := db.ListKeys(ctx, "AC1", store.Page{Size: 10, After: first[1].Seq})
	if err != nil || more || !slices.Equal(keySeqs(rest), keySeqs(mine[2:])) {
		t.Errorf("after %d: %v more=%v (%v), want %v", first[1].Seq, keySeqs(rest), more, err, keySeqs(mine[2:]))
	}
	back, more, err := db.ListKeys(ctx, "AC1", store.Page{Size: 1, Before: mine[1].Seq})
	if err != nil || more || !slices.Equal(keySeqs(back), keySeqs(mine[:1])) {
		t.Errorf("before %d: %v more=%v (%v), want %v", mine[1].Seq, keySeqs(back), more, err, keySeqs(mine[:1]))
	}
	if list, _, err := db.ListKeys(ctx, "AC2", store.Page{}); err != nil || len(list) != 1 || list[0].Sid != other.Sid {
		t.Errorf("AC2's keys: %+v (%v)", list, err)
	}

	later := t0.Add(time.Hour)
	renamed, err := db.RenameKey(ctx, "AC1", mine[0].Sid, "renamed", later)
	want := mine[0]
	want.FriendlyName, want.DateUpdated = "renamed", later
	if err != nil || !reflect.DeepEqual(renamed, want) {
		t.Errorf("renamed\n got %+v (%v)\nwant %+v", renamed, err, want)
	}
	if _, err := db.RenameKey(ctx, "AC2", mine[0].Sid, "x", later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rename another account's key: err = %v, want ErrNotFound", err)
	}

	if err := db.DeleteKey(ctx, "AC2", mine[0].Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete another account's key: err = %v, want ErrNotFound", err)
	}
	if err := db.DeleteKey(ctx, "AC1", mine[0].Sid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetKey(ctx, "AC1", mine[0].Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get after delete: err = %v, want ErrNotFound", err)
	}
	if err := db.DeleteKey(ctx, "AC1", mine[0].Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
}

// testKeyForAuth: a key is found by its SID alone, with its account as stored now; a
// deleted key is not found from then on.
func testKeyForAuth(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	sub := mustCreateAccount(t, db, testAccount("AC2", "AC1"))
	k, err := db.CreateKey(ctx, testKey("AC2", 1))
	if err != nil {
		t.Fatal(err)
	}
	gotKey, gotAccount, err := db.KeyForAuth(ctx, k.Sid)
	if err != nil || !reflect.DeepEqual(gotKey, k) || !reflect.DeepEqual(gotAccount, sub) {
		t.Fatalf("KeyForAuth:\n key %+v\n account %+v (%v)\nwant %+v\n and %+v", gotKey, gotAccount, err, k, sub)
	}
	suspended, err := db.UpdateAccount(ctx, "AC2", store.AccountUpdate{Status: ptr("suspended"), Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, a, err := db.KeyForAuth(ctx, k.Sid); err != nil || !reflect.DeepEqual(a, suspended) {
		t.Errorf("the account as it is now:\n got %+v (%v)\nwant %+v", a, err, suspended)
	}
	if err := db.DeleteKey(ctx, "AC2", k.Sid); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.KeyForAuth(ctx, k.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted key: err = %v, want ErrNotFound", err)
	}
	if _, _, err := db.KeyForAuth(ctx, "SKnope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown key: err = %v, want ErrNotFound", err)
	}
}

// testEnsureSetting: the first value stored under a name is the one every later call
// gets; another name is another setting.
func testEnsureSetting(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	first, err := db.EnsureSetting(ctx, "k", []byte("one"))
	if err != nil || string(first) != "one" {
		t.Fatalf("first: %q %v", first, err)
	}
	if got, err := db.EnsureSetting(ctx, "k", []byte("two")); err != nil || string(got) != "one" {
		t.Fatalf("second: %q %v", got, err)
	}
	if got, err := db.EnsureSetting(ctx, "other", []byte("x")); err != nil || string(got) != "x" {
		t.Fatalf("another name: %q %v", got, err)
	}
}
