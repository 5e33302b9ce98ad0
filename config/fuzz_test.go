package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse fuzzes the configuration loader, seeded with every testdata
// file and the seeds under testdata/fuzz: it never panics, a rejected file
// has every problem start with the file's name, and an accepted one has
// its zones and cron specs resolved.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config with the error %v", err)
			}
			problems := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				problems = j.Unwrap()
			}
			for _, p := range problems {
				if !strings.HasPrefix(p.Error(), "fuzz.yaml") {
					t.Fatalf("problem %q does not start with the file's name", p)
				}
			}
			return
		}
		if c.Location == nil {
			t.Fatal("accepted config has no location")
		}
		for _, s := range c.Schedules {
			if s.Spec == nil || s.Location == nil {
				t.Fatalf("accepted schedule %q has no parsed spec or zone", s.Name)
			}
		}
	})
}

// FuzzCron fuzzes the cron handling: ParseCron never panics, and a spec it
// accepts gives fire times after the instant asked, in order, in the zone.
func FuzzCron(f *testing.F) {
	for _, spec := range []string{"0 9 * * 1", "*/10 * * * * *", "@daily", "0 0 9 30 2 *", "30 2 * * *", "0 9 29 2 *",
		"@every 1h", "TZ=UTC 0 9 * * *", "61 * * * *", "0 0 1,15 * 1-5", "0 0 0 L * *", "@yearly", "0 30 1 * * 0"} {
		f.Add(spec, "America/New_York", int64(1_700_000_000))
		f.Add(spec, "Asia/Shanghai", int64(1_800_000_000))
	}
	f.Fuzz(func(t *testing.T, spec, zone string, unix int64) {
		loc, err := LoadZone(zone)
		if err != nil {
			loc = time.UTC
		}
		c, err := ParseCron(spec, loc)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cron spec") {
				t.Fatalf("ParseCron(%q) error %q does not name the spec", spec, err)
			}
			return
		}
		_ = c.firesSoon(spec)
		at := time.Unix(unix%(1<<34), 0) // within years 1970 to 2514
		prev := at
		for _, next := range c.Upcoming(at, 3) {
			if !next.After(prev) || next.Location() != loc {
				t.Fatalf("ParseCron(%q).Upcoming(%v) gave %v after %v (zone %v, want %v)", spec, at, next, prev, next.Location(), loc)
			}
			prev = next
		}
	})
}
