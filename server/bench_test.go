package server_test

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/clock"
)

// The benchmarks drive a real server over loopback HTTP through the generated client, so
// each operation includes auth, validation against openapi.yaml, the handler and SQLite.
// Responses are not checked against the spec here: that is the tests' job, and it would
// measure the checker.

func BenchmarkCreateMessage(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	ctx := context.Background()
	req := text("+14155550100", testSender, "benchmark body")
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, env.Main.Sid, req)
		if err != nil || resp.JSON201 == nil {
			b.Fatalf("create: %v %s", err, resp.Body)
		}
	}
}

func BenchmarkFetchMessage(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	ctx := context.Background()
	m := send(b, env.Client, env.Main.Sid, text("+14155550100", testSender, "benchmark body"))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.Client.FetchMessageWithResponse(ctx, env.Main.Sid, m.Sid)
		if err != nil || resp.JSON200 == nil {
			b.Fatalf("fetch: %v %s", err, resp.Body)
		}
	}
}

// BenchmarkFetchMessageParallel is BenchmarkFetchMessage from 32 clients at once, as
// the load harness's 32 connections: what is shared between requests (locks, the
// credential check, the connection pools) shows here and not with one client.
func BenchmarkFetchMessageParallel(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	m := send(b, env.Client, env.Main.Sid, text("+14155550100", testSender, "benchmark body"))
	b.ReportAllocs()
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			resp, err := env.Client.FetchMessageWithResponse(ctx, env.Main.Sid, m.Sid)
			if err != nil || resp.JSON200 == nil {
				b.Errorf("fetch: %v", err)
				return
			}
		}
	})
}

// BenchmarkCreateMessageParallel is BenchmarkCreateMessageHeld from 32 clients at once:
// the request path of a create under concurrency, where group commit batches the
// writes, without the delivery work that follows. As the load harness does, it sends
// from a number the account bought, which the create checks it owns.
func BenchmarkCreateMessageParallel(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true, StepDelay: time.Hour})
	from := buy(b, env.Client, env.Main.Sid, number("+14155550199")).PhoneNumber
	req := text("+14155550100", from, "benchmark body")
	b.ReportAllocs()
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			resp, err := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, env.Main.Sid, req)
			if err != nil || resp.JSON201 == nil {
				b.Errorf("create: %v", err)
				return
			}
		}
	})
}

// BenchmarkListMessagesPage fetches one page of 50 from the middle of the list, by the
// PageToken that next_page_uri carries, at two list sizes: keyset paging should make the
// two cost the same.
func BenchmarkListMessagesPage(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
			env.SeedHourly(b, env.Main.Sid, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), n)
			ctx := context.Background()
			params := middlePage(b, env, n, 50)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, params)
				if err != nil || resp.JSON200 == nil || len(resp.JSON200.Messages) != *params.PageSize {
					b.Fatalf("list: %v %s", err, resp.Body)
				}
			}
		})
	}
}

// BenchmarkLookup looks a number up through the whole stack: basic validation only, and
// with every data package. The numbers cycle through several countries, so that
// libphonenumber's per-country metadata is exercised, not one cached answer.
func BenchmarkLookup(b *testing.B) {
	numbers := []string{"+14155550100", "+447400123456", "+4915112345678", "+33612345678", "+919876543210", "+819012345678"}
	all := "line_type_intelligence,caller_name,sim_swap,call_forwarding,line_status,identity_match," +
		"reassigned_number,sms_pumping_risk,phone_number_quality_score,pre_fill"
	for _, bc := range []struct{ name, fields string }{{"basic", ""}, {"all-packages", all}} {
		b.Run(bc.name, func(b *testing.B) {
			env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
			ctx := context.Background()
			params := &client.FetchPhoneNumberParams{}
			if bc.fields != "" {
				params.Fields = &bc.fields
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				resp, err := env.Client.FetchPhoneNumberWithResponse(ctx, numbers[i%len(numbers)], params)
				if err != nil || resp.JSON200 == nil || !resp.JSON200.Valid {
					b.Fatalf("lookup: %v %s", err, resp.Body)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkStatusCallbacks is how many status callbacks a server delivers per second to
// a local receiver: each op forces a message to delivered (one callback) and the timer
// stops when every callback has arrived.
func BenchmarkStatusCallbacks(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true, StepDelay: time.Hour})
	ctx := context.Background()
	rc := servertest.NewReceiver(b, env.Main.AuthToken)
	n := b.N
	sids := make([]string, n)
	for i := range n {
		sids[i] = send(b, env.Client, env.Main.Sid, withCallback(text("+14155550100", testSender, "cb"), rc.URL)).Sid
	}
	b.ResetTimer()
	for _, sid := range sids {
		resp, err := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(ctx, env.Main.Sid, sid,
			client.ForceStatusRequest{Status: client.ForceStatusRequestStatusDelivered})
		if err != nil || resp.JSON200 == nil {
			b.Fatalf("force: %v", err)
		}
	}
	rc.WaitFor(b, n, time.Minute)
	b.StopTimer()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "callbacks/s")
}

// BenchmarkCreateToDeliveredCallback is the time from creating a message (default
// delivery delay) to its 'delivered' callback arriving at the app.
func BenchmarkCreateToDeliveredCallback(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	rc := servertest.NewReceiver(b, env.Main.AuthToken)
	b.ResetTimer()
	for i := range b.N {
		send(b, env.Client, env.Main.Sid, withCallback(text("+14155550100", testSender, "hi"), rc.URL))
		rc.WaitFor(b, 3*(i+1), time.Minute) // sending, sent, delivered
	}
}

// BenchmarkCreateMessageHeld is BenchmarkCreateMessage with the simulated carrier held
// (a step takes an hour): the cost of the create itself, message and outbox row, without
// the delivery work it causes running alongside.
func BenchmarkCreateMessageHeld(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true, StepDelay: time.Hour})
	ctx := context.Background()
	req := text("+14155550100", testSender, "benchmark body")
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, env.Main.Sid, req)
		if err != nil || resp.JSON201 == nil {
			b.Fatalf("create: %v %s", err, resp.Body)
		}
	}
}

// middlePage returns the parameters of the page of size rows just past the middle of a
// list of n, reached as a client would: walking next_page_uri with the largest pages.
func middlePage(tb testing.TB, env *servertest.Env, n, size int) *client.ListMessagesParams {
	tb.Helper()
	ctx := context.Background()
	big := min(1000, n/2) // a whole number of pages up to the middle, for the n used here
	var next *string
	for range n / 2 / big {
		params := &client.ListMessagesParams{PageSize: &big}
		if next != nil {
			u, _ := url.Parse(*next)
			token := u.Query().Get("PageToken")
			page, _ := strconv.Atoi(u.Query().Get("Page"))
			params.PageToken, params.Page = &token, &page
		}
		resp, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, params)
		if err != nil || resp.JSON200 == nil || resp.JSON200.NextPageUri == nil {
			tb.Fatalf("list: %v %s", err, resp.Body)
		}
		next = resp.JSON200.NextPageUri
	}
	u, _ := url.Parse(*next)
	token := u.Query().Get("PageToken")
	page := n / 2 / size
	return &client.ListMessagesParams{PageSize: &size, Page: &page, PageToken: &token}
}

// TestBenchmarkListFixture runs the benchmark's walk and check under plain go test.
func TestBenchmarkListFixture(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	const n = 4000
	env.SeedHourly(t, env.Main.Sid, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), n)
	params := middlePage(t, env, n, 50)
	resp, err := env.Client.ListMessagesWithResponse(context.Background(), env.Main.Sid, params)
	if err != nil || resp.JSON200 == nil || len(resp.JSON200.Messages) != 50 {
		t.Fatalf("list: %v %s", err, resp.Body)
	}
	// SeedHourly numbers SIDs from 1, oldest first: the page starts just past the middle.
	if want := fmt.Sprintf("SM%032x", n/2); resp.JSON200.Messages[0].Sid != want || resp.JSON200.Start != n/2 {
		t.Fatalf("page starts with %s at %d, want %s at %d", resp.JSON200.Messages[0].Sid, resp.JSON200.Start, want, n/2)
	}
}

// BenchmarkAuthentication is the same fetch authenticated with the auth token and with
// an API key (a lookup joining key and account, and a salted SHA-256 of the secret):
// the difference is what a key costs per request.
func BenchmarkAuthentication(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	ctx := context.Background()
	m := send(b, env.Client, env.Main.Sid, text("+14155550100", testSender, "benchmark body"))
	k := createKey(b, env, env.Main.Sid, env.Main.AuthToken, env.Main.Sid, "bench")
	for _, bc := range []struct {
		name string
		c    *client.ClientWithResponses
	}{
		{"auth-token", env.Client},
		{"api-key", env.ClientFor(k.Sid, k.Secret)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := bc.c.FetchMessageWithResponse(ctx, env.Main.Sid, m.Sid)
				if err != nil || resp.JSON200 == nil {
					b.Fatalf("fetch: %v %s", err, resp.Body)
				}
			}
		})
	}
}

// BenchmarkCreateMessageClock is the create path on the wall clock (clock.Real, as before
// the simulator had a clock of its own) and on the simulator's clock moved a day ahead,
// in one run: what the clock costs a create, which dates the message and its jobs.
func BenchmarkCreateMessageClock(b *testing.B) {
	for _, tc := range []struct {
		name  string
		clock clock.Clock
	}{{"wall", clock.Real{}}, {"simulator", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			env := servertest.Start(b, servertest.Options{NoSpecCheck: true, StepDelay: time.Hour, Clock: tc.clock})
			if tc.clock == nil {
				env.Advance(b, 24*time.Hour)
			}
			ctx := context.Background()
			req := text("+14155550100", testSender, "benchmark body")
			b.ReportAllocs()
			for b.Loop() {
				resp, err := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, env.Main.Sid, req)
				if err != nil || resp.JSON201 == nil {
					b.Fatalf("create: %v %s", err, resp.Body)
				}
			}
		})
	}
}

// BenchmarkCreateVerification starts verifications by text from 32 clients at once, each
// to a number of its own: a verification's write, its text's create and the text's first
// step, as an app's sign-ins under load.
func BenchmarkCreateVerification(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true, StepDelay: time.Hour})
	service := createVerifyService(b, env.Client, client.CreateVerifyServiceRequest{FriendlyName: "Bench"})
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			req := client.CreateVerificationRequest{To: fmt.Sprintf("+1312%07d", next.Add(1)), Channel: client.CreateVerificationRequestChannelSms}
			resp, err := env.Client.CreateVerificationWithFormdataBodyWithResponse(ctx, service.Sid, req)
			if err != nil || resp.JSON201 == nil {
				b.Errorf("start: %v %s", err, resp.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}
