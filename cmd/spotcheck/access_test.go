package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storagetest"
)

// TestTokenCommands: token create prints the token alone on stdout, list
// shows it without its secret, revoke revokes it; bad input exits 2.
func TestTokenCommands(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	ctx := t.Context()
	cfg := filepath.Join("testdata", "spotcheck.yaml")
	te.importRegistry(cfg)
	out, stderr, code := te.run(ctx, "", "token", "create", "--role", "inspector", "--inspector", "I001", "--expires", "90d", "--note", "phone")
	if code != 0 || !regexp.MustCompile(`^spc_[0-9a-f]{12}_[a-z2-7]{52}\n$`).MatchString(out) {
		t.Fatalf("token create: exit %d, stdout %q, stderr %q; want the token alone", code, out, stderr)
	}
	id := strings.Split(out, "_")[1]
	list, _, code := te.run(ctx, "", "token", "list")
	if code != 0 || !strings.Contains(list, id) || !strings.Contains(list, "I001") || !strings.Contains(list, "phone") || strings.Contains(list, strings.TrimSpace(out)) {
		t.Errorf("token list: exit %d\n%s\nwant the token's id, inspector and note, and not its secret", code, list)
	}
	if out, _, code := te.run(ctx, "", "token", "revoke", id); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("token revoke: exit %d, %q", code, out)
	}
	list, _, _ = te.run(ctx, "", "token", "list", "--format", "json")
	var tokens []storage.Token
	if err := json.Unmarshal([]byte(list), &tokens); err != nil || len(tokens) != 1 || tokens[0].RevokedAt == nil {
		t.Errorf("token list --format json = %s (%v), want the token revoked", list, err)
	}
	for _, args := range [][]string{
		{"token", "create", "--role", "root"},
		{"token", "create", "--role", "inspector"},
		{"token", "create", "--role", "inspector", "--inspector", "I404"},
		{"token", "create", "--role", "viewer", "--feed"},
		{"token", "create", "--role", "admin", "--expires", "soon"},
		{"token", "revoke", "000000000000"},
		{"token", "frobnicate"},
	} {
		if _, _, code := te.run(ctx, "", args...); code != 2 {
			t.Errorf("spotcheck %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}

// TestPublicRecordVerify: a plan made by the CLI, worked through over the
// API until it closes, publishes a record that `plan verify --from`
// verifies without the database; altering an outcome, the seed or a task
// in the saved file makes it fail with exit 1. Both backends.
func TestPublicRecordVerify(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			te := newTestEnv(t, backend)
			te.now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
			ctx := t.Context()
			cfg := filepath.Join("testdata", "spotcheck.yaml")
			for _, kind := range []string{"enterprises", "inspectors"} {
				if _, stderr, code := te.run(ctx, "", "import", kind, filepath.Join("testdata", kind+".csv"), "--config", cfg); code != 0 {
					t.Fatalf("import %s: exit %d: %s", kind, code, stderr)
				}
			}
			out, stderr, code := te.run(ctx, "", "plan", "run", "textiles-monthly", "--config", cfg, "--format", "json")
			if code != 0 {
				t.Fatalf("plan run: exit %d: %s", code, stderr)
			}
			var plan sampling.Plan
			if err := json.Unmarshal([]byte(out), &plan); err != nil {
				t.Fatal(err)
			}
			te.now = time.Now
			admin, _, _ := te.run(ctx, "", "token", "create", "--role", "admin")
			base, _ := te.serve("--config", cfg)
			today := time.Now().In(mustLoc(t)).Format(time.DateOnly)
			call := func(method, path, body string, want int) []byte {
				t.Helper()
				req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
				if path != "" && !strings.HasPrefix(path, "/api/v1/public/") {
					req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(admin))
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != want {
					t.Fatalf("%s %s = %d, want %d\n%s", method, path, resp.StatusCode, want, data)
				}
				return data
			}
			public := fmt.Sprintf("/api/v1/public/plans/%d", plan.ID)
			if body := call("GET", public, "", http.StatusOK); strings.Contains(string(body), plan.Seed) || !strings.Contains(string(body), plan.Commitment) {
				t.Errorf("public view of the open plan: %s; want the commitment and not the seed", body)
			}
			for i, task := range plan.Tasks {
				p := fmt.Sprintf("/api/v1/tasks/%d", task.ID)
				switch i {
				case 0, 1:
					call("POST", p+"/sampling", fmt.Sprintf(`{"sampled_on":%q,"batch_no":"B-%d","quantity":4,"seals":["S%d"]}`, today, i, i), http.StatusOK)
					result := fmt.Sprintf(`{"outcome":"pass","tested_on":%q,"report_no":"R%d"}`, today, i)
					if i == 1 {
						result = fmt.Sprintf(`{"outcome":"fail","tested_on":%q,"report_no":"R%d","failed_items":"纤维含量"}`, today, i)
					}
					call("POST", p+"/result", result, http.StatusCreated)
					call("POST", p+"/close", "", http.StatusOK)
				default:
					call("POST", p+"/refusal", `{"reason":"no_such_product"}`, http.StatusOK)
				}
			}
			record := call("GET", public, "", http.StatusOK)
			file := filepath.Join(t.TempDir(), "record.json")
			if err := os.WriteFile(file, record, 0o644); err != nil {
				t.Fatal(err)
			}
			out, stderr, code = te.run(ctx, "", "plan", "verify", "--from", file, "--commitment", plan.Commitment)
			if code != 0 || !strings.HasPrefix(out, "match") {
				t.Fatalf("plan verify --from on the untouched record: exit %d\n%s%s", code, out, stderr)
			}
			for _, want := range []string{"\nseed: chosen by the system's random number generator: nobody outside can check", "\nsigning key fingerprint "} {
				if !strings.Contains(out, want) {
					t.Errorf("plan verify --from of a system-seeded plan says\n%s\nwant it to contain %q", out, want)
				}
			}
			var keyBody struct {
				PublicKey string `json:"public_key"`
			}
			json.Unmarshal(call("GET", "/api/v1/public/key", "", http.StatusOK), &keyBody)
			if _, stderr, code := te.run(ctx, "", "plan", "verify", "--from", file, "--key", keyBody.PublicKey); code != 0 {
				t.Errorf("plan verify --from --key (the service's key): exit %d: %s", code, stderr)
			}

			s := string(record)
			for _, tc := range []struct{ name, old, new string }{
				{"an outcome", `"outcome": "pass"`, `"outcome": "fail"`},
				{"the seed", plan.Seed, strings.Repeat("0", len(plan.Seed))},
				{"a task's unit", plan.Tasks[2].CreditCode, "91320500MA00000099"},
				{"failed items", `"failed_items": "纤维含量"`, `"failed_items": "标识"`},
			} {
				if !strings.Contains(s, tc.old) {
					t.Fatalf("the record lacks %q to alter", tc.old)
				}
				bad := filepath.Join(t.TempDir(), "tampered.json")
				os.WriteFile(bad, []byte(strings.Replace(s, tc.old, tc.new, 1)), 0o644)
				out, _, code := te.run(ctx, "", "plan", "verify", "--from", bad)
				if code != 1 || !strings.Contains(out, "differs:") {
					t.Errorf("plan verify --from with %s altered: exit %d\n%s\nwant 1 and the differences", tc.name, code, out)
				}
			}
			if _, _, code := te.run(ctx, "", "plan", "verify", "--from", filepath.Join(t.TempDir(), "missing.json")); code != 2 {
				t.Errorf("plan verify --from a missing file: exit %d, want 2", code)
			}
		})
	}
}
