package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"spotcheck/sampling"
)

const day = 24 * time.Hour

// goodFiles lists every testdata/*.good.yaml with what must hold after it
// loads; TestGoodFiles fails on a file missing from here.
var goodFiles = map[string]func(t *testing.T, c *Config){
	"full.good.yaml":        checkFull,
	"minimal.good.yaml":     checkMinimal,
	"descriptors.good.yaml": checkDescriptors,
	"tiers.good.yaml":       checkTiers,
	"retests.good.yaml":     checkRetests,
	"reminders.good.yaml": func(t *testing.T, c *Config) {
		t.Helper()
		r := c.Notifications.Reminders
		if !slices.Equal(r.Before, []Duration{Duration(3 * day), Duration(day)}) || !r.Overdue || !r.SkipPaused ||
			r.TimeOfDay() != 8*time.Hour || c.Notifications.Language != "en" {
			t.Errorf("reminders = %+v, language %q; want 3d and 1d before, overdue, at 8h, skipping paused, in en", r, c.Notifications.Language)
		}
	},
	"beacon.good.yaml": checkBeacon,
	"empty.good.yaml": func(t *testing.T, c *Config) {
		t.Helper()
		if got, want := summarize(c), summarize(Default()); !reflect.DeepEqual(got, want) {
			t.Errorf("Load(empty) = %+v, want Default() %+v", got, want)
		}
	},
}

func TestGoodFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.good.yaml files")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			check, ok := goodFiles[name]
			if !ok {
				t.Fatalf("%s has no entry in goodFiles", name)
			}
			c, err := Load(f)
			if err != nil {
				t.Fatalf("Load(%s) = %v, want nil", f, err)
			}
			check(t, c)
		})
	}
	for name := range goodFiles {
		if !slices.Contains(files, filepath.Join("testdata", name)) {
			t.Errorf("goodFiles names %s, which is not in testdata", name)
		}
	}
}

// checkFull compares the file with every key of the SPEC's example against
// the values written there.
func checkFull(t *testing.T, c *Config) {
	t.Helper()
	want := &Config{
		Timezone:           "Asia/Shanghai",
		Tiers:              Default().Tiers,
		Windows:            []string{"30d", "90d", "365d", "ytd"},
		MinBatches:         30,
		MinCategoryBatches: 10,
		MaxPause:           DefaultMaxPause,
		Industries: []Industry{{
			ID:   "textiles",
			Name: "纺织服装",
			Categories: []Category{
				{ID: "garments", Name: "服装", Tier: "general", Quantity: Quantity{Test: 2, Backup: 2}},
				{ID: "childrens-garments", Name: "童装", Tier: "key"},
			},
			ObjectionPeriod: DefaultObjectionPeriod,
		}},
		Schedules: []Schedule{{
			Name:                 "textiles-monthly",
			Industry:             "textiles",
			Cron:                 "0 9 1 * *",
			Timezone:             "Asia/Shanghai",
			Batches:              40,
			Strata:               &[]string{"county", "category"},
			Allocation:           "proportional",
			NoRepeat:             Duration(180 * day),
			RiskWeights:          map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8},
			FailBoost:            2,
			InspectorsPerTask:    2,
			MaxTasksPerInspector: 10,
			Due:                  Duration(30 * day),
			CatchUp:              CatchUpLatest,
			MaxCatchUp:           10,
			Counties:             []string{"姑苏区", "吴江区"},
			Overlap:              sampling.OverlapBuffer,
			Deadline:             Duration(time.Hour),
			Seed:                 SeedSystem,
		}, {
			// Defaults fill in what the second schedule leaves out.
			Name:              "textiles-weekly",
			Industry:          "textiles",
			Cron:              "0 9 * * 1",
			Fraction:          0.05,
			Strata:            &[]string{"county", "category"},
			Allocation:        "proportional",
			NoRepeat:          Duration(180 * day),
			RiskWeights:       map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8},
			InspectorsPerTask: 2,
			Due:               Duration(30 * day),
			CatchUp:           CatchUpLatest,
			MaxCatchUp:        10,
			FailBoost:         2,
			Overlap:           sampling.OverlapBuffer,
			Seed:              SeedSystem,
		}},
		Notifications: Notifications{
			Default:    &Webhook{URL: "https://oapi.dingtalk.com/robot/send?access_token=abc", Format: FormatDingTalk, Secret: "SECabc"},
			Inspectors: map[string]Webhook{"I001": {URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", Format: FormatWeCom, Language: "en"}},
			Attempts:   6,
			Backoff:    Duration(10 * time.Second),
			Timeout:    Duration(20 * time.Second),
			Poll:       Duration(2 * time.Second),
			Link:       "https://spotcheck.example.gov/inspect",
			Language:   "zh",
			Reminders: Reminders{Before: []Duration{Duration(72 * time.Hour), Duration(24 * time.Hour)}, Overdue: true, At: "08:30", SkipPaused: true,
				at: 8*time.Hour + 30*time.Minute},
		},
	}
	if got, w := summarize(c), summarize(want); !reflect.DeepEqual(got, w) {
		t.Errorf("Load(full) =\n%+v\nwant\n%+v", got, w)
	}
	if got := c.Location.String(); got != "Asia/Shanghai" {
		t.Errorf("Location = %s, want Asia/Shanghai", got)
	}
	if got := c.Schedules[0].Location.String(); got != "Asia/Shanghai" {
		t.Errorf("Schedules[0].Location = %s, want Asia/Shanghai", got)
	}
}

func checkMinimal(t *testing.T, c *Config) {
	t.Helper()
	if len(c.Schedules) != 1 {
		t.Fatalf("len(Schedules) = %d, want 1", len(c.Schedules))
	}
	s := c.Schedules[0]
	if s.Batches != 0 || s.Fraction != 0.1 {
		t.Errorf("Batches, Fraction = %d, %v, want 0, 0.1", s.Batches, s.Fraction)
	}
	if got := s.Location.String(); got != "Asia/Shanghai" {
		t.Errorf("Schedules[0].Location = %s, want the default Asia/Shanghai", got)
	}
	if got := c.Industry("food").categoryTiers(); !maps.Equal(got, map[string]string{"edible-oil": "general"}) {
		t.Errorf("categoryTiers() = %v, want map[edible-oil:general]", got)
	}
}

func checkDescriptors(t *testing.T, c *Config) {
	t.Helper()
	// Each schedule's next fire after a Friday morning, in its own zone.
	after := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) // Friday
	shanghai := mustLoad(t, "Asia/Shanghai")
	urumqi := mustLoad(t, "Asia/Urumqi")
	tests := []struct {
		schedule string
		zone     string
		next     time.Time
	}{
		{"chem-daily", "UTC", time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)},
		{"chem-weekly", "Asia/Shanghai", time.Date(2026, 11, 29, 0, 0, 0, 0, shanghai)},
		{"chem-monthly", "UTC", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		// 08:00 UTC is 14:00 in Urumqi, after 09:00:30; Saturday and
		// Sunday are skipped.
		{"chem-seconds", "Asia/Urumqi", time.Date(2026, 11, 30, 9, 0, 30, 0, urumqi)},
		{"chem-spaced", "UTC", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		s := c.Schedule(tt.schedule)
		if s == nil {
			t.Errorf("Schedule(%q) = nil, want it", tt.schedule)
			continue
		}
		if got := s.Location.String(); got != tt.zone {
			t.Errorf("Schedule(%q).Location = %s, want %s", tt.schedule, got, tt.zone)
		}
		sched, err := ParseCron(s.Cron, s.Location)
		if err != nil {
			t.Errorf("ParseCron(%q) = %v, want nil", s.Cron, err)
			continue
		}
		if got := sched.Next(after); !got.Equal(tt.next) {
			t.Errorf("%s: Next(%v) = %v, want %v", tt.schedule, after, got, tt.next)
		}
	}
	if c.Schedule("no-such-schedule") != nil {
		t.Error("Schedule(no-such-schedule) != nil, want nil")
	}
}

func checkTiers(t *testing.T, c *Config) {
	t.Helper()
	want := map[string]Tier{
		"general":    {Target: 0.95, Aggregate: sampling.AggregatePooled, AlertWindow: "90d"},
		"key":        {Target: 0.98, Aggregate: sampling.AggregatePooled, Stability: Stability{Periods: 4, Period: "quarter", MinBatches: 50}, AlertWindow: "365d"},
		"agri_input": {Target: 0.90, Aggregate: sampling.AggregateCategoryMean, AlertWindow: "365d"},
		"export":     {Target: 0.99, Aggregate: sampling.AggregateCategoryMean, AlertWindow: "365d"},
		"toys":       {Target: 0.85, Aggregate: sampling.AggregatePooled, AlertWindow: "365d"},
	}
	if !maps.Equal(c.Tiers, want) {
		t.Errorf("Tiers = %v, want %v", c.Tiers, want)
	}
	wantRules := []sampling.TierRule{
		{Name: "general", Target: 0.95, Aggregate: "pooled"},
		{Name: "key", Target: 0.98, Aggregate: "pooled"},
		{Name: "agri_input", Target: 0.90, Aggregate: "category_mean"},
		{Name: "export", Target: 0.99, Aggregate: "category_mean"},
		{Name: "toys", Target: 0.85, Aggregate: "pooled"},
	}
	if got := c.TierRules(); !slices.Equal(got, wantRules) {
		t.Errorf("TierRules() = %v, want %v", got, wantRules)
	}
	wantCats := map[string]string{"ceramics": "export", "furniture": "general", "plush-toys": "toys", "seed": "agri_input"}
	if got := c.Industry("light-industry").categoryTiers(); !maps.Equal(got, wantCats) {
		t.Errorf("categoryTiers() = %v, want %v", got, wantCats)
	}
	if c.Industry("food") != nil {
		t.Error("Industry(food) != nil, want nil")
	}
}

// summarize drops the locations, which are compared by name, so that the
// rest compares with reflect.DeepEqual.
func summarize(c *Config) Config {
	s := *c
	s.Location, s.windows = nil, nil
	s.Schedules = slices.Clone(c.Schedules)
	for i := range s.Schedules {
		s.Schedules[i].Location, s.Schedules[i].Spec = nil, nil
	}
	return s
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q) = %v", name, err)
	}
	return loc
}

// badFiles maps every testdata/*.bad.yaml to substrings that must all appear
// in its error. Each names the file and line, so a regression in line
// numbers shows up here.
var badFiles = map[string][]string{
	"utf8.bad.yaml": {"utf8.bad.yaml:4:14: invalid UTF-8 at byte 70: the file must be UTF-8"},
	"beacon.bad.yaml": {
		`beacon.bad.yaml:6: schedules[0].seed: unknown seed source "lottery" (want system or beacon)`,
		"beacon.bad.yaml:7: schedules[1].seed: seed: beacon needs a beacon",
		"beacon.bad.yaml:8: schedules[2].beacon: a beacon is used only with seed: beacon",
		`beacon.bad.yaml:14: schedules[3].beacon.chain: unknown drand chain "mainnet" (want quicknet)`,
		`beacon.bad.yaml:14: schedules[3].beacon.relays[0]: relay "ftp://relay.example": want an https:// URL`,
		"beacon.bad.yaml:14: schedules[3].beacon.delay: 30s: want at least 1m",
		"beacon.bad.yaml:14: schedules[3].beacon.template: only a text beacon has template",
		"beacon.bad.yaml:20: schedules[4].beacon.description: say which public result will be read",
		`beacon.bad.yaml:20: schedules[4].beacon.template: template "5 digits": field 1 "5": want digits:N`,
		"beacon.bad.yaml:20: schedules[4].beacon.after: give how long after the fire",
		"beacon.bad.yaml:20: schedules[4].beacon.delay: only a drand beacon has delay",
		`beacon.bad.yaml:21: schedules[5].beacon.kind: unknown beacon kind "coin" (want drand or text)`,
	},
	"retests.bad.yaml": {
		"retests.bad.yaml:2: tiers.key.stability.periods: -1 is outside 0 to 40",
		`retests.bad.yaml:2: tiers.key.stability.period: unknown period "week" (want quarter or month)`,
		"retests.bad.yaml:5: industries[0].objection_period: 36h: want whole days from 1d to 365d, such as 15d",
		"retests.bad.yaml:9: industries[1].objection_period: 400d: want whole days from 1d to 365d, such as 15d",
	},
	"signals.bad.yaml": {
		`signals.bad.yaml:2: tiers.key.alert_window: "7d" is not a configured window (30d, 90d, 365d, ytd)`,
		"signals.bad.yaml:2: tiers.key.stability.min_batches: must not be negative",
		"signals.bad.yaml:3: min_category_batches: must not be negative",
		"signals.bad.yaml:4: max_pause: must be positive, such as 7d",
	},
	"unknown-key.bad.yaml": {
		"unknown-key.bad.yaml:2: field timezones not found",
	},
	"unknown-nested-key.bad.yaml": {
		"unknown-nested-key.bad.yaml:5: field teir not found",
		"unknown-nested-key.bad.yaml:12: field inspector_per_task not found",
	},
	"unknown-tier.bad.yaml": {
		`unknown-tier.bad.yaml:5: industries[0].categories[1].tier: unknown tier "premium" (known: general, key, agri_input)`,
	},
	"target.bad.yaml": {
		"target.bad.yaml:2: tiers.general.target: target 0 is outside (0, 1]",
		"target.bad.yaml:3: tiers.key.target: target 1.5 is outside (0, 1]",
		"target.bad.yaml:4: tiers.agri_input.target: target -0.9 is outside (0, 1]",
		`target.bad.yaml:5: tiers.export.aggregate: unknown aggregate "median" (want pooled or category_mean)`,
	},
	"cron.bad.yaml": {
		`cron.bad.yaml:6: schedules[0].cron: cron spec "61 * * * *"`,
		"above maximum",
		`cron.bad.yaml:7: schedules[1].cron: cron spec "0 0 9 1 * * 2026"`,
		"expected 5 to 6 fields, found 7",
		`cron.bad.yaml:8: schedules[2].cron: cron spec "every monday"`,
		// No cron key: the line is the schedule's.
		"cron.bad.yaml:9: schedules[3].cron: cron spec is empty",
		`cron.bad.yaml:10: schedules[4].cron: cron spec "@fortnightly"`,
		// Found by FuzzCron: it parsed, and then took minutes to find no fire.
		`cron.bad.yaml:11: schedules[5].cron: cron spec ", * * * * *": the second field matches no value`,
	},
	"every.bad.yaml": {
		`every.bad.yaml:9: schedules[0].cron: cron spec "@every 10m": @every is not supported`,
		"its fire times depend on when a process started, so replicas could not agree on them",
	},
	"tz-prefix.bad.yaml": {
		`tz-prefix.bad.yaml:6: schedules[0].cron: cron spec "TZ=Asia/Shanghai 0 9 * * *": set the schedule's timezone key instead of a TZ= prefix`,
		`tz-prefix.bad.yaml:7: schedules[1].cron: cron spec "CRON_TZ=UTC 0 9 * * *": set the schedule's timezone key`,
		`tz-prefix.bad.yaml:8: schedules[2].cron: cron spec "TZ=": set the schedule's timezone key`,
	},
	"unknown-industry.bad.yaml": {
		`unknown-industry.bad.yaml:7: schedules[0].industry: unknown industry "textiles"`,
	},
	"duplicate-industry.bad.yaml": {
		`duplicate-industry.bad.yaml:8: industries[2].id: duplicate industry id "food"`,
	},
	"duplicate-category.bad.yaml": {
		// rice in two industries is fine; twice in one is not.
		`duplicate-category.bad.yaml:10: industries[1].categories[2].id: duplicate category id "rice" in industry "agri"`,
	},
	"schedules.bad.yaml": {
		`schedules.bad.yaml:14: schedules[2].name: duplicate schedule name "food-weekly"`,
	},
	"zones.bad.yaml": {
		`zones.bad.yaml:1: timezone: time zone "Local" follows each host's TZ setting, so replicas could disagree on fire times: give an IANA name such as Asia/Shanghai`,
		`zones.bad.yaml:7: schedules[0].timezone: time zone is empty: give an IANA name such as Asia/Shanghai`,
		`zones.bad.yaml:8: schedules[1].timezone: time zone "EST" is an abbreviation or legacy name, not an IANA Area/Location name: give one such as Asia/Shanghai (or UTC)`,
		`zones.bad.yaml:9: schedules[2].timezone: time zone "PRC" is an abbreviation or legacy name`,
		`zones.bad.yaml:12: schedules[5].cron: cron spec "0 0 9 30 2 *" never fires: no date matches it in five years (such as 30 February or 31 April)`,
		`zones.bad.yaml:13: schedules[6].cron: cron spec "0 9 31 4 *" never fires`,
	},
	"counties.bad.yaml": {
		`counties.bad.yaml:1: counties[1]: duplicate county "姑苏区"`,
		`counties.bad.yaml:1: counties[2]: NUL character at byte 1`,
		`counties.bad.yaml:4: industries[0].name: control character U+0007 at byte 3`,
		`counties.bad.yaml:6: industries[0].categories[0].name: 101 characters, at most 100`,
		`counties.bad.yaml:8: schedules[0].counties[1]: "虎丘" is not a county of the configuration (known: 姑苏区`,
	},
	"empty-timezone.bad.yaml": {
		`empty-timezone.bad.yaml:1: timezone: time zone is empty: give an IANA name such as Asia/Shanghai`,
	},
	"timezone.bad.yaml": {
		`timezone.bad.yaml:1: timezone: unknown time zone "Mars/Olympus_Mons" (want an IANA name such as Asia/Shanghai)`,
		`timezone.bad.yaml:11: schedules[0].timezone: unknown time zone "Beijing"`,
	},
	"window.bad.yaml": {
		`window.bad.yaml:1: windows[1]: window "7x": want a number of days such as 30d, or ytd`,
		`window.bad.yaml:1: windows[2]: window "12h"`,
		`window.bad.yaml:1: windows[3]: window "0d"`,
		`window.bad.yaml:1: windows[5]: duplicate window "30d"`,
	},
	"duration.bad.yaml": {
		`duration.bad.yaml:10: duration "30 days": want a non-negative whole number and a unit d, h, m or s, such as 30d`,
		`duration.bad.yaml:11: duration "-5d"`,
	},
	"batches.bad.yaml": {
		"batches.bad.yaml:10: schedules[0].fraction: give batches or fraction, not both",
		// No batches key: the line is the schedule's.
		"batches.bad.yaml:11: schedules[1].batches: give batches: N (N > 0) or fraction: f (0 < f <= 1)",
		"batches.bad.yaml:14: schedules[2].batches: give batches: N",
		"batches.bad.yaml:21: schedules[3].batches: must not be negative",
	},
	"enums.bad.yaml": {
		`enums.bad.yaml:10: schedules[0].allocation: unknown allocation "random" (want proportional, equal or neyman)`,
		`enums.bad.yaml:11: schedules[0].catch_up: unknown policy "sometimes" (want none, latest or all)`,
		`enums.bad.yaml:12: schedules[0].strata[1]: unknown stratum "province" (want county or category)`,
		`enums.bad.yaml:13: schedules[0].risk_weights.E: unknown risk class "E" (want A, B, C or D)`,
		`enums.bad.yaml:13: schedules[0].risk_weights.D: weight 0 must be positive`,
	},
	"many.bad.yaml": manyProblems,
	"notifications.bad.yaml": {
		"notifications.bad.yaml:2: notifications.attempts: want 1 to 20 attempts",
		`notifications.bad.yaml:3: notifications.link: "ftp://example.com/inspect" is not an http(s) URL`,
		`notifications.bad.yaml:4: notifications.default.format: unknown format "slack" (want json, dingtalk or wecom)`,
		`notifications.bad.yaml:4: notifications.default.url: want an http(s) URL (host "")`,
		`notifications.bad.yaml:6: notifications.inspectors.I001.format: unknown format "teams"`,
		`notifications.bad.yaml:6: notifications.inspectors.I001.language: unknown language "fr" (want zh or en)`,
		`notifications.bad.yaml:7: notifications.language: unknown language "de" (want zh or en)`,
		"notifications.bad.yaml:8: notifications.timeout: want 1s to 10m",
		"notifications.bad.yaml:9: notifications.poll: want 1s to 10m",
		`notifications.bad.yaml:11: notifications.reminders.at: "9am" is not a time of day HH:MM, such as 09:00`,
		"notifications.bad.yaml:12: notifications.reminders.before[1]: lead time 0s: want more than 0 and at most 90d",
		"notifications.bad.yaml:12: notifications.reminders.before[2]: lead time 1d is listed twice",
		"notifications.bad.yaml:12: notifications.reminders.before[3]: lead time 100d: want more than 0 and at most 90d",
	},
	"reminders.bad.yaml": {
		"reminders.bad.yaml:4: field remind not found",
		`reminders.bad.yaml:5: duration "soon"`,
	},
	"names.bad.yaml": {
		`names.bad.yaml:2: tiers.Gold: tier name "Gold": use lowercase letters, digits, - and _`,
		`names.bad.yaml:8: schedules[0].name: schedule id "Food Weekly": use lowercase letters, digits, - and _`,
	},
	"overlap.bad.yaml": {
		`overlap.bad.yaml:10: schedules[0].overlap: unknown policy "queue" (want buffer or skip)`,
		`overlap.bad.yaml:11: duration "-1h"`,
	},
}

// manyProblems are all the problems of many.bad.yaml, one string each.
var manyProblems = []string{
	"many.bad.yaml:3: field timezon not found",
	`many.bad.yaml:22: duration "2 weeks"`,
	`many.bad.yaml:2: timezone: unknown time zone "Atlantis/Capital"`,
	"many.bad.yaml:5: tiers.general.target: target 1.2 is outside (0, 1]",
	`many.bad.yaml:6: tiers.bulk.aggregate: unknown aggregate "sum"`,
	`many.bad.yaml:7: windows[1]: window "7x"`,
	"many.bad.yaml:8: min_batches: must not be negative",
	`many.bad.yaml:10: industries[0].id: industry id "Food": use lowercase letters`,
	`many.bad.yaml:12: industries[0].categories[0].tier: unknown tier "gold"`,
	`many.bad.yaml:13: industries[0].categories[1].id: duplicate category id "oil" in industry "Food"`,
	"many.bad.yaml:13: industries[0].categories[1].quantity: quantities must not be negative",
	`many.bad.yaml:14: industries[1].id: industry id "Food": use lowercase letters`,
	`many.bad.yaml:14: industries[1].id: duplicate industry id "Food"`,
	`many.bad.yaml:15: industries[1].categories: industry "Food" has no categories`,
	`many.bad.yaml:18: schedules[0].industry: unknown industry "textiles"`,
	`many.bad.yaml:19: schedules[0].cron: cron spec "@every 1h": @every is not supported`,
	"many.bad.yaml:21: schedules[0].fraction: give batches or fraction, not both",
	`many.bad.yaml:23: schedules[1].name: duplicate schedule name "a"`,
	"many.bad.yaml:23: schedules[1].batches: give batches: N",
	`many.bad.yaml:25: schedules[1].cron: cron spec "TZ=UTC 0 9 * * *": set the schedule's timezone key`,
	`many.bad.yaml:26: schedules[1].timezone: unknown time zone "Nowhere/City"`,
	`many.bad.yaml:27: schedules[1].allocation: unknown allocation "lottery"`,
	`many.bad.yaml:28: schedules[1].catch_up: unknown policy "always"`,
	`many.bad.yaml:29: schedules[1].strata[1]: unknown stratum "town"`,
	"many.bad.yaml:30: schedules[1].inspectors_per_task: must be positive",
	"many.bad.yaml:31: schedules[1].max_tasks_per_inspector: must not be negative (0 means no cap)",
	"many.bad.yaml:32: schedules[1].max_catch_up: must be positive",
	"many.bad.yaml:33: schedules[1].min_per_stratum: must not be negative",
}

func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := badFiles[name]
			if !ok {
				t.Fatalf("%s has no entry in badFiles", name)
			}
			c, err := Load(f)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, nil, want an error", f, c)
			}
			if c != nil {
				t.Errorf("Load(%s) = %+v, want nil with the error", f, c)
			}
			for _, s := range want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Load(%s) error lacks %q; got:\n%v", f, s, err)
				}
			}
		})
	}
	for name := range badFiles {
		if !slices.Contains(files, filepath.Join("testdata", name)) {
			t.Errorf("badFiles names %s, which is not in testdata", name)
		}
	}
}

// TestZonesOnlyTheirProblems checks that UTC, Etc/ zones and a leap-day
// spec are accepted beside the refused zones and specs of zones.bad.yaml.
func TestZonesOnlyTheirProblems(t *testing.T) {
	_, err := Load("testdata/zones.bad.yaml")
	if got, want := len(leaves(err)), len(badFiles["zones.bad.yaml"]); got != want {
		t.Errorf("Load(zones.bad.yaml) = %d problems, want %d:\n%v", got, want, err)
	}
}

// TestManyProblems checks that one Parse reports every problem of a file,
// each as its own error, rather than stopping at the first.
func TestManyProblems(t *testing.T) {
	_, err := Load("testdata/many.bad.yaml")
	if err == nil {
		t.Fatal("Load(many.bad.yaml) = nil error, want one per problem")
	}
	errs := leaves(err)
	for _, want := range manyProblems {
		n := 0
		for _, e := range errs {
			if strings.Contains(e.Error(), want) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("Load(many.bad.yaml): %d errors contain %q, want 1", n, want)
		}
	}
	if len(errs) != len(manyProblems) {
		var b strings.Builder
		for _, e := range errs {
			b.WriteString("\n  " + e.Error())
		}
		t.Errorf("Load(many.bad.yaml) = %d errors, want %d:%s", len(errs), len(manyProblems), b.String())
	}
	for _, e := range errs {
		if strings.Contains(e.Error(), "\n") {
			t.Errorf("error %q spans lines; want one problem per error", e)
		}
	}
}

// leaves flattens errors.Join trees into the problems they hold.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

func TestParseSyntaxError(t *testing.T) {
	data := []byte("industries:\n  - id: food\n    categories: [\n")
	_, err := Parse("broken.yaml", data)
	if err == nil || !strings.Contains(err.Error(), "broken.yaml:3: ") {
		t.Errorf("Parse(broken.yaml) = %v, want an error naming broken.yaml:3", err)
	}
}

func TestParseWrongType(t *testing.T) {
	data := []byte("industries:\n  - id: food\n    categories:\n      - {id: oil, tier: general}\n" +
		"schedules:\n  - {name: s, industry: food, cron: \"@daily\", batches: many}\n")
	_, err := Parse("types.yaml", data)
	if err == nil || !strings.Contains(err.Error(), "types.yaml:6: ") || !strings.Contains(err.Error(), "many") {
		t.Errorf("Parse(batches: many) = %v, want an error naming types.yaml:6 and the value", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(%s) = %v, want an error wrapping os.ErrNotExist", path, err)
	}
}

// TestExampleConfig loads the example shipped under deploy/, so that it
// cannot drift from what Load accepts, and checks that it shows every key.
func TestExampleConfig(t *testing.T) {
	const path = "../deploy/config.example.yaml"
	if _, err := Load(path); err != nil {
		t.Errorf("Load(%s) = %v, want nil", path, err)
	}
	checkEveryKey(t, path)
}

// TestFullHasEveryKey keeps full.good.yaml complete as keys are added.
func TestFullHasEveryKey(t *testing.T) {
	checkEveryKey(t, "testdata/full.good.yaml")
}

// checkEveryKey fails for each key of the configuration that the file at
// path does not set somewhere. A key shown in a commented-out example
// ("# notifications:") counts too: optional features are documented that way.
func checkEveryKey(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	found := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				found[n.Content[i].Value] = true
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	want := map[string]bool{}
	configKeys(reflect.TypeFor[Config](), want)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		commented := regexp.MustCompile(`(?m)^\s*#.*[\s{,#]` + k + `:`)
		if !found[k] && !commented.Match(data) {
			t.Errorf("%s does not show the key %s", path, k)
		}
	}
}

// configKeys collects the YAML keys of t and of the types it holds.
func configKeys(t reflect.Type, into map[string]bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		configKeys(t.Elem(), into)
	case reflect.Struct:
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || name == "" {
				continue
			}
			into[name] = true
			configKeys(f.Type, into)
		}
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if c.Timezone != "Asia/Shanghai" {
		t.Errorf("Default().Timezone = %q, want Asia/Shanghai", c.Timezone)
	}
	if c.Location == nil || c.Location.String() != "Asia/Shanghai" {
		t.Errorf("Default().Location = %v, want Asia/Shanghai", c.Location)
	}
	want := map[string]Tier{
		"general":    {Target: 0.92, Aggregate: "pooled", AlertWindow: "365d"},
		"key":        {Target: 0.97, Aggregate: "pooled", Stability: Stability{Periods: 4, Period: "quarter", MinBatches: 30}, AlertWindow: "365d"},
		"agri_input": {Target: 0.90, Aggregate: "category_mean", AlertWindow: "365d"},
	}
	if !maps.Equal(c.Tiers, want) {
		t.Errorf("Default().Tiers = %v, want %v", c.Tiers, want)
	}
	if c.MinCategoryBatches != 10 || c.MaxPause != Duration(7*24*time.Hour) {
		t.Errorf("Default() min_category_batches %d, max_pause %s; want 10 and 7d", c.MinCategoryBatches, c.MaxPause)
	}
	want = map[string]Tier{
		"general":    {Target: 0.92, Aggregate: "pooled"},
		"key":        {Target: 0.97, Aggregate: "pooled", Stability: Stability{Periods: 4, Period: "quarter"}},
		"agri_input": {Target: 0.90, Aggregate: "category_mean"},
	}
	if !maps.Equal(DefaultTiers(), want) {
		t.Errorf("DefaultTiers() = %v, want %v", DefaultTiers(), want)
	}
	if w := []string{"30d", "90d", "365d", "ytd"}; !slices.Equal(c.Windows, w) {
		t.Errorf("Default().Windows = %v, want %v", c.Windows, w)
	}
	if c.MinBatches != 30 {
		t.Errorf("Default().MinBatches = %d, want 30", c.MinBatches)
	}
	if len(c.Industries) != 0 || len(c.Schedules) != 0 {
		t.Errorf("Default() has %d industries and %d schedules, want none", len(c.Industries), len(c.Schedules))
	}
	// Default hands out fresh values: changing one must not change the next.
	c.Tiers["general"] = Tier{Target: 0.5, Aggregate: "pooled"}
	c.Windows[0] = "7d"
	if d := Default(); d.Tiers["general"].Target != 0.92 || d.Windows[0] != "30d" {
		t.Errorf("Default() after changing an earlier result = %v %v, want the defaults", d.Tiers, d.Windows)
	}
}

func TestScheduleDefaults(t *testing.T) {
	c, err := Load("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatalf("Load(minimal) = %v", err)
	}
	s := c.Schedules[0]
	checks := []struct {
		field     string
		got, want any
	}{
		{"InspectorsPerTask", s.InspectorsPerTask, 2},
		{"Due", s.Due, Duration(30 * day)},
		{"CatchUp", s.CatchUp, CatchUpLatest},
		{"MaxCatchUp", s.MaxCatchUp, 10},
		{"Strata", *s.Strata, []string{"county", "category"}},
		{"Allocation", s.Allocation, "proportional"},
		{"NoRepeat", s.NoRepeat, Duration(180 * day)},
		{"RiskWeights", s.RiskWeights, map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8}},
		{"FailBoost", s.FailBoost, 2.0},
		{"MinPerStratum", s.MinPerStratum, 0},
		{"MaxTasksPerInspector", s.MaxTasksPerInspector, 0},
		{"CrossCounty", s.CrossCounty, false},
		{"Overlap", s.Overlap, sampling.OverlapBuffer},
		{"Deadline", s.Deadline, Duration(0)},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("Schedules[0].%s = %v, want %v", ck.field, ck.got, ck.want)
		}
	}
}

// TestZeroIsMeant checks that a zero written in the file is kept, not
// replaced by the default: no_repeat: 0d turns the no-repeat rule off and
// min_batches: 0 drops the minimum.
func TestZeroIsMeant(t *testing.T) {
	data := []byte("min_batches: 0\nindustries:\n  - id: food\n    categories:\n      - {id: oil, tier: general}\n" +
		"schedules:\n  - {name: s, industry: food, cron: \"@daily\", batches: 1, no_repeat: 0d}\n  - {name: t, industry: food, cron: \"@daily\", batches: 1}\n")
	c, err := Parse("zero.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if c.MinBatches != 0 {
		t.Errorf("MinBatches = %d, want 0 as written", c.MinBatches)
	}
	if c.Schedules[0].NoRepeat != 0 || c.Schedules[0].Design(&c.Industries[0], time.Now()).NoRepeat() != 0 {
		t.Errorf("Schedules[0].NoRepeat = %v, want 0 as written", c.Schedules[0].NoRepeat)
	}
	if c.Schedules[1].NoRepeat != Duration(180*day) {
		t.Errorf("Schedules[1].NoRepeat = %v, want the default 180d", c.Schedules[1].NoRepeat)
	}
}

// TestEmptyStrata checks that strata: [] (one stratum) is kept, not
// replaced by the default.
func TestEmptyStrata(t *testing.T) {
	data := []byte("industries:\n  - id: food\n    categories:\n      - {id: oil, tier: general}\n" +
		"schedules:\n  - {name: s, industry: food, cron: \"@daily\", batches: 1, strata: []}\n")
	c, err := Parse("strata.yaml", data)
	if err != nil {
		t.Fatalf("Parse(strata: []) = %v", err)
	}
	if got := c.Schedules[0].Strata; got == nil || len(*got) != 0 {
		t.Errorf("Strata = %v, want an empty list", got)
	}
}

func TestTierRules(t *testing.T) {
	tests := []struct {
		name  string
		tiers map[string]Tier
		want  []string
	}{
		{"defaults", DefaultTiers(), []string{"general", "key", "agri_input"}},
		{"extra tiers after the defaults by name", map[string]Tier{
			"zeta": {}, "agri_input": {}, "alpha": {}, "key": {}, "general": {}, "mid": {},
		}, []string{"general", "key", "agri_input", "alpha", "mid", "zeta"}},
		{"missing defaults", map[string]Tier{"b": {}, "key": {}, "a": {}}, []string{"key", "a", "b"}},
		{"none", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{Tiers: tt.tiers}
			got := []string{}
			for _, r := range c.TierRules() {
				got = append(got, r.Name)
				if want := tt.tiers[r.Name]; r.Target != want.Target || r.Aggregate != want.Aggregate {
					t.Errorf("TierRules() %s = %+v, want target %v, aggregate %q", r.Name, r, want.Target, want.Aggregate)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("TierRules() order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRateWindows(t *testing.T) {
	c := Default()
	want := []sampling.Window{
		{Name: "30d", Days: 30},
		{Name: "90d", Days: 90},
		{Name: "365d", Days: 365},
		{Name: "ytd", YTD: true},
	}
	if got := c.RateWindows(); !slices.Equal(got, want) {
		t.Errorf("Default().RateWindows() = %v, want %v", got, want)
	}
	c, err := Parse("windows.yaml", []byte("windows: [ytd, 1d, 7d]\n"))
	if err != nil {
		t.Fatalf("Parse(windows) = %v", err)
	}
	want = []sampling.Window{{Name: "ytd", YTD: true}, {Name: "1d", Days: 1}, {Name: "7d", Days: 7}}
	if got := c.RateWindows(); !slices.Equal(got, want) {
		t.Errorf("RateWindows() = %v, want %v", got, want)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"30d", 30 * day, false},
		{"365d", 365 * day, false},
		{"12h", 12 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"45s", 45 * time.Second, false},
		{"0d", 0, false},
		{"0s", 0, false},
		{"", 0, true},
		{"d", 0, true},
		{"30", 0, true},
		{"30 days", 0, true},
		{"30D", 0, true},
		{"1w", 0, true},
		{"1.5d", 0, true},
		{"-5d", 0, true},
		{"1h30m", 0, true},
		{"ytd", 0, true},
		{"７d", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("ParseDuration(%q) = %v, nil, want an error", tt.in, got)
				} else if !strings.Contains(err.Error(), `"`+tt.in+`"`) {
					t.Errorf("ParseDuration(%q) error %q does not quote the input", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v, want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * day, "30d"},
		{180 * day, "180d"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "36h"},
		{12 * time.Hour, "12h"},
		{90 * time.Minute, "90m"},
		{time.Minute, "1m"},
		{45 * time.Second, "45s"},
		{0, "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := Duration(tt.d).String(); got != tt.want {
				t.Errorf("Duration(%v).String() = %q, want %q", tt.d, got, tt.want)
			}
			// String writes what ParseDuration reads back.
			if back, err := ParseDuration(tt.want); err != nil || back != tt.d {
				t.Errorf("ParseDuration(%q) = %v, %v, want %v, nil", tt.want, back, err, tt.d)
			}
		})
	}
}

func TestParseCron(t *testing.T) {
	shanghai := mustLoad(t, "Asia/Shanghai")
	newYork := mustLoad(t, "America/New_York")
	tests := []struct {
		spec  string
		loc   *time.Location
		after time.Time
		want  time.Time
	}{
		{"0 9 1 * *", shanghai,
			time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai),
			time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)},
		// The same instant, given in UTC: the spec still reads Shanghai's
		// clock.
		{"0 9 1 * *", shanghai,
			time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)},
		{"0 9 1 * *", time.UTC,
			time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		// Six fields: seconds first.
		{"15 30 9 * * *", shanghai,
			time.Date(2026, 11, 28, 9, 30, 15, 0, shanghai),
			time.Date(2026, 11, 29, 9, 30, 15, 0, shanghai)},
		{"*/10 * * * * *", time.UTC,
			time.Date(2026, 11, 28, 0, 0, 1, 0, time.UTC),
			time.Date(2026, 11, 28, 0, 0, 10, 0, time.UTC)},
		{"@daily", shanghai,
			time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai),
			time.Date(2026, 11, 29, 0, 0, 0, 0, shanghai)},
		{"@hourly", time.UTC,
			time.Date(2026, 11, 28, 10, 59, 59, 0, time.UTC),
			time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC)},
		{"@yearly", shanghai,
			time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai),
			time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai)},
		// 02:30 does not exist on 2026-03-08 in New York; the fire runs
		// once at the end of the gap (cron_dst_test.go has the rest).
		{"30 2 * * *", newYork,
			time.Date(2026, 3, 7, 12, 0, 0, 0, newYork),
			time.Date(2026, 3, 8, 3, 0, 0, 0, newYork)},
		{"  0 9 * * 1  ", shanghai,
			time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai), // Saturday
			time.Date(2026, 11, 30, 9, 0, 0, 0, shanghai)},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.loc.String(), func(t *testing.T) {
			s, err := ParseCron(tt.spec, tt.loc)
			if err != nil {
				t.Fatalf("ParseCron(%q) = %v, want nil", tt.spec, err)
			}
			if got := s.Next(tt.after); !got.Equal(tt.want) {
				t.Errorf("ParseCron(%q, %s).Next(%v) = %v, want %v", tt.spec, tt.loc, tt.after, got, tt.want)
			}
		})
	}
}

func TestParseCronErrors(t *testing.T) {
	tests := []struct {
		spec string
		want string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"@every 1h", "@every is not supported"},
		{"  @every 5m", "@every is not supported"},
		{"TZ=Asia/Shanghai 0 9 * * *", "TZ= prefix"},
		{"CRON_TZ=UTC 0 9 * * *", "TZ= prefix"},
		// These panic inside robfig/cron v3.0.1 (its issues #470, #554).
		{"TZ=", "TZ= prefix"},
		{"TZ=0", "TZ= prefix"},
		{"TZ=TZ=TZ=", "TZ= prefix"},
		{"CRON_TZ=", "TZ= prefix"},
		{"* * *", "expected"},
		{"0 0 0 9 1 * * *", "expected"},
		{"61 * * * *", "above maximum"},
		{"* 24 * * *", "above maximum"},
		{"0 9 0 * *", "below minimum"},
		{"0 9 * 13 *", "above maximum"},
		{"*/0 * * * *", "step"},
		{"5-1 * * * *", "beyond end"},
		{"a b c d e", "failed to parse"},
		{"@fortnightly", "unrecognized descriptor"},
		{"@", "unrecognized descriptor"},
		{"0 9 * * MON-", ""},
		{"----- * * * *", ""},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := ParseCron(tt.spec, time.UTC)
			if err == nil {
				t.Fatalf("ParseCron(%q) = %v, nil, want an error", tt.spec, s)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseCron(%q) = %v, want an error containing %q", tt.spec, err, tt.want)
			}
		})
	}
}

// FuzzParseCron checks that no spec makes ParseCron panic, and that an
// accepted spec fires later than the time it is asked about. The seeds run
// with every go test.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"0 9 1 * *", "@daily", "TZ=", "TZ=TZ=TZ=", "CRON_TZ=0", "*/0 * * * * *", "@every 0s", "0-", "?", "1-2/3,4 * * * * *", "@"} {
		f.Add(s)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseCron(spec, shanghai)
		if err != nil {
			return
		}
		after := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
		next := s.Next(after)
		if next.IsZero() {
			return // a spec such as "0 0 30 2 *" never fires
		}
		if !next.After(after) {
			t.Errorf("ParseCron(%q).Next(%v) = %v, want a later time", spec, after, next)
		}
	})
}

// TestWrittenZero checks each field that has a default when written as
// zero: the zero is kept where it means something, and otherwise reaches
// the field's check, which names the file, line and field.
func TestWrittenZero(t *testing.T) {
	const doc = `timezone: Asia/Shanghai
notifications:
  link: https://example.com/inspect
  %s
tiers:
  key:
    target: 0.97
    %s
industries:
  - id: food
    %s
    categories:
      - {id: oil, tier: general}
schedules:
  - name: s
    industry: food
    cron: "@daily"
    batches: 1
    %s
%s
`
	tests := []struct {
		place, line string // place: notifications, tier, industry, schedule or top
		want        string // the error; "" when the zero is kept
		kept        func(c *Config) any
	}{
		{"top", "min_batches: 0", "", func(c *Config) any { return c.MinBatches }},
		{"schedule", "no_repeat: 0d", "", func(c *Config) any { return int64(c.Schedules[0].NoRepeat) }},
		{"schedule", "min_per_stratum: 0", "", func(c *Config) any { return c.Schedules[0].MinPerStratum }},
		{"schedule", "max_tasks_per_inspector: 0", "", func(c *Config) any { return c.Schedules[0].MaxTasksPerInspector }},
		{"schedule", "deadline: 0s", "", func(c *Config) any { return int64(c.Schedules[0].Deadline) }},
		{"schedule", "max_catch_up: 0", "zero.yaml:19: schedules[0].max_catch_up: must be positive", nil},
		{"schedule", "inspectors_per_task: 0", "zero.yaml:19: schedules[0].inspectors_per_task: must be positive", nil},
		{"schedule", "fail_boost: 0", "zero.yaml:19: schedules[0].fail_boost: boost 0 must be at least 1", nil},
		{"schedule", "due: 0d", "zero.yaml:19: schedules[0].due: must be positive", nil},
		{"industry", "objection_period: 0d", "zero.yaml:11: industries[0].objection_period: 0s: want whole days from 1d to 365d", nil},
		{"tier", "stability: {periods: 0}", "zero.yaml:8: tiers.key.stability.periods: must be at least 1", nil},
		{"notifications", "attempts: 0", "zero.yaml:4: notifications.attempts: want 1 to 20 attempts", nil},
		{"notifications", "backoff: 0s", "zero.yaml:4: notifications.backoff: want at least 1s", nil},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			lines := map[string]string{"notifications": "attempts: 6", "tier": "aggregate: pooled",
				"industry": "name: Food", "schedule": "due: 30d", "top": "windows: [30d]"}
			lines[tt.place] = tt.line
			data := fmt.Sprintf(doc, lines["notifications"], lines["tier"], lines["industry"], lines["schedule"], lines["top"])
			c, err := Parse("zero.yaml", []byte(data))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse(%s) = %v, want the zero kept", tt.line, err)
				}
				if got := tt.kept(c); !reflect.ValueOf(got).IsZero() {
					t.Errorf("Parse(%s): value = %v, want 0 as written", tt.line, got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%s) = %v, want an error containing %q", tt.line, err, tt.want)
			}
			if n := len(leaves(err)); n != 1 {
				t.Errorf("Parse(%s) = %d errors, want 1: %v", tt.line, n, err)
			}
		})
	}
}

// checkBeacon checks beacon schedules and their defaults.
func checkBeacon(t *testing.T, c *Config) {
	t.Helper()
	want := []Beacon{
		{Kind: "drand", Chain: "quicknet", Relays: DefaultRelays, Delay: Duration(10 * time.Minute), MaxWait: Duration(time.Hour)},
		{Kind: "text", Description: "中国福利彩票双色球开奖号码（开奖后首个工作日公布）",
			Template: "digits:2 digits:2 digits:2 digits:2 digits:2 digits:2 digits:2", After: Duration(3 * day), MaxWait: Duration(3 * day)},
	}
	for i, w := range want {
		s := c.Schedules[i]
		if s.Seed != SeedBeacon || s.Beacon == nil || !reflect.DeepEqual(*s.Beacon, w) {
			t.Errorf("Schedules[%d]: seed %q beacon %+v, want beacon %+v", i, s.Seed, s.Beacon, w)
		}
	}
}

// categoryTiers maps each category id of the industry to its tier.
func (ind *Industry) categoryTiers() map[string]string {
	m := make(map[string]string, len(ind.Categories))
	for _, c := range ind.Categories {
		m[c.ID] = c.Tier
	}
	return m
}
