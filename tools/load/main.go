// Command load measures Switchboard against a reference server under the same load, on
// one machine, in one run: `make load` from the repository root.
//
// It builds the reference server (../shared/bench/baseline by default: the thinnest Echo
// + SQLite server), starts it and bin/switchboard on loopback ports over fresh SQLite
// files, seeds both with the same number of messages, and then, round after round, runs
// each workload (create, fetch, list) at each concurrency against one server and then the
// other, alternating which goes first. Each measurement is a closed loop: N connections,
// each sending its next request as soon as the last is answered (vegeta at an unbounded
// rate with N workers). Noise from the rest of the machine hits both servers alike, so
// the ratio of the two in a round means more than either number alone.
//
// It prints, in Markdown, the machine, the settings, requests per second (median of the
// rounds), p50 and p99 latency (over all rounds), each process's peak resident memory
// during the measurement, and the ratio table Switchboard / baseline. It runs on Linux
// only (it reads /proc).
//
// The load generator lives in its own module so that it stays out of Switchboard's
// go.mod.
package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// The main account the harness gives Switchboard.
const (
	accountSid = "AC10ad10ad10ad10ad10ad10ad10ad10ad"
	authToken  = "loadtest123"
)

type options struct {
	switchboardBin  string
	switchboardArgs []string
	baselineSrc     string
	baselineSync    string
	duration        time.Duration
	warmup          time.Duration
	rounds          int
	concs           []int
	workloads       []string
	seed            int
	pageSize        int
	out             string
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.switchboardBin, "switchboard", "bin/switchboard", "Switchboard binary to measure (make build)")
	sbArgs := fs.String("switchboard-args", "", "extra flags for Switchboard, space-separated, e.g. \"--log-level warn\"")
	fs.StringVar(&o.baselineSrc, "baseline", "../shared/bench/baseline", "source directory of the reference server, built with go build")
	fs.StringVar(&o.baselineSync, "baseline-sync", "NORMAL", "the reference server's -sync (PRAGMA synchronous): OFF, NORMAL, FULL or EXTRA")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "length of one measurement (one server, workload and concurrency, in one round)")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load per server and workload before the first round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; each measures every workload at every concurrency on both servers")
	concs := fs.String("concurrency", "1,8,32", "connections, comma-separated: one measurement each")
	workloads := fs.String("workloads", strings.Join(allWorkloads, ","), "workloads, comma-separated: create, fetch, list")
	fs.IntVar(&o.seed, "seed", 1000, "messages created on each server before the first round")
	fs.IntVar(&o.pageSize, "page-size", 50, "PageSize of the list workload")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: load [flags]   (from the repository root; make load)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.concs, err = parseConcurrencies(*concs); err != nil {
		return o, err
	}
	if o.workloads, err = parseWorkloads(*workloads, allWorkloads); err != nil {
		return o, err
	}
	o.switchboardArgs = strings.Fields(*sbArgs)
	o.baselineSync = strings.ToUpper(o.baselineSync)
	switch {
	case o.baselineSync != "OFF" && o.baselineSync != "NORMAL" && o.baselineSync != "FULL" && o.baselineSync != "EXTRA":
		return o, fmt.Errorf("-baseline-sync must be OFF, NORMAL, FULL or EXTRA, not %q", o.baselineSync)
	case o.duration <= 0 || o.warmup < 0 || o.rounds < 1:
		return o, fmt.Errorf("-duration and -rounds must be positive, -warmup not negative")
	case o.seed < o.pageSize || o.pageSize < 1:
		return o, fmt.Errorf("-seed (%d) must be at least -page-size (%d), which must be positive", o.seed, o.pageSize)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.switchboardBin); err != nil {
		return fmt.Errorf("%w (run make build, or give -switchboard)", err)
	}
	if o.switchboardBin, err = filepath.Abs(o.switchboardBin); err != nil { // the servers run in a temp dir
		return err
	}
	dir, err := os.MkdirTemp("", "switchboard-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Fprintf(stderr, "building the baseline from %s\n", o.baselineSrc)
	baselineBin, err := buildBaseline(ctx, o.baselineSrc, dir)
	if err != nil {
		return err
	}
	sbArgs := append([]string{"--db", "switchboard.db", "--account-sid", accountSid, "--auth-token", authToken}, o.switchboardArgs...)
	sb, err := startProcess(ctx, switchboard, o.switchboardBin, dir, "--addr", sbArgs, "/healthz")
	if err != nil {
		return err
	}
	defer sb.stop()
	base, err := startProcess(ctx, baseline, baselineBin, dir, "-addr", []string{"-db", "baseline.db", "-sync", o.baselineSync}, "/messages/none")
	if err != nil {
		return err
	}
	defer base.stop()

	procs := map[string]*process{switchboard: sb, baseline: base}
	apis := map[string]*api{
		switchboard: switchboardAPI(sb.base, accountSid, authToken, o.pageSize),
		baseline:    baselineAPI(base.base),
	}
	sids := map[string][]string{}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, name := range []string{switchboard, baseline} {
		fmt.Fprintf(stderr, "seeding %s with %d messages\n", name, o.seed)
		if sids[name], err = apis[name].seed(ctx, client, o.seed); err != nil {
			return err
		}
		for _, wl := range o.workloads {
			if err := apis[name].check(ctx, client, wl, sids[name]); err != nil {
				return err
			}
		}
	}
	client.CloseIdleConnections()

	res := results{}
	merged := map[cellKey]*vegeta.Metrics{}
	maxConns := slices.Max(o.concs)
	if o.warmup > 0 {
		for _, wl := range o.workloads {
			for _, name := range []string{switchboard, baseline} {
				fmt.Fprintf(stderr, "warm-up: %s %s\n", name, wl)
				a := apis[name]
				if _, err := measure(ctx, procs[name], a.targeter(wl, sids[name]), maxConns, o.warmup, nil); err != nil {
					return err
				}
			}
		}
	}
	for round := range o.rounds {
		order := []string{switchboard, baseline}
		if round%2 == 1 { // alternate, so that neither server always follows the other
			order = []string{baseline, switchboard}
		}
		for _, wl := range o.workloads {
			for _, c := range o.concs {
				for _, name := range order {
					key := cellKey{name, wl, c}
					if res[key] == nil {
						res[key] = &cell{rowsPerReq: apis[name].rowsPerRequest(wl)}
						merged[key] = &vegeta.Metrics{}
					}
					m, err := measure(ctx, procs[name], apis[name].targeter(wl, sids[name]), c, o.duration, merged[key])
					if err != nil {
						return err
					}
					x := res[key]
					x.reqPerSec = append(x.reqPerSec, m.reqPerSec)
					x.requests += m.requests
					x.failures += m.failures
					x.peakRSSKB = max(x.peakRSSKB, m.peakRSSKB)
					fmt.Fprintf(stderr, "round %d/%d %-6s %2d conns %-11s %8.0f req/s  peak RSS %s\n",
						round+1, o.rounds, wl, c, name, m.reqPerSec, mb(m.peakRSSKB))
				}
			}
		}
	}
	for key, m := range merged {
		m.Close()
		res[key].p50, res[key].p99 = m.Latencies.P50, m.Latencies.P99
	}

	var report bytes.Buffer
	writeHeader(&report, o, baselineBin)
	writeTables(&report, res, o.workloads, o.concs)
	if _, err := stdout.Write(report.Bytes()); err != nil {
		return err
	}
	if o.out != "" {
		return os.WriteFile(o.out, report.Bytes(), 0o644)
	}
	return nil
}

// measurement is one closed-loop run against one server.
type measurement struct {
	reqPerSec          float64 // successful requests per second
	requests, failures uint64
	peakRSSKB          int64
}

// measure runs conns closed-loop clients against p for d, adding every result to merged
// (unless nil), and reads the process's peak RSS over that time.
func measure(ctx context.Context, p *process, tgt vegeta.Targeter, conns int, d time.Duration, merged *vegeta.Metrics) (measurement, error) {
	if err := p.alive(); err != nil {
		return measurement{}, err
	}
	if err := p.resetPeakRSS(); err != nil {
		return measurement{}, fmt.Errorf("reset peak RSS of %s: %w", p.name, err)
	}
	// One transport per measurement, closed after it, so that no idle connection of an
	// earlier measurement holds memory in the server.
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer transport.CloseIdleConnections()
	attacker := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: transport, Timeout: 30 * time.Second}),
		vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)),
		vegeta.MaxBody(0), // read and drop the bodies: the generator should cost little
	)
	stopOnCancel := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stopOnCancel()

	var m vegeta.Metrics
	for r := range attacker.Attack(tgt, vegeta.Rate{}, d, p.name) { // zero rate: as fast as answered
		m.Add(r)
		if merged != nil {
			merged.Add(r)
		}
	}
	m.Close()
	if err := ctx.Err(); err != nil {
		return measurement{}, err
	}
	if err := p.alive(); err != nil {
		return measurement{}, err
	}
	rss, err := p.peakRSSKB()
	if err != nil {
		return measurement{}, err
	}
	out := measurement{reqPerSec: m.Throughput, requests: m.Requests, peakRSSKB: rss}
	for code, n := range m.StatusCodes {
		if code[0] != '2' {
			out.failures += uint64(n)
		}
	}
	return out, nil
}

// writeHeader describes the machine and the settings of the run.
func writeHeader(w io.Writer, o options, baselineBin string) {
	cpu := "unknown"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		cpu = cpuModel(f)
		f.Close()
	}
	fmt.Fprintf(w, "Run of %s, at commit %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), gitCommit())
	fmt.Fprintf(w, "- Machine: %d cores (nproc), %s, %s/%s; the load generator runs on the same cores.\n",
		runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- Go: Switchboard built with %s, baseline with %s, harness with %s.\n",
		goVersion(o.switchboardBin), goVersion(baselineBin), runtime.Version())
	sbFlags := strings.Join(o.switchboardArgs, " ")
	if sbFlags == "" {
		sbFlags = "none"
	}
	fmt.Fprintf(w, "- Settings: %d rounds of %s per measurement (after %s of warm-up per server and workload); "+
		"%d messages seeded on each server; list PageSize %d; baseline -sync %s; extra Switchboard flags: %s.\n",
		o.rounds, o.duration, o.warmup, o.seed, o.pageSize, o.baselineSync, sbFlags)
	fmt.Fprintf(w, "- Command: `make load LOADFLAGS=%q`\n", loadFlags(o))
	fmt.Fprintf(w, "- Workloads: create is POST Messages.json on Switchboard, POST /messages on the baseline (the same To, From, Body); "+
		"fetch is GET Messages/{Sid}.json, GET /messages/{sid}, cycling through the seeded messages; "+
		"list is GET Messages.json?PageSize=%d, and since the baseline has no list route it fetches one message instead: "+
		"the list ratio compares rows per second, the cost per row returned.\n", o.pageSize)
	fmt.Fprintln(w, "- Columns: req/s is the median over rounds of answered-2xx requests per second; p50 and p99 are over every "+
		"request of every round; peak RSS is the highest VmHWM within one measurement; failed counts non-2xx answers. "+
		"A ratio is Switchboard / baseline in one round; the table gives the median and the range over rounds.")
	fmt.Fprintln(w)
}

// loadFlags spells the settings as flags, so that the report says how to repeat it.
func loadFlags(o options) string {
	concs := make([]string, len(o.concs))
	for i, c := range o.concs {
		concs[i] = fmt.Sprint(c)
	}
	s := fmt.Sprintf("-rounds %d -duration %s -warmup %s -concurrency %s -workloads %s -baseline-sync %s",
		o.rounds, o.duration, o.warmup, strings.Join(concs, ","), strings.Join(o.workloads, ","), o.baselineSync)
	if len(o.switchboardArgs) > 0 {
		s += fmt.Sprintf(" -switchboard-args '%s'", strings.Join(o.switchboardArgs, " "))
	}
	return s
}

// goVersion is the Go version a binary was built with.
func goVersion(bin string) string {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "unknown"
	}
	return info.GoVersion
}

// gitCommit is the short commit of the working directory, marked when it has changes.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if status, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(status) > 0 {
		commit += " (with uncommitted changes)"
	}
	return commit
}
