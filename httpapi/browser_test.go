package httpapi

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spotcheck/sampling"
)

// chromium finds the headless browser: $SPOTCHECK_CHROMIUM, or Debian's
// chromium. Without one the test is skipped, or fails under CI, which
// installs it (.ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SPOTCHECK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium found: CI must run the browser test (apt-get install chromium)")
	}
	t.Skip("browser test skipped: install chromium (apt-get install chromium) or set SPOTCHECK_CHROMIUM")
	return ""
}

// TestInspectorPages drives the inspectors' pages in headless Chromium, as
// a phone would: sign in with a token, see one's own tasks only, fail a
// form and see the message next to the field, record a result, close the
// task. A screenshot of each page is saved as a test artefact.
func TestInspectorPages(t *testing.T) {
	exe := chromium(t)
	f := newFixture(t, "sqlite")
	// Not t.TempDir: the browser's helper processes may still write to its
	// profile while the test's temporary directories are removed.
	profile, err := os.MkdirTemp("", "spotcheck-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(412, 915), // a phone
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// A bound on a hung browser, not a performance goal.
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()

	shots := t.ArtifactDir()
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var png []byte
			if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	var heading string
	run("open the sign-in page",
		chromedp.Navigate(f.srv.URL+"/inspect"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.Text("h1", &heading),
		shot("1-login"),
	)
	if heading != "登录" {
		t.Errorf("sign-in heading = %q, want 登录 (Simplified Chinese by default)", heading)
	}
	run("sign in with a bad token",
		chromedp.SendKeys("#token", "spc_000000000000_wrong", chromedp.ByID),
		chromedp.Submit("#login", chromedp.ByID),
		chromedp.WaitVisible("p.error"),
	)

	var ids []string
	run("sign in as inspector A",
		chromedp.SetValue("#token", f.tokens["A"], chromedp.ByID),
		chromedp.Submit("#login", chromedp.ByID),
		chromedp.WaitVisible("#open", chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("li.task")).map(e => e.dataset.task)`, &ids),
		shot("2-tasks"),
	)
	var want []string
	for _, id := range f.tasksOf("I001") {
		want = append(want, strconv.FormatInt(id, 10))
	}
	slices.Sort(ids)
	if !slices.Equal(ids, want) {
		t.Errorf("inspector A's page lists tasks %v, want only A's own %v", ids, want)
	}

	task := f.taskA
	var fieldError, state string
	run("fail a result without failed items",
		chromedp.Click(fmt.Sprintf(`li[data-task="%d"] a`, task)),
		chromedp.WaitVisible("#result-form", chromedp.ByID),
		shot("3-task"),
		chromedp.Click("#outcome-fail", chromedp.ByID),
		chromedp.SetValue("#report_no", "R-2026-77", chromedp.ByID),
		chromedp.Submit("#result-form", chromedp.ByID),
		chromedp.WaitVisible("#failed_items-error", chromedp.ByID),
		chromedp.Text("#failed_items-error", &fieldError, chromedp.ByID),
		shot("4-validation"),
	)
	if fieldError != "不合格的批次须写明不合格项目" {
		t.Errorf("message next to failed items = %q, want 不合格的批次须写明不合格项目 (a failure names its failed items, in Chinese)", fieldError)
	}
	run("record the result",
		chromedp.SetValue("#failed_items", "纤维含量", chromedp.ByID),
		chromedp.Submit("#result-form", chromedp.ByID),
		chromedp.WaitVisible("#close-form", chromedp.ByID),
		chromedp.Text("#state", &state, chromedp.ByID),
		shot("5-tested"),
	)
	if state != "已检验" {
		t.Errorf("state after the result = %q, want 已检验 (tested)", state)
	}
	run("close the task",
		chromedp.Submit("#close-form", chromedp.ByID),
		chromedp.WaitNotPresent("#close-form", chromedp.ByID),
		chromedp.Text("#state", &state, chromedp.ByID),
		shot("6-closed"),
	)
	if state != "已办结" {
		t.Errorf("state after closing = %q, want 已办结 (closed)", state)
	}
	// The sampling form of another task, left empty, in both languages:
	// every message next to its field, in the page's language.
	var other int64
	for _, id := range f.tasksOf("I001") {
		if id != task {
			other = id
			break
		}
	}
	for _, c := range []struct {
		lang                  string
		batch, quantity, seal string
	}{
		{"zh", "请填写所抽产品的批号", "请填写抽样件数（1 到 100000）", "请至少填写一个封条编号"},
		{"en", "give the batch or lot number of the sampled products", "give the number of pieces taken, from 1 to 100000", "give the number of at least one seal"},
	} {
		var batch, quantity, seal, alert, testedOn string
		run("submit an empty sampling form in "+c.lang,
			chromedp.Navigate(fmt.Sprintf("%s/inspect/tasks/%d?lang=%s", f.srv.URL, other, c.lang)),
			chromedp.WaitVisible("#sample-form", chromedp.ByID),
			chromedp.SetValue("#quantity", "0", chromedp.ByID),
			chromedp.Submit("#sample-form", chromedp.ByID),
			chromedp.WaitVisible("#batch_no-error", chromedp.ByID),
			chromedp.Text("#batch_no-error", &batch, chromedp.ByID),
			chromedp.Text("#quantity-error", &quantity, chromedp.ByID),
			chromedp.Text("#seals-error", &seal, chromedp.ByID),
			chromedp.Text("p.error[role=alert]", &alert),
			chromedp.Value("#tested_on", &testedOn, chromedp.ByID),
			shot("8-validation-"+c.lang),
		)
		if batch != c.batch || quantity != c.quantity || seal != c.seal {
			t.Errorf("%s: messages = %q, %q, %q; want %q, %q, %q", c.lang, batch, quantity, seal, c.batch, c.quantity, c.seal)
		}
		if want := map[string]string{"zh": "请更正标出的内容。", "en": "Please correct the marked fields."}[c.lang]; alert != want {
			t.Errorf("%s: page message = %q, want %q", c.lang, alert, want)
		}
		if want := f.clock.now().In(f.cfg.Location).Format(time.DateOnly); testedOn != want {
			t.Errorf("%s: the result form's test date after a failed sampling form = %q, want today %s", c.lang, testedOn, want)
		}
	}
	var doneIDs []string
	run("see the task done, in English",
		chromedp.Navigate(f.srv.URL+"/inspect?lang=en"),
		chromedp.WaitVisible("#done", chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#done li.task")).map(e => e.dataset.task)`, &doneIDs),
		chromedp.Text("h1", &heading),
		shot("7-list-en"),
	)
	if !slices.Contains(doneIDs, strconv.FormatInt(task, 10)) || heading != "To do" {
		t.Errorf("after closing, done tasks %v and heading %q; want task %d done and English labels", doneIDs, heading, task)
	}
	run("another inspector's task is not found",
		chromedp.Navigate(fmt.Sprintf("%s/inspect/tasks/%d", f.srv.URL, f.taskB)),
		chromedp.WaitReady("body"),
		chromedp.Text("body", &heading),
	)
	if !strings.Contains(heading, "404") {
		t.Errorf("inspector A opening B's task page shows %q, want 404", heading)
	}
	d, err := f.store.TaskDetail(t.Context(), task, sampling.Today(f.clock.now(), shanghai))
	if err != nil || d.Status != "closed" || d.Result == nil || d.Result.FailedItems != "纤维含量" {
		t.Errorf("stored task after the browser = %+v (%v), want closed with its failed result", d, err)
	}
	t.Logf("screenshots in %s", shots)
}
