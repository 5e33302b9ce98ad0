package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spotcheck/publication"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

const beaconTestConfig = `timezone: Asia/Shanghai
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
      - {id: childrens-garments, name: 童装, tier: key}
schedules:
  - name: textiles-public
    industry: textiles
    cron: "0 9 1 * *"
    batches: 4
    seed: beacon
    beacon: {kind: text, description: 福彩3D开奖号码, template: "digits:3", after: 1d}
`

// TestBeaconCommands runs a public draw end to end with the real commands:
// plan run announces, a value in another syntax is refused, beacon enter
// draws the one plan, a second entry is refused, the closed plan's public
// record verifies offline from the file alone and names what fails when
// an announcement is withheld from it.
func TestBeaconCommands(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	ctx := t.Context()
	cfg := filepath.Join(t.TempDir(), "spotcheck.yaml")
	if err := os.WriteFile(cfg, []byte(beaconTestConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	te.importRegistry(cfg)
	te.now = func() time.Time { return time.Now().Add(-40 * 24 * time.Hour) }
	for i := range 2 { // two fires: two announcements in the chain
		te.now = func() time.Time { return time.Now().Add(-time.Duration(40+i) * 24 * time.Hour) }
		out, stderr, code := te.run(ctx, "", "plan", "run", "textiles-public", "--config", cfg)
		if code != 0 || !strings.HasPrefix(out, fmt.Sprintf("announcement %d (hash ", i+1)) || !strings.Contains(out, fmt.Sprintf("spotcheck beacon enter %d VALUE", i+1)) {
			t.Fatalf("plan run (beacon schedule): exit %d\n%s%s", code, out, stderr)
		}
	}
	if _, stderr, code := te.run(ctx, "", "plan", "run", "textiles-public", "--config", cfg, "--seed-from", "517"); code != 2 || !strings.Contains(stderr, "beacon") {
		t.Errorf("plan run --seed-from on a beacon schedule: exit %d %s; want 2", code, stderr)
	}
	out, _, _ := te.run(ctx, "", "announcements", "--config", cfg)
	if !strings.Contains(out, "text digits:3 (福彩3D开奖号码)") || strings.Count(out, "awaiting beacon") != 2 {
		t.Errorf("announcements:\n%s", out)
	}
	if _, stderr, code := te.run(ctx, "", "beacon", "enter", "2", "5 17", "--config", cfg); code != 2 || !strings.Contains(stderr, "2 groups of digits") {
		t.Errorf("beacon enter 2 '5 17': exit %d %s; want 2 and the template's reason", code, stderr)
	}
	dry := te.planJSON("beacon", "enter", "2", "５１７", "--dry-run", "--config", cfg)
	plan := te.planJSON("beacon", "enter", "2", "517", "--config", cfg)
	if plan.ID == 0 || plan.Commitment != dry.Commitment || len(plan.Tasks) != 4 {
		t.Fatalf("beacon enter: plan %d commitment %s (dry run %s), %d tasks", plan.ID, plan.Commitment, dry.Commitment, len(plan.Tasks))
	}
	if _, stderr, code := te.run(ctx, "", "beacon", "enter", "2", "518", "--config", cfg); code != 1 || !strings.Contains(stderr, "exactly one plan") {
		t.Errorf("second beacon enter: exit %d %s; want 1, the plan drawn already", code, stderr)
	}
	out, stderr, code := te.run(ctx, "", "plan", "verify", fmt.Sprint(plan.ID), "--config", cfg)
	if code != 0 || !strings.Contains(out, "announcement 2: the chain up to it holds") {
		t.Errorf("plan verify %d (beacon plan): exit %d\n%s%s", plan.ID, code, out, stderr)
	}
	// Someone with the database rewrites the recorded value: caught.
	te.exec(`UPDATE announcements SET beacon_value = '{"kind":"text","text":"518"}' WHERE sequence = 2`)
	out, _, code = te.run(ctx, "", "plan", "verify", fmt.Sprint(plan.ID), "--config", cfg)
	if code != 1 || !strings.Contains(out, "mismatch: seed: "+plan.Seed+" is not") {
		t.Errorf("plan verify %d after the beacon value was rewritten: exit %d\n%s", plan.ID, code, out)
	}
	te.exec(`UPDATE announcements SET beacon_value = '{"kind":"text","text":"517"}' WHERE sequence = 2`)
	keyOut, _, _ := te.run(ctx, "", "key")
	if !strings.Contains(keyOut, "fingerprint  ") {
		t.Errorf("key: %s", keyOut)
	}

	te.now = time.Now
	admin, _, _ := te.run(ctx, "", "token", "create", "--role", "admin")
	base, _ := te.serve("--config", cfg)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/plans/close", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(admin))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("close plans: %v %v", resp, err)
	}
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/public/plans/%d", base, plan.ID))
	if err != nil {
		t.Fatal(err)
	}
	record, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.json")
	os.WriteFile(file, record, 0o644)
	out, stderr, code = te.run(ctx, "", "plan", "verify", "--from", file)
	if code != 0 || !strings.Contains(out, "\nseed: derived from announcement 2 (") || !strings.Contains(out, `the public result "517"`) {
		t.Fatalf("plan verify --from (beacon plan): exit %d\n%s%s", code, out, stderr)
	}
	// Withhold announcement 1: the verification names the gap.
	var rec publication.Disclosure
	json.Unmarshal(record, &rec)
	rec.Announcements = rec.Announcements[1:]
	data, _ := json.Marshal(rec)
	os.WriteFile(file, data, 0o644)
	out, _, code = te.run(ctx, "", "plan", "verify", "--from", file)
	if code != 1 || !strings.Contains(out, "must start at sequence 1") {
		t.Errorf("plan verify --from (announcement withheld): exit %d\n%s", code, out)
	}
}

// store opens the test database, migrated, as the commands would; it is
// closed when the test ends.
func (te *testEnv) store() *storage.Store {
	te.t.Helper()
	store, err := storage.Open(te.t.Context(), te.db, storagetest.Logger(te.t))
	if err != nil {
		te.t.Fatal(err)
	}
	te.t.Cleanup(func() { store.Close() })
	if err := store.Migrate(te.t.Context()); err != nil {
		te.t.Fatal(err)
	}
	return store
}

// exec runs a statement on the test database directly, as someone with
// access to it could.
func (te *testEnv) exec(query string) {
	te.t.Helper()
	if _, err := te.store().DB().ExecContext(te.t.Context(), query); err != nil {
		te.t.Fatal(err)
	}
}
