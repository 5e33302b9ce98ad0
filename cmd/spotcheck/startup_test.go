package main

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcheck/storage"
	"spotcheck/storagetest"
)

// flakyProxy forwards TCP connections to target, but closes the first drop
// connections at once, as a database that restarts would.
func flakyProxy(t *testing.T, target string, drop int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if n < drop {
				c.Close()
				continue
			}
			wg.Go(func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { io.Copy(up, c); up.Close() }()
				io.Copy(c, up)
			})
		}
	})
	return ln.Addr().String()
}

// TestStartupRidesOutABlip starts serve on PostgreSQL through a proxy that
// drops the first connections: serve logs each retry and comes up.
func TestStartupRidesOutABlip(t *testing.T) {
	u, err := url.Parse(storagetest.URL(t, storage.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = flakyProxy(t, u.Host, 3)
	te := &testEnv{t: t, db: u.String(), now: time.Now}
	_, stop := te.serve("--config", filepath.Join("testdata", "spotcheck.yaml"))
	out := stop()
	if !strings.HasPrefix(out, "exit 0") || strings.Count(out, "database connection lost while starting; retrying") < 1 {
		t.Errorf("serve through a flaky connection:\n%s\nwant exit 0 after logged retries", out)
	}
}

// TestStartupGivesUp checks that serve fails clearly, exit 1, when the
// database stays away longer than SPOTCHECK_STARTUP_RETRY.
func TestStartupGivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var stdout, stderr bytes.Buffer
	err = run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--db", "postgres://postgres@" + addr + "/x?sslmode=disable"}, env{
		getenv: func(k string) string {
			if k == envStartupRetry {
				return "1s"
			}
			return ""
		},
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now,
	})
	want := regexp.MustCompile(`^open and migrate the database: the database connection failed [0-9]+ times over [0-9.]+m?s \(SPOTCHECK_STARTUP_RETRY=1s\): .*connection refused`)
	if err == nil || exitCode(err) != 1 || !want.MatchString(err.Error()) {
		t.Errorf("serve with no database = %v (exit %d), want exit 1 and %s", err, exitCode(err), want)
	}
	if n := strings.Count(stderr.String(), "retrying"); n < 2 {
		t.Errorf("serve logged %d retries, want each logged:\n%s", n, stderr.String())
	}
}
