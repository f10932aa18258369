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
// With -postgres (make load-postgres), Switchboard on PostgreSQL is measured in the same
// rounds: one process on a new database of that server (postgres) and, with -replicas N,
// N processes sharing another (postgres×N), the harness's requests going to each in turn.
//
// After the rounds, the lifecycle phases (lifecycle.go) follow creates on every
// Switchboard to their last status callback, which a receiver in the harness counts:
// messages and calls end to end, and creates at a fixed rate with the outbox's depth read
// from /metrics. The baseline has no lifecycle and sits them out.
//
// It prints, in Markdown, the machine, the settings, requests per second (median of the
// rounds), p50 and p99 latency (over all rounds), each process's peak resident memory
// during the measurement (one per process for replicas), the ratio tables (Switchboard /
// baseline; with -postgres, postgres / Switchboard and postgres×N / postgres), and a
// table per lifecycle phase. It runs on Linux only (it reads /proc).
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
	"strconv"
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
	beforeBin       string // an earlier Switchboard, measured in the same run; "" for none
	beforeArgs      []string
	beforeLabel     string // its name in the report
	baselineSrc     string
	baselineSync    string
	duration        time.Duration
	warmup          time.Duration
	rounds          int
	concs           []int
	workloads       []string
	seed            int
	pageSize        int
	seedBodyChars   int
	profileDir      string
	out             string
	postgresURL     string            // a PostgreSQL server to measure Switchboard on too (the postgres row); "" for none
	replicas        int               // with more than 1, also that many Switchboards sharing one database of it (postgres×N)
	lifecycle       lifecycleSettings // the lifecycle phases (lifecycle.go)
}

// The replicas make load-postgres asks for, which loadFlags leaves out.
const loadPostgresReplicas = 2

// The lifecycle phases' defaults, which loadFlags leaves out.
const (
	defaultE2EMessages     = 20000
	defaultE2ECalls        = 1000
	defaultCallSpeed       = 100
	defaultSustain         = 30 * time.Second
	defaultSustainFraction = 0.8
)

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.switchboardBin, "switchboard", "bin/switchboard", "Switchboard binary to measure (make build)")
	sbArgs := fs.String("switchboard-args", "", "extra flags for Switchboard, space-separated, e.g. \"--log-level warn\"")
	fs.StringVar(&o.beforeBin, "before", "", "an earlier Switchboard binary, measured in the same run as a third server (named by -before-label); none when empty")
	beforeArgs := fs.String("before-args", "", "extra flags for the -before binary, space-separated (it may know fewer flags)")
	fs.StringVar(&o.beforeLabel, "before-label", before, "the -before server's name in the report, e.g. \"no-group-commit\" when -before is bin/switchboard with other flags")
	fs.StringVar(&o.baselineSrc, "baseline", "../shared/bench/baseline", "source directory of the reference server, built with go build")
	fs.StringVar(&o.baselineSync, "baseline-sync", "NORMAL", "the reference server's -sync (PRAGMA synchronous): OFF, NORMAL, FULL or EXTRA")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "length of one measurement (one server, workload and concurrency, in one round)")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load per server and workload before the first round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; each measures every workload at every concurrency on both servers")
	concs := fs.String("concurrency", "1,8,32", "connections, comma-separated: one measurement each")
	workloads := fs.String("workloads", strings.Join(allWorkloads, ","), "workloads, comma-separated: create, fetch, list")
	fs.IntVar(&o.seed, "seed", 1000, "messages created on each server before the first round")
	fs.IntVar(&o.pageSize, "page-size", 50, "PageSize of the list workload")
	fs.IntVar(&o.seedBodyChars, "seed-body-chars", 0, "Body length of the seeded messages in characters outside GSM-7 (UCS-2; at most 1600); 0 for the create workload's short Body")
	fs.StringVar(&o.profileDir, "profile", "", "take a CPU profile of Switchboard (not of -before) during each of its measurements, into this directory; adds --pprof")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	fs.StringVar(&o.postgresURL, "postgres", "", "a PostgreSQL server's URL (postgres://user@host:port/db, a user who may CREATE DATABASE): also measure Switchboard on a new database of it, as the row postgres; none when empty")
	fs.IntVar(&o.replicas, "replicas", 1, "with -postgres and more than 1: also measure that many Switchboards sharing one more new database, requests spread over them in turn, as the row postgres×N")
	lc := &o.lifecycle
	fs.IntVar(&lc.messages, "e2e-messages", defaultE2EMessages, "after the rounds, messages created at 32 connections with a StatusCallback and followed to their delivered callback, on each Switchboard; 0 skips")
	fs.IntVar(&lc.calls, "e2e-calls", defaultE2ECalls, "after the rounds, calls created at 32 connections with a Url and a StatusCallback and followed to their completed callback, on each Switchboard; 0 skips")
	fs.Float64Var(&lc.callSpeed, "call-speed", defaultCallSpeed, "Switchboard's --call-speed when -e2e-calls is on: simulated time (a call rings 2 s) runs this many times faster")
	fs.DurationVar(&lc.sustain, "sustain", defaultSustain, "after the end-to-end phases, creates with a StatusCallback at a fixed rate for this long, reading the outbox's depth, on each Switchboard; 0 skips")
	fs.Float64Var(&lc.sustainFraction, "sustain-fraction", defaultSustainFraction, "the sustained rate: this fraction of the same server's create workload at 32 connections in this run")
	fs.Float64Var(&lc.sustainRate, "sustain-rate", 0, "the sustained rate in creates per second, the same for every server, instead of -sustain-fraction; 0 for the fraction")
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
	o.beforeArgs = strings.Fields(*beforeArgs)
	o.baselineSync = strings.ToUpper(o.baselineSync)
	switch {
	case o.baselineSync != "OFF" && o.baselineSync != "NORMAL" && o.baselineSync != "FULL" && o.baselineSync != "EXTRA":
		return o, fmt.Errorf("-baseline-sync must be OFF, NORMAL, FULL or EXTRA, not %q", o.baselineSync)
	case o.duration <= 0 || o.warmup < 0 || o.rounds < 1:
		return o, fmt.Errorf("-duration and -rounds must be positive, -warmup not negative")
	case o.seed < o.pageSize || o.pageSize < 1:
		return o, fmt.Errorf("-seed (%d) must be at least -page-size (%d), which must be positive", o.seed, o.pageSize)
	case o.seedBodyChars < 0 || o.seedBodyChars > 1600:
		return o, fmt.Errorf("-seed-body-chars must be from 0 to 1600, not %d", o.seedBodyChars)
	case o.beforeBin == "" && (len(o.beforeArgs) > 0 || o.beforeLabel != before):
		return o, fmt.Errorf("-before-args or -before-label without -before")
	case o.beforeLabel == switchboard || o.beforeLabel == baseline || strings.HasPrefix(o.beforeLabel, postgres) ||
		strings.ContainsAny(o.beforeLabel, " |/") || o.beforeLabel == "":
		return o, fmt.Errorf("-before-label %q: a word other than %s and %s, not starting with %s", o.beforeLabel, switchboard, baseline, postgres)
	case o.postgresURL != "" && !strings.HasPrefix(o.postgresURL, "postgres://") && !strings.HasPrefix(o.postgresURL, "postgresql://"):
		return o, fmt.Errorf("-postgres must be a postgres:// or postgresql:// URL")
	case o.replicas < 1 || o.replicas > 8:
		return o, fmt.Errorf("-replicas must be from 1 to 8, not %d", o.replicas)
	case o.replicas > 1 && o.postgresURL == "":
		return o, fmt.Errorf("-replicas without -postgres: replicas share a PostgreSQL database")
	case lc.messages < 0 || lc.calls < 0 || lc.sustain < 0 || lc.sustainRate < 0:
		return o, fmt.Errorf("-e2e-messages, -e2e-calls, -sustain and -sustain-rate must not be negative")
	case lc.calls > 0 && !(lc.callSpeed >= 0.01 && lc.callSpeed <= 1e6):
		return o, fmt.Errorf("-call-speed must be between 0.01 and 1000000, not %v", lc.callSpeed)
	case lc.calls > 0 && (hasFlag(o.switchboardArgs, "call-speed") || hasFlag(o.beforeArgs, "call-speed")):
		return o, fmt.Errorf("with -e2e-calls, give the call speed with -call-speed, not in -switchboard-args or -before-args")
	case !(lc.sustainFraction > 0 && lc.sustainFraction <= 10):
		return o, fmt.Errorf("-sustain-fraction must be above 0 and at most 10, not %v", lc.sustainFraction)
	}
	return o, nil
}

// hasFlag reports whether args set the flag name, as -name or --name, alone or with =.
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a, _, _ = strings.Cut(strings.TrimLeft(a, "-"), "=")
		if a == name {
			return true
		}
	}
	return false
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	// The servers run in a temp dir: they get absolute paths, while the report keeps
	// the paths as given, so that its command works from the repository root anywhere.
	bins := map[string]string{}
	for _, bin := range []string{o.switchboardBin, o.beforeBin} {
		if bin == "" {
			continue
		}
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%w (run make build, or give -switchboard or -before)", err)
		}
		if bins[bin], err = filepath.Abs(bin); err != nil {
			return err
		}
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
	names := []string{switchboard}
	if o.beforeBin != "" {
		names = append(names, o.beforeLabel)
	}
	var pgSettings string
	pgDBs := map[string]string{} // the PostgreSQL rows' databases, by row
	if o.postgresURL != "" {
		if pgSettings, err = postgresSettings(ctx, o.postgresURL); err != nil {
			return err
		}
		names = append(names, postgres)
		if o.replicas > 1 {
			names = append(names, replicatedLabel(o.replicas))
		}
		// Dropped last, after the servers on them have stopped (defers run in reverse).
		defer func() {
			for _, db := range pgDBs {
				if err := dropDatabase(o.postgresURL, db); err != nil {
					fmt.Fprintf(stderr, "drop database %s: %v\n", db, err)
				}
			}
		}()
	}
	names = append(names, baseline)

	srvs := map[string]*server{}
	defer func() {
		for _, s := range srvs {
			for _, p := range s.procs {
				p.stop()
			}
		}
	}()
	var prof *profiler
	sbArgs := slices.Clone(o.switchboardArgs)
	pgArgs := slices.Clone(o.switchboardArgs) // the PostgreSQL rows run the same binary, without --pprof
	if o.profileDir != "" {
		if prof, err = newProfiler(o.profileDir); err != nil {
			return err
		}
		sbArgs = append(sbArgs, "--pprof", prof.addr)
	}
	// The calls phase runs calls at -call-speed; a build from before calls has no such flag,
	// and its calls phase is skipped.
	beforeArgs := slices.Clone(o.beforeArgs)
	noCalls := map[string]bool{}
	if o.lifecycle.calls > 0 {
		speed := []string{"--call-speed", strconv.FormatFloat(o.lifecycle.callSpeed, 'g', -1, 64)}
		if knowsFlag(ctx, bins[o.switchboardBin], "call-speed") {
			sbArgs = append(sbArgs, speed...)
			pgArgs = append(pgArgs, speed...)
		} else {
			noCalls[switchboard] = true
			noCalls[postgres] = true
			noCalls[replicatedLabel(o.replicas)] = true
		}
		if o.beforeBin != "" && knowsFlag(ctx, bins[o.beforeBin], "call-speed") {
			beforeArgs = append(beforeArgs, speed...)
		} else if o.beforeBin != "" {
			noCalls[o.beforeLabel] = true
		}
	}
	credentials := []string{"--account-sid", accountSid, "--auth-token", authToken}
	// start starts a Switchboard (n replicas of it, one after the other, so that the first
	// creates the schema) over db, as the row name.
	start := func(name, bin, db string, n int, args []string) error {
		s := &server{name: name}
		srvs[name] = s
		for i := range n {
			procName := name
			if n > 1 {
				procName = fmt.Sprintf("%s-%d", name, i+1)
			}
			p, err := startProcess(ctx, procName, bin, dir, "--addr", slices.Concat([]string{"--db", db}, credentials, args), "/healthz")
			if err != nil {
				return err
			}
			s.procs = append(s.procs, p)
			s.apis = append(s.apis, switchboardAPI(name, p.base, accountSid, authToken, o.pageSize))
		}
		return nil
	}
	if err := start(switchboard, bins[o.switchboardBin], "switchboard.db", 1, sbArgs); err != nil {
		return err
	}
	if o.beforeBin != "" {
		if err := start(o.beforeLabel, bins[o.beforeBin], "before.db", 1, beforeArgs); err != nil {
			return err
		}
	}
	if o.postgresURL != "" {
		type row struct {
			name     string
			replicas int
		}
		rows := []row{{postgres, 1}}
		if o.replicas > 1 {
			rows = append(rows, row{replicatedLabel(o.replicas), o.replicas})
		}
		stamp := fmt.Sprintf("load_%d_%d", time.Now().Unix(), os.Getpid())
		for _, row := range rows {
			db := stamp + "_" + strconv.Itoa(row.replicas)
			dbURL, err := createDatabase(ctx, o.postgresURL, db)
			if err != nil {
				return err
			}
			pgDBs[row.name] = db
			if err := start(row.name, bins[o.switchboardBin], dbURL, row.replicas, pgArgs); err != nil {
				return err
			}
		}
	}
	bp, err := startProcess(ctx, baseline, baselineBin, dir, "-addr",
		[]string{"-db", "baseline.db", "-sync", o.baselineSync}, "/messages/none")
	if err != nil {
		return err
	}
	srvs[baseline] = &server{name: baseline, procs: []*process{bp}, apis: []*api{baselineAPI(bp.base)}}

	sids := map[string][]string{}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, name := range names {
		fmt.Fprintf(stderr, "seeding %s with %d messages\n", name, o.seed)
		s := srvs[name]
		// Replicas share a database: the first seeds it, and each answers the checks.
		if sids[name], err = s.apis[0].seed(ctx, client, o.seed, seedForm(o.seedBodyChars), stderr); err != nil {
			return err
		}
		for _, a := range s.apis {
			for _, wl := range o.workloads {
				if err := a.check(ctx, client, wl, sids[name]); err != nil {
					return err
				}
			}
		}
	}
	client.CloseIdleConnections()

	res := results{}
	merged := map[cellKey]*vegeta.Metrics{}
	maxConns := slices.Max(o.concs)
	if o.warmup > 0 {
		for _, wl := range o.workloads {
			for _, name := range names {
				fmt.Fprintf(stderr, "warm-up: %s %s\n", name, wl)
				s := srvs[name]
				if _, err := measure(ctx, s, s.targeter(wl, sids[name]), maxConns, o.warmup, nil); err != nil {
					return err
				}
			}
		}
	}
	var all []*process
	for _, name := range names {
		all = append(all, srvs[name].procs...)
	}
	for round := range o.rounds {
		// Every order of the servers in turn, so that none always follows another.
		order := roundOrder(names, round)
		for _, wl := range o.workloads {
			for _, c := range o.concs {
				for _, name := range order {
					key := cellKey{name, wl, c}
					s := srvs[name]
					if res[key] == nil {
						res[key] = &cell{rowsPerReq: s.apis[0].rowsPerRequest(wl)}
						merged[key] = &vegeta.Metrics{}
					}
					waited, err := waitIdle(ctx, all, time.Minute, stderr)
					if err != nil {
						return err
					}
					if waited > time.Second {
						fmt.Fprintf(stderr, "waited %s for the servers to go idle\n", waited.Round(100*time.Millisecond))
					}
					var profile func() error
					if name == switchboard && prof != nil {
						profile = prof.start(ctx, fmt.Sprintf("%s-%d-round%d.pprof", wl, c, round+1), o.duration)
					}
					m, err := measure(ctx, s, s.targeter(wl, sids[name]), c, o.duration, merged[key])
					if profile != nil {
						if perr := profile(); perr != nil && err == nil {
							err = perr
						}
					}
					if err != nil {
						return err
					}
					x := res[key]
					x.reqPerSec = append(x.reqPerSec, m.reqPerSec)
					x.roundP50 = append(x.roundP50, m.p50)
					x.requests += m.requests
					x.failures += m.failures
					x.peakRSSKB = maxEach(x.peakRSSKB, m.peakRSSKB)
					x.cpu = append(x.cpu, m.cpu)
					fmt.Fprintf(stderr, "round %d/%d %-6s %2d conns %-11s %8.0f req/s  p50 %s  p99 %s  peak RSS %s  CPU/req %s\n",
						round+1, o.rounds, wl, c, name, m.reqPerSec, ms(m.p50), ms(m.p99), mbs(m.peakRSSKB), m.cpu)
				}
			}
		}
	}
	for key, m := range merged {
		m.Close()
		res[key].p50, res[key].p99 = m.Latencies.P50, m.Latencies.P99
	}

	var lr *lifecycleResults
	if st := o.lifecycle; st.messages > 0 || st.calls > 0 || st.sustain > 0 {
		if lr, err = runLifecycle(ctx, o, names, srvs, res, noCalls, stderr); err != nil {
			return err
		}
	}

	var report bytes.Buffer
	writeHeader(&report, o, baselineBin, pgSettings)
	writeTables(&report, res, names, o.workloads, o.concs)
	if lr != nil {
		writeLifecycleTables(&report, lr, names)
	}
	if _, err := stdout.Write(report.Bytes()); err != nil {
		return err
	}
	if o.out != "" {
		if err := os.WriteFile(o.out, report.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if lr != nil {
		if problems := lr.problems(); len(problems) > 0 {
			return fmt.Errorf("the lifecycle phases found callbacks missing:\n%s", strings.Join(problems, "\n"))
		}
	}
	return nil
}

// measurement is one closed-loop run against one server.
type measurement struct {
	reqPerSec          float64 // successful requests per second
	p50, p99           time.Duration
	requests, failures uint64
	peakRSSKB          []int64 // one per process of the server
	cpu                cpuCost // per request
}

// measure runs conns closed-loop clients against s for d, adding every result to merged
// (unless nil), and reads each of its processes' peak RSS over that time.
func measure(ctx context.Context, s *server, tgt vegeta.Targeter, conns int, d time.Duration, merged *vegeta.Metrics) (measurement, error) {
	if err := s.alive(); err != nil {
		return measurement{}, err
	}
	if err := s.resetPeakRSS(); err != nil {
		return measurement{}, fmt.Errorf("reset peak RSS of %s: %w", s.name, err)
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
	meter := startCPU(s)
	for r := range attacker.Attack(tgt, vegeta.Rate{}, d, s.name) { // zero rate: as fast as answered
		m.Add(r)
		if merged != nil {
			merged.Add(r)
		}
	}
	m.Close()
	if err := ctx.Err(); err != nil {
		return measurement{}, err
	}
	if err := s.alive(); err != nil {
		return measurement{}, err
	}
	rss, err := s.peakRSSKB()
	if err != nil {
		return measurement{}, err
	}
	out := measurement{reqPerSec: m.Throughput, p50: m.Latencies.P50, p99: m.Latencies.P99, requests: m.Requests, peakRSSKB: rss,
		cpu: meter.stop(int(m.Requests))}
	for code, n := range m.StatusCodes {
		if code[0] != '2' {
			out.failures += uint64(n)
		}
	}
	return out, nil
}

// writeHeader describes the machine and the settings of the run; pgSettings describes the
// PostgreSQL server of -postgres.
func writeHeader(w io.Writer, o options, baselineBin, pgSettings string) {
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
	if o.beforeBin != "" {
		fmt.Fprintf(w, "- %s: %s (built with %s), extra flags: %s; if it has no IncomingPhoneNumbers (an earlier version), "+
			"it sends from the number without buying it.\n", o.beforeLabel, o.beforeBin, goVersion(o.beforeBin), flagsText(o.beforeArgs))
	}
	if o.postgresURL != "" {
		rows := "postgres is Switchboard on a new database"
		if o.replicas > 1 {
			rows += fmt.Sprintf(", %s is %d Switchboards sharing another, each request going to the next of them in turn", replicatedLabel(o.replicas), o.replicas)
		}
		fmt.Fprintf(w, "- PostgreSQL: %s, on the same machine; %s (the same binary and extra flags as switchboard, which is on SQLite). "+
			"The PostgreSQL server's own CPU and memory are in no table, and it is not waited for when the harness waits for the servers to go idle.\n",
			pgSettings, rows)
	}
	seeded := "with the create workload's Body"
	if o.seedBodyChars > 0 {
		seeded = fmt.Sprintf("with Bodies of %d UCS-2 characters", o.seedBodyChars)
	}
	fmt.Fprintf(w, "- Settings: %d rounds of %s per measurement (after %s of warm-up per server and workload); "+
		"%d messages seeded on each server %s; list PageSize %d; baseline -sync %s; extra Switchboard flags: %s. "+
		"Before each measurement the harness waits until the servers are idle (together under 5%% of a core for 400 ms), "+
		"so that the deliveries a create run leaves behind are not measured with the next run.\n",
		o.rounds, o.duration, o.warmup, o.seed, seeded, o.pageSize, o.baselineSync, flagsText(o.switchboardArgs))
	if lc := o.lifecycle; lc.messages > 0 || lc.calls > 0 || lc.sustain > 0 {
		fmt.Fprintf(w, "- Lifecycle phases, after the rounds, on every Switchboard: %s.\n", lifecycleText(lc))
	}
	target := "load"
	if o.postgresURL != "" {
		target = "load-postgres" // which gives -postgres a new cluster's URL, and -replicas 2
	}
	fmt.Fprintf(w, "- Command: `make %s LOADFLAGS=%q`\n", target, loadFlags(o))
	fmt.Fprintf(w, "- Workloads: create is POST Messages.json on Switchboard, POST /messages on the baseline (the same To, From, Body); "+
		"fetch is GET Messages/{Sid}.json, GET /messages/{sid}, cycling through the seeded messages; "+
		"list is GET Messages.json?PageSize=%d, and since the baseline has no list route it fetches one message instead: "+
		"the list ratio compares rows per second, the cost per row returned.\n", o.pageSize)
	fmt.Fprintln(w, "- Columns: req/s is the median over rounds of answered-2xx requests per second; p50 and p99 are over every "+
		"request of every round; peak RSS is the highest VmHWM within one measurement, one per process for replicas; CPU/req is the CPU time "+
		"the server (its processes) + the harness (this load generator) used per request, the median of the rounds, each on its own: "+
		"what a request costs the machine, which the rates alone do not say on shared cores; failed counts non-2xx answers. "+
		"A ratio a / b compares rows per second of a and b in one round; a ratio table gives the median and the range over rounds.")
	fmt.Fprintln(w)
}

// lifecycleText says which lifecycle phases run, and how.
func lifecycleText(lc lifecycleSettings) string {
	var parts []string
	if lc.messages > 0 {
		parts = append(parts, fmt.Sprintf("%d messages end to end", lc.messages))
	}
	if lc.calls > 0 {
		parts = append(parts, fmt.Sprintf("%d calls end to end (Switchboard started with --call-speed %g)", lc.calls, lc.callSpeed))
	}
	if lc.sustain > 0 {
		rate := fmt.Sprintf("%.2f × the create workload at %d connections", lc.sustainFraction, lifecycleConns)
		if lc.sustainRate > 0 {
			rate = fmt.Sprintf("%g per second", lc.sustainRate)
		}
		parts = append(parts, fmt.Sprintf("%s of creates at %s", lc.sustain, rate))
	}
	return strings.Join(parts, "; ")
}

// flagsText is a server's extra flags, or "none".
func flagsText(args []string) string {
	if len(args) == 0 {
		return "none"
	}
	return strings.Join(args, " ")
}

// loadFlags spells the settings as flags, so that the report says how to repeat it.
func loadFlags(o options) string {
	concs := make([]string, len(o.concs))
	for i, c := range o.concs {
		concs[i] = fmt.Sprint(c)
	}
	s := fmt.Sprintf("-rounds %d -duration %s -warmup %s -concurrency %s -workloads %s -baseline-sync %s",
		o.rounds, o.duration, o.warmup, strings.Join(concs, ","), strings.Join(o.workloads, ","), o.baselineSync)
	if o.seed != 1000 || o.pageSize != 50 || o.seedBodyChars != 0 {
		s += fmt.Sprintf(" -seed %d -page-size %d -seed-body-chars %d", o.seed, o.pageSize, o.seedBodyChars)
	}
	if len(o.switchboardArgs) > 0 {
		s += fmt.Sprintf(" -switchboard-args '%s'", strings.Join(o.switchboardArgs, " "))
	}
	if o.beforeBin != "" {
		s += " -before " + o.beforeBin
		if len(o.beforeArgs) > 0 {
			s += fmt.Sprintf(" -before-args '%s'", strings.Join(o.beforeArgs, " "))
		}
		if o.beforeLabel != before {
			s += " -before-label " + o.beforeLabel
		}
	}
	if o.profileDir != "" {
		s += " -profile " + o.profileDir
	}
	// -postgres is make load-postgres's, whose cluster and URL are new every time; so is
	// -replicas 2.
	if o.postgresURL != "" && o.replicas != loadPostgresReplicas {
		s += fmt.Sprintf(" -replicas %d", o.replicas)
	}
	lc := o.lifecycle
	if lc.messages != defaultE2EMessages {
		s += fmt.Sprintf(" -e2e-messages %d", lc.messages)
	}
	if lc.calls != defaultE2ECalls {
		s += fmt.Sprintf(" -e2e-calls %d", lc.calls)
	}
	if lc.callSpeed != defaultCallSpeed && lc.calls > 0 {
		s += fmt.Sprintf(" -call-speed %g", lc.callSpeed)
	}
	if lc.sustain != defaultSustain {
		s += fmt.Sprintf(" -sustain %s", lc.sustain)
	}
	if lc.sustainRate > 0 && lc.sustain > 0 {
		s += fmt.Sprintf(" -sustain-rate %g", lc.sustainRate)
	} else if lc.sustainFraction != defaultSustainFraction && lc.sustain > 0 {
		s += fmt.Sprintf(" -sustain-fraction %g", lc.sustainFraction)
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
