package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spotcheck/storage/storagetest"
)

// TestHelp checks that --help (and -h) prints the command's usage once, to
// stdout, and exits 0, for every command and subcommand.
func TestHelp(t *testing.T) {
	commands := [][]string{
		{}, {"serve"}, {"migrate"}, {"version"}, {"import"}, {"schedules"},
		{"schedule"}, {"schedule", "pause"}, {"schedule", "resume"}, {"schedule", "history"},
		{"plan"}, {"plan", "run"}, {"plan", "show"}, {"plan", "verify"},
		{"plans"}, {"rates"}, {"rates", "rebuild"},
		{"result"}, {"result", "history"}, {"result", "correct"}, {"result", "object"},
		{"audit"}, {"audit", "verify"}, {"audit", "log"},
		{"token"}, {"token", "create"}, {"token", "list"}, {"token", "revoke"},
		{"aql"}, {"execution"}, {"bulletin"}, {"notifications"}, {"notifications", "retry"},
		{"announcements"}, {"beacon"}, {"beacon", "enter"}, {"beacon", "fetch"}, {"key"},
	}
	for _, cmd := range commands {
		for _, flag := range []string{"--help", "-h"} {
			args := append(append([]string{}, cmd...), flag)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				err := run(t.Context(), args, env{
					getenv: func(string) string { return "" },
					stdin:  strings.NewReader(""),
					stdout: &stdout, stderr: &stderr, now: time.Now,
				})
				if err != nil {
					t.Fatalf("run(%q) = %v, want nil (exit 0)", args, err)
				}
				if stderr.Len() != 0 {
					t.Errorf("run(%q) wrote to stderr:\n%s", args, stderr.String())
				}
				out := stdout.String()
				if n := strings.Count(out, "Usage"); n != 1 {
					t.Errorf("run(%q) printed Usage %d times, want once:\n%s", args, n, out)
				}
				if want := strings.Join(cmd, " "); !strings.Contains(out, want) {
					t.Errorf("run(%q) usage does not name %q:\n%s", args, want, out)
				}
			})
		}
	}
}

// TestBadFlagUsageOnce checks that an unknown flag prints the usage once, to
// stderr, and exits 2 with the error.
func TestBadFlagUsageOnce(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"plans", "--nosuch"}, env{
		getenv: func(string) string { return "" }, stdin: strings.NewReader(""),
		stdout: &stdout, stderr: &stderr, now: time.Now,
	})
	if code := exitCode(err); err == nil || code != 2 || err.Error() != "flag provided but not defined: -nosuch" {
		t.Errorf("plans --nosuch = %v (exit %d), want exit 2 with the flag named", err, code)
	}
	if stdout.Len() != 0 || strings.Count(stderr.String(), "Usage: spotcheck plans") != 1 || strings.Contains(stderr.String(), "not defined") {
		t.Errorf("plans --nosuch printed stdout %q, stderr %q; want the usage once on stderr", stdout.String(), stderr.String())
	}
}

// TestTableDisplayWidth checks that columns line up by display width with
// Chinese text: a Chinese character takes two terminal columns.
func TestTableDisplayWidth(t *testing.T) {
	var b bytes.Buffer
	tb := newTable(&b, "COUNTY", "ENTERPRISE", "RATE")
	tb.row("姑苏区", "苏州市纺织品有限公司", "97.50%")
	tb.row("wujiang", "Acme", "100.00%")
	tb.row("吴江区", "ä-Ω", "—")
	if err := tb.flush(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"COUNTY   ENTERPRISE            RATE\n" +
		"姑苏区   苏州市纺织品有限公司  97.50%\n" +
		"wujiang  Acme                  100.00%\n" +
		"吴江区   ä-Ω                   —\n"
	if got := b.String(); got != want {
		t.Errorf("table =\n%s\nwant\n%s", got, want)
	}
}

// TestProgress checks that an import shows its progress on a terminal and
// prints nothing but its result when stderr is not one.
func TestProgress(t *testing.T) {
	cfg := filepath.Join("testdata", "spotcheck.yaml")
	for _, terminal := range []bool{false, true} {
		db := "sqlite:" + filepath.Join(t.TempDir(), "spotcheck.db")
		// The bar's spinner redraws from its own goroutine.
		var stdout, stderr storagetest.LogBuffer
		err := run(t.Context(), []string{"import", "enterprises", filepath.Join("testdata", "enterprises.csv"), "--config", cfg, "--db", db}, env{
			getenv: func(string) string { return "" }, stdin: strings.NewReader(""),
			stdout: &stdout, stderr: &stderr, now: time.Now, terminal: terminal,
		})
		if err != nil || !strings.HasPrefix(stdout.String(), "imported ") {
			t.Fatalf("import (terminal %v) = %v, stdout %q", terminal, err, stdout.String())
		}
		shown := strings.Contains(stderr.String(), "importing enterprises") && strings.Contains(stderr.String(), "checking and storing enterprises")
		if terminal != shown || (!terminal && stderr.String() != "") {
			t.Errorf("import (terminal %v) wrote to stderr %q; want progress only on a terminal", terminal, stderr.String())
		}
	}
}
