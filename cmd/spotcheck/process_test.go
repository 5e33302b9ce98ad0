package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"spotcheck/storage/storagetest"
)

// buildBinary builds spotcheck into a temporary directory, with -race when
// the test runs with it so that the build reuses the compiled packages.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spotcheck")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("end-to-end tests need the go tool on PATH: %v", err)
	}
	if out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a `spotcheck serve` running as a process of its own.
type process struct {
	name   string
	cmd    *exec.Cmd
	base   string // http://host:port
	log    *storagetest.LogBuffer
	exited chan struct{}
}

// startServe starts `spotcheck serve` on db with cfg and waits until it
// answers /healthz. extraEnv adds NAME=VALUE settings. It is killed when
// the test ends; its log is shown when the test fails.
func startServe(t testing.TB, name, bin, db, cfg string, extraEnv ...string) *process {
	t.Helper()
	addr := freeAddr(t)
	p := &process{name: name, base: "http://" + addr, log: &storagetest.LogBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--db", db, "--config", cfg, "--listen", addr)
	p.cmd.Env = append(os.Environ(), append([]string{"SPOTCHECK_LOG_LEVEL=info"}, extraEnv...)...)
	p.cmd.Stdout, p.cmd.Stderr = io.Discard, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, p.log)
		}
	})
	waitFor(t, 30*time.Second, name+" to answer /healthz", func() bool {
		if p.done() {
			t.Fatalf("%s exited before serving: %s", name, p.log)
		}
		resp, err := http.Get(p.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

func (p *process) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill ends the process with SIGKILL: no shutdown, connections dropped.
func (p *process) kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", p.name, err)
	}
	<-p.exited
}

// term sends SIGTERM and returns the exit code, failing the test if the
// process does not exit within limit.
func (p *process) term(t testing.TB, limit time.Duration) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %s: %v", p.name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(limit):
		t.Fatalf("%s did not exit within %v of SIGTERM", p.name, limit)
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitLog waits for a log line containing substr after the first from
// bytes of the log, and returns the line and the log's length after it.
func (p *process) waitLog(t testing.TB, from int, limit time.Duration, substr string) (string, int) {
	t.Helper()
	var line string
	end := 0
	waitFor(t, limit, fmt.Sprintf("%s to log %q", p.name, substr), func() bool {
		log := p.log.String()
		i := strings.Index(log[from:], substr)
		if i < 0 {
			return false
		}
		start := strings.LastIndexByte(log[:from+i], '\n') + 1
		n := strings.IndexByte(log[from+i:], '\n')
		if n < 0 {
			return false
		}
		line, end = log[start:from+i+n], from+i+n+1
		return true
	})
	return line, end
}

var nominalAttr = regexp.MustCompile(`nominal_time=(\S+)`)

// heldFire returns the nominal time in a test hook's log line.
func heldFire(t *testing.T, line string) time.Time {
	t.Helper()
	m := nominalAttr.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no nominal_time in %q", line)
	}
	at, err := time.Parse(time.RFC3339Nano, m[1])
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func ready(base string) bool { return status(base+"/readyz") == http.StatusOK }

// proxy forwards TCP connections to a target until cut: then it drops the
// open connections and refuses new ones, as a database that went away.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup // the accept loop and the copies
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Go(p.serve)
	t.Cleanup(func() {
		ln.Close()
		p.setCut(true)
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[u] = true, true
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		p.wg.Go(func() { pipe(u, c) })
		p.wg.Go(func() { pipe(c, u) })
	}
}

// setCut cuts the database off, or restores it.
func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}
