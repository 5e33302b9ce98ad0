package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// demoRun is a running serve --demo with the tokens it printed.
type demoRun struct {
	base, admin, inspector string
	stop                   func() string
}

// serveDemo starts serve --demo on te's database and waits for its tokens.
func serveDemo(te *testEnv) demoRun {
	t := te.t
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr storagetest.LogBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--listen", addr, "--db", te.db}, env{
			getenv: func(k string) string {
				if k == "SPOTCHECK_LOG_LEVEL" {
					return "warn"
				}
				return ""
			},
			stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: te.now,
		})
	}()
	stopped := false
	stop := func() string {
		if stopped {
			return ""
		}
		stopped = true
		cancel()
		code := 0
		if err := <-done; err != nil {
			code = exitCode(err)
		}
		return fmt.Sprintf("exit %d\n%s", code, stderr.String())
	}
	// Stopped at the end even when its tokens never come: a demo left
	// running would race with later tests.
	t.Cleanup(func() { stop() })
	tokens := regexp.MustCompile(`demo admin token \(valid 24h\):\s+(\S+)[\s\S]*demo inspector I001 token:\s+(\S+)`)
	var m []string
	waitFor(t, 90*time.Second, "the demo's tokens", func() bool {
		m = tokens.FindStringSubmatch(stdout.String())
		return m != nil
	})
	return demoRun{base: "http://" + addr, admin: m[1], inspector: m[2], stop: stop}
}

// get sends a GET with an optional bearer token and returns status and body.
func get(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// readmeCommands returns the lines of the README's "Two commands" section
// that run spotcheck or curl, in order.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "## Two commands")
	end := strings.Index(text[start:], "Run the tests")
	var cmds []string
	sc := bufio.NewScanner(strings.NewReader(text[start : start+end]))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "  #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if (strings.HasPrefix(line, "go run ./cmd/spotcheck ") && !strings.Contains(line, " serve ")) || strings.HasPrefix(line, "curl ") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// splitArgs splits a shell command line with double-quoted arguments.
func splitArgs(line string) []string {
	var args []string
	for _, m := range regexp.MustCompile(`"([^"]*)"|(\S+)`).FindAllStringSubmatch(line, -1) {
		if m[2] != "" {
			args = append(args, m[2])
		} else {
			args = append(args, m[1])
		}
	}
	return args
}

// TestDemoFirstHour is a newcomer's first hour with the demo: every command
// of the README's demo section works as written against the running demo,
// plans close and are published, the demo inspector has tasks to do in the
// browser, and a restart's tokens replace the earlier ones.
func TestDemoFirstHour(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	dir := t.TempDir()
	d := serveDemo(te)

	// Some plans close within a minute; the demo inspector's tasks wait.
	var closedID int64
	waitFor(t, 90*time.Second, "a closed, published plan", func() bool {
		_, body := get(t, d.base+"/api/v1/public/plans", "")
		var list struct {
			Plans []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"plans"`
		}
		json.Unmarshal(body, &list)
		for _, p := range list.Plans {
			if p.Status == "closed" {
				closedID = p.ID
				return true
			}
		}
		return false
	})
	var assigned int64
	waitFor(t, 60*time.Second, "an assigned task of the demo inspector", func() bool {
		_, body := get(t, d.base+"/api/v1/tasks", d.inspector)
		var list struct {
			Tasks []struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			} `json:"tasks"`
		}
		json.Unmarshal(body, &list)
		for _, task := range list.Tasks {
			if task.State == "assigned" {
				assigned = task.ID
				return true
			}
		}
		return false
	})

	cmds := readmeCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("README demo section has %d commands, want the walk-through", len(cmds))
	}
	for _, line := range cmds {
		line = strings.ReplaceAll(line, "/plans/ID", fmt.Sprintf("/plans/%d", closedID))
		line = strings.ReplaceAll(line, "plan.json", filepath.Join(dir, "plan.json"))
		t.Run(line, func(t *testing.T) {
			if rest, ok := strings.CutPrefix(line, "curl -s "); ok {
				url, token, save := rest, "", ""
				if strings.HasPrefix(url, "-H ") {
					url, token = url[strings.Index(url, "http"):], d.admin
				}
				if i := strings.Index(url, " > "); i >= 0 {
					url, save = url[:i], url[i+3:]
				}
				url = strings.Replace(strings.TrimSpace(url), "http://127.0.0.1:8080", d.base, 1)
				status, body := get(t, url, token)
				if status != http.StatusOK || !json.Valid(body) {
					t.Fatalf("GET %s = %d, want 200 and JSON:\n%.500s", url, status, body)
				}
				if save != "" {
					if err := os.WriteFile(save, body, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			args := splitArgs(strings.TrimPrefix(line, "go run ./cmd/spotcheck "))
			out, stderr, code := te.run(t.Context(), "", args...)
			if code != 0 || strings.TrimSpace(out+stderr) == "" {
				t.Fatalf("exit %d, want 0 and output\n%s%s", code, out, stderr)
			}
			if strings.Contains(stderr, "none configured") || strings.Contains(stderr, "no schedule") {
				t.Errorf("the command did not find the demo's configuration:\n%s", stderr)
			}
			t.Logf("%s%s", out, stderr)
		})
	}

	// The README's metric table names every family the demo exports.
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, m := range regexp.MustCompile("`(spotcheck_[a-z_]+)_\\*`").FindAllStringSubmatch(string(readme), -1) {
		prefixes = append(prefixes, m[1]+"_")
	}
	for name := range scrape(t, d.base) {
		if !strings.HasPrefix(name, "spotcheck_") || strings.Contains(string(readme), "`"+name+"`") {
			continue
		}
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			t.Errorf("README's metric table lacks %s", name)
		}
	}

	// The demo inspector records a result in the browser; the page names
	// the task's inspectors.
	var state, inspectors, who string
	browse(t, "record a result on an assigned task",
		chromedp.Navigate(d.base+"/inspect"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SetValue("#token", d.inspector, chromedp.ByID),
		chromedp.Submit("#login", chromedp.ByID),
		chromedp.WaitVisible("#open", chromedp.ByID),
		chromedp.Text("#who", &who, chromedp.ByID),
		chromedp.Click(fmt.Sprintf(`li[data-task="%d"] a`, assigned)),
		chromedp.WaitVisible("#result-form", chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("dt")).find(e => e.nextElementSibling && e.nextElementSibling.textContent.includes("(I001)")).nextElementSibling.textContent`, &inspectors),
		chromedp.Click("#outcome-pass", chromedp.ByID),
		chromedp.SetValue("#report_no", "R-DEMO-1", chromedp.ByID),
		chromedp.Submit("#result-form", chromedp.ByID),
		chromedp.WaitVisible("#close-form", chromedp.ByID),
		chromedp.Text("#state", &state, chromedp.ByID),
	)
	if !regexp.MustCompile(`^\p{Han}+ \(I001\)$`).MatchString(who) {
		t.Errorf("the page's header names the inspector %q, want the name and the id", who)
	}
	if state != "已检验" {
		t.Errorf("state after recording the result = %q, want 已检验 (tested)", state)
	}
	if !regexp.MustCompile(`^\p{Han}+ \(I001\), \p{Han}+ \(I\d{3}\)$|^\p{Han}+ \(I\d{3}\), \p{Han}+ \(I001\)$`).MatchString(inspectors) {
		t.Errorf("the task page lists inspectors %q, want their names with their ids", inspectors)
	}

	// A restart's tokens replace the earlier run's.
	if out := d.stop(); !strings.HasPrefix(out, "exit 0") {
		t.Fatalf("demo after cancellation: %s", out)
	}
	again := serveDemo(te)
	if status, _ := get(t, again.base+"/api/v1/rates", d.admin); status != http.StatusUnauthorized {
		t.Errorf("the earlier run's admin token after a restart = %d, want 401", status)
	}
	if status, _ := get(t, again.base+"/api/v1/tasks", d.inspector); status != http.StatusUnauthorized {
		t.Errorf("the earlier run's inspector token after a restart = %d, want 401", status)
	}
	if status, _ := get(t, again.base+"/api/v1/rates", again.admin); status != http.StatusOK {
		t.Errorf("the new admin token = %d, want 200", status)
	}
}

// browse runs actions in a headless Chromium sized as a phone, as
// httpapi's TestInspectorPages does; without Chromium the test is skipped
// (CI installs it).
func browse(t *testing.T, what string, actions ...chromedp.Action) {
	t.Helper()
	exe := ""
	for _, p := range []string{os.Getenv("SPOTCHECK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); p != "" && err == nil {
			exe = path
			break
		}
	}
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium found: CI must run the browser test (apt-get install chromium)")
		}
		t.Skip("browser test skipped: install chromium or set SPOTCHECK_CHROMIUM")
	}
	profile, err := os.MkdirTemp("", "spotcheck-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.NoFirstRun, chromedp.UserDataDir(profile), chromedp.WindowSize(412, 915))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// A bound on a hung browser, not a performance goal.
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()
	var png []byte
	actions = append(actions, chromedp.FullScreenshot(&png, 100))
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	os.WriteFile(filepath.Join(t.ArtifactDir(), "demo-inspector.png"), png, 0o644)
}
