//go:build unix

package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/store"
)

// fiveVerbs is the TwiML of the concurrent-calls benchmark: five verbs, 14 simulated
// seconds once answered (ten words said, a 3 s pause, a file played, five words said).
const fiveVerbs = `<Response><Say>Thank you for calling, your call is important to us today.</Say>` +
	`<Pause length="3"/><Play>https://example.com/hold.mp3</Play><Say>Goodbye and have a nice day.</Say><Hangup/></Response>`

// benchCallSpeed is the simulated clock's speed in the benchmark: a call (2 s of ringing
// and 14 s of TwiML) lasts 1.6 s of real time, and does in it the work of a call of 16 s.
const benchCallSpeed = 10

// BenchmarkConcurrentCalls starts waves of calls that all run at once, each a five-verb
// TwiML document (inline, or fetched from the app's URL), and measures whether one
// process keeps them on schedule: lag_ms is how long after the last call should have
// ended it did end (a process that keeps up has a lag of a few poll intervals; one that
// cannot falls further behind as calls are added). cpu_ms/call is the process's CPU time
// (server, SQLite, and the client creating the calls) per call, peak_heap_MB the largest
// Go heap seen during the wave, and rss_MB the process's peak resident memory so far.
// Each wave of N calls at speed 10 does the work of 10 N real-time calls: it runs the
// same number of steps, webhooks and writes in a tenth of the time.
//
//	go test ./server -run '^$' -bench ConcurrentCalls -benchtime 1x
func BenchmarkConcurrentCalls(b *testing.B) {
	for _, source := range []string{"inline", "url"} {
		for _, n := range []int{100, 500, 1000, 1500, 2000} {
			b.Run(fmt.Sprintf("twiml=%s/calls=%d", source, n), func(b *testing.B) {
				env := servertest.Start(b, servertest.Options{NoSpecCheck: true, CallSpeed: benchCallSpeed})
				req := client.CreateCallRequest{To: "+14155550100", From: callerID}
				if source == "inline" {
					req.Twiml = ptr(fiveVerbs)
				} else {
					app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
						w.Header().Set("Content-Type", "text/xml")
						w.Write([]byte(fiveVerbs))
					}))
					b.Cleanup(app.Close)
					req.Url = ptr(app.URL + "/voice")
				}
				ideal := time.Duration(float64(16*time.Second) / benchCallSpeed)
				var lags, cpus []time.Duration
				var peakHeap uint64
				done := 0
				for b.Loop() {
					cpu0 := cpuTime()
					stopSampling := sampleHeap(&peakHeap)
					lastCreated := createCalls(b, env, req, n)
					done += n
					waitCompleted(b, env, done)
					finished := time.Now()
					stopSampling()
					lags = append(lags, finished.Sub(lastCreated)-ideal)
					cpus = append(cpus, cpuTime()-cpu0)
				}
				b.ReportMetric(float64(avg(lags).Milliseconds()), "lag_ms")
				b.ReportMetric(float64(avg(cpus).Microseconds())/1000/float64(n), "cpu_ms/call")
				b.ReportMetric(float64(peakHeap)/(1<<20), "peak_heap_MB")
				b.ReportMetric(float64(peakRSS())/(1<<20), "rss_MB")
			})
		}
	}
}

// createCalls places n calls through the API from 16 connections, and returns when the
// last was created.
func createCalls(b *testing.B, env *servertest.Env, req client.CreateCallRequest, n int) time.Time {
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				resp, err := env.Client.CreateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, req)
				if err != nil || resp.JSON201 == nil {
					b.Errorf("create call: %v %s", err, resp.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Now()
}

// waitCompleted waits until the account has want completed calls; any other ending is a
// failure of the benchmark.
func waitCompleted(b *testing.B, env *servertest.Env, want int) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		// The want-th completed call, if there is one: the rows before it are skipped, not
		// read, so that watching costs the process next to nothing.
		list, _, err := env.DB.ListCalls(context.Background(), store.CallFilter{AccountSid: env.Main.Sid, Status: "completed"},
			store.Page{Size: 1, Offset: want - 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == 1 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("fewer than %d calls completed", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleHeap records the largest heap in use into peak every 50 ms until stopped.
func sampleHeap(peak *uint64) (stop func()) {
	quit, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(quit); <-stopped }
}

// peakRSS is the process's peak resident set size (VmHWM), where /proc tells it.
func peakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func avg(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}
