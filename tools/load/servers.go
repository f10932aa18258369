package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// process is one server under test, started by the harness and stopped by it.
type process struct {
	name    string
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	logPath string // its stdout and stderr
	done    chan struct{}
}

// buildBaseline compiles the reference server's source directory into dir. It builds
// from a copy, since the source may be read-only and go build may want to write
// go.sum.
func buildBaseline(ctx context.Context, src, dir string) (string, error) {
	copyDir := filepath.Join(dir, "baseline-src")
	if err := os.MkdirAll(copyDir, 0o755); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", fmt.Errorf("baseline source: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(copyDir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, "baseline")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = copyDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build baseline from %s: %w\n%s", src, err, out)
	}
	return bin, nil
}

// freePort asks the kernel for a free loopback port. Another process could take it
// before the server binds it; on a machine running a benchmark that is unlikely, and
// the server would then fail to start, loudly.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startProcess runs bin with args (addrArg is given the listen address) and waits until
// it answers HTTP on readyPath. It dies with the harness (Pdeathsig), so no server
// outlives a harness that was killed.
func startProcess(ctx context.Context, name, bin, dir, addrArg string, args []string, readyPath string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := &process{name: name, base: "http://" + addr, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	p.cmd = exec.Command(bin, append([]string{addrArg, addr}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }() //nolint:errcheck // the exit is reported by stop or waitReady

	if err := p.waitReady(ctx, readyPath); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitReady polls until the server answers readyPath with any HTTP response.
func (p *process) waitReady(ctx context.Context, readyPath string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(p.base + readyPath)
		if err == nil {
			io.Copy(io.Discard, resp.Body) //nolint:errcheck // only the answer matters
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before answering: %s\n%s", p.name, p.cmd.ProcessState, p.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s within 30s\n%s", p.name, readyPath, p.logTail())
		}
	}
}

// stop asks the server to shut down (SIGTERM) and kills it if it has not after 10s.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have just exited
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill() //nolint:errcheck // as above
		<-p.done
	}
}

// alive reports an error if the server has exited.
func (p *process) alive() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited: %s\n%s", p.name, p.cmd.ProcessState, p.logTail())
	default:
		return nil
	}
}

// resetPeakRSS starts a new peak resident set size for the process ("5" to clear_refs,
// Linux 4.0 and later), so that the next peakRSSKB is the peak since now.
func (p *process) resetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

// peakRSSKB is the process's peak resident set size (VmHWM), in kB.
func (p *process) peakRSSKB() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmHWM(f)
}

// cpuTicks is the CPU time the process has used so far, user and system, in clock
// ticks (USER_HZ, a hundredth of a second on Linux).
func (p *process) cpuTicks() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseCPUTicks(string(data))
}

// cpuMeter measures the CPU time a server's processes and the harness itself (its load
// generator and callback receiver) use between start and stop: what a request, or a
// message's whole life, costs the machine, which rates alone do not tell on shared cores.
type cpuMeter struct {
	s                *server
	serverTicks      int64
	harness          time.Duration
	serverOK, selfOK bool
}

// startCPU starts a cpuMeter of s.
func startCPU(s *server) *cpuMeter {
	m := &cpuMeter{s: s}
	m.serverTicks, m.serverOK = s.cpuTicks()
	m.harness, m.selfOK = selfCPU()
	return m
}

// cpuCost is the CPU time per operation, of the server and of the harness, over n operations.
type cpuCost struct {
	server, harness time.Duration
	ok              bool // false when unknown (no /proc, or no operations)
}

// stop returns the CPU time used since start per operation, over n.
func (m *cpuMeter) stop(n int) cpuCost {
	ticks, ok1 := m.s.cpuTicks()
	self, ok2 := selfCPU()
	if !(m.serverOK && m.selfOK && ok1 && ok2) || n <= 0 {
		return cpuCost{}
	}
	return cpuCost{server: time.Duration(ticks-m.serverTicks) * 10 * time.Millisecond / time.Duration(n),
		harness: (self - m.harness) / time.Duration(n), ok: true}
}

// String is "0.37 + 0.08 ms": the server's and the harness's CPU time per operation.
func (c cpuCost) String() string {
	if !c.ok {
		return "?"
	}
	return fmt.Sprintf("%.2f + %.2f ms", float64(c.server)/float64(time.Millisecond), float64(c.harness)/float64(time.Millisecond))
}

// selfCPU is the CPU time, user and system, this process has used so far.
func selfCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// parseCPUTicks reads utime and stime, the 14th and 15th fields of /proc/<pid>/stat.
// The second field, the command name in parentheses, may itself hold spaces and
// parentheses: the fields are counted from the last ')'.
func parseCPUTicks(stat string) (int64, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("unexpected /proc/<pid>/stat: %q", stat)
	}
	fields := strings.Fields(stat[end+1:]) // from the 3rd field, the state, on
	if len(fields) < 13 {
		return 0, fmt.Errorf("unexpected /proc/<pid>/stat: %q", stat)
	}
	var total int64
	for _, f := range fields[11:13] { // utime, stime
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc/<pid>/stat: %q", stat)
		}
		total += n
	}
	return total, nil
}

// Idle, for waitIdle: the servers together used at most idleTicks of CPU in each of
// idleWindows consecutive windows of idleWindow (10 ms in 200 ms: 5% of one core).
const (
	idleWindow  = 200 * time.Millisecond
	idleTicks   = 1
	idleWindows = 2
)

// waitIdle waits until every server has finished the work an earlier measurement left
// behind: Switchboard delivers the messages a create run sent for seconds after it, and
// that work would otherwise be measured as part of the next run, of whichever server.
// It gives up after limit and says so, and returns how long it waited.
func waitIdle(ctx context.Context, procs []*process, limit time.Duration, log io.Writer) (time.Duration, error) {
	start := time.Now()
	last := int64(-1)
	quiet := 0
	for {
		for _, p := range procs {
			if err := p.alive(); err != nil {
				return 0, err
			}
		}
		now, err := cpuTicksOf(procs)
		if err != nil {
			return 0, err
		}
		if last >= 0 && now-last <= idleTicks {
			quiet++
		} else if last >= 0 {
			quiet = 0
		}
		if quiet >= idleWindows {
			return time.Since(start), nil
		}
		if time.Since(start) > limit {
			fmt.Fprintf(log, "the servers did not go idle within %s: measuring anyway\n", limit)
			return time.Since(start), nil
		}
		last = now
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(idleWindow):
		}
	}
}

// logTail is the end of the server's log, for error messages.
func (p *process) logTail() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

// server is one row of the report: one process, or the replicas of postgres×N, several
// Switchboards sharing one PostgreSQL database, over which the harness spreads its
// requests in turn.
type server struct {
	name  string
	procs []*process
	apis  []*api // procs[i]'s
}

// cpuTicks is the CPU time all of the server's processes have used so far, in clock
// ticks; false when it cannot be read.
func (s *server) cpuTicks() (int64, bool) {
	t, err := cpuTicksOf(s.procs)
	return t, err == nil
}

// cpuTicksOf is the CPU time procs have used so far, together, in clock ticks.
func cpuTicksOf(procs []*process) (int64, error) {
	var sum int64
	for _, p := range procs {
		t, err := p.cpuTicks()
		if err != nil {
			return 0, err
		}
		sum += t
	}
	return sum, nil
}

// alive reports an error if any of the server's processes has exited.
func (s *server) alive() error {
	for _, p := range s.procs {
		if err := p.alive(); err != nil {
			return err
		}
	}
	return nil
}

// resetPeakRSS starts a new peak resident set size for each process.
func (s *server) resetPeakRSS() error {
	for _, p := range s.procs {
		if err := p.resetPeakRSS(); err != nil {
			return err
		}
	}
	return nil
}

// peakRSSKB is each process's peak resident set size since resetPeakRSS, in kB.
func (s *server) peakRSSKB() ([]int64, error) {
	out := make([]int64, len(s.procs))
	for i, p := range s.procs {
		kb, err := p.peakRSSKB()
		if err != nil {
			return nil, err
		}
		out[i] = kb
	}
	return out, nil
}

// targeter is the workload's requests, spread over the replicas.
func (s *server) targeter(workload string, sids []string) vegeta.Targeter {
	ts := make([]vegeta.Targeter, len(s.apis))
	for i, a := range s.apis {
		ts[i] = a.targeter(workload, sids)
	}
	return spread(ts)
}

// post is POSTs of form to the URL that target picks from each replica's api, spread
// over the replicas.
func (s *server) post(target func(*api) string, form string) vegeta.Targeter {
	ts := make([]vegeta.Targeter, len(s.apis))
	for i, a := range s.apis {
		ts[i] = a.postTargeter(target(a), form)
	}
	return spread(ts)
}

// spread takes each request from the next of ts in turn: given one targeter per
// replica, a closed loop of N connections keeps about N/len(ts) requests in flight on
// each replica.
func spread(ts []vegeta.Targeter) vegeta.Targeter {
	if len(ts) == 1 {
		return ts[0]
	}
	var next atomic.Uint64
	return func(t *vegeta.Target) error {
		return ts[(next.Add(1)-1)%uint64(len(ts))](t)
	}
}
