package postgres

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store"
)

// TestChangeLogFollowerMissesNothing: with many transactions logging changes at once,
// through two stores (two processes) on one database, a follower that reads the log
// after the last seq it saw, as the live event stream does, sees every change exactly
// once and in order. A sequence alone would not do: a transaction that drew a later seq
// could commit first, and the follower would step over the earlier one for good.
func TestChangeLogFollowerMissesNothing(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	stores := []*DB{openURL(t, url), openURL(t, url)}
	if _, err := stores[0].CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}

	const writers, writes = 8, 40
	var (
		wg       sync.WaitGroup
		done     atomic.Bool
		followed []store.Change
	)
	followerDone := make(chan error, 1)
	go func() {
		var after int64
		for {
			finished := done.Load() // read before the log: the last read sees every write
			page, err := stores[1].Changes(ctx, after, 50)
			if err != nil {
				followerDone <- err
				return
			}
			followed = append(followed, page...)
			if len(page) > 0 {
				after = page[len(page)-1].Seq
			} else if finished {
				followerDone <- nil
				return
			} else {
				time.Sleep(time.Millisecond) // leave the machine to the writers
			}
		}
	}()
	for w := range writers {
		db := stores[w%2]
		wg.Go(func() {
			for i := range writes {
				// Several statements a transaction, so that transactions overlap.
				var ws store.Writes
				for k := range 3 {
					ws.Messages = append(ws.Messages, testMessage("AC1", (w*writes+i)*3+k))
				}
				ws.Deliveries = []store.WebhookDelivery{{Sid: fmt.Sprintf("WD%d-%d", w, i), AccountSid: "AC1",
					ResourceSid: ws.Messages[0].Sid, Event: "message-status", URL: "https://x", Method: "POST", DateCreated: t0}}
				if err := db.Apply(ctx, ws); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	if err := <-followerDone; err != nil {
		t.Fatal(err)
	}

	all, err := stores[0].Changes(ctx, 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if want := writers * writes * 4; len(all) != want {
		t.Fatalf("%d changes logged, want %d", len(all), want)
	}
	if !reflect.DeepEqual(followed, all) {
		missed := len(all) - len(followed)
		for i := range min(len(all), len(followed)) {
			if followed[i] != all[i] {
				t.Fatalf("the follower saw %d changes of %d; the first difference, at %d: saw %+v, the log has %+v",
					len(followed), len(all), i, followed[i], all[i])
			}
		}
		t.Fatalf("the follower saw %d changes of %d (%d missed)", len(followed), len(all), missed)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("seq %d after %d", all[i].Seq, all[i-1].Seq)
		}
	}
}
