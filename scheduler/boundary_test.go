package scheduler

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/robfig/cron/v3"

	"spotcheck/config"
	"spotcheck/sampling"
)

// The tests in this file pin the inclusive and exclusive edges of Decide:
// each fails when its boundary moves by one (a nanosecond, a fire).

func hourlyIn(t *testing.T, zone string) (cron.Schedule, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := config.ParseCron("0 * * * *", loc)
	if err != nil {
		t.Fatal(err)
	}
	return spec, loc
}

// TestDecideGraceBoundary: a fire exactly grace old is on time and made as
// scheduled; a nanosecond older it is a catch-up. A fire due exactly now is
// due; one due a nanosecond later is not. The fire at after itself was
// handled already.
func TestDecideGraceBoundary(t *testing.T) {
	spec, loc := hourlyIn(t, "Asia/Shanghai")
	fire := time.Date(2026, 11, 28, 10, 0, 0, 0, loc)
	after := fire.Add(-time.Hour)
	const grace = time.Minute
	tests := []struct {
		name string
		now  time.Time
		want []Action
	}{
		{"due exactly now", fire, []Action{{Nominal: fire, Kind: sampling.KindScheduled, Make: true}}},
		{"a nanosecond before it is due", fire.Add(-time.Nanosecond), []Action{}},
		{"exactly grace old", fire.Add(grace), []Action{{Nominal: fire, Kind: sampling.KindScheduled, Make: true}}},
		{"a nanosecond past grace", fire.Add(grace + time.Nanosecond), []Action{{Nominal: fire, Kind: sampling.KindCatchUp, Make: false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dropped := Decide(tt.now, spec, after, config.CatchUpNone, 10, grace)
			if !sameActions(got, tt.want) || dropped != 0 {
				t.Errorf("Decide(now %s) = %+v (dropped %d), want %+v", tt.now.Format(time.RFC3339Nano), got, dropped, tt.want)
			}
		})
	}
	// after is the last fire handled: it is not due again.
	if got, _ := Decide(fire, spec, fire, config.CatchUpNone, 10, grace); len(got) != 0 {
		t.Errorf("Decide(after = now = the fire) = %+v, want nothing", got)
	}
}

// TestDecideHostZoneDoesNotMatter: the same instants give the same actions
// whatever zone now and after are expressed in.
func TestDecideHostZoneDoesNotMatter(t *testing.T) {
	spec, loc := hourlyIn(t, "Asia/Shanghai")
	fire := time.Date(2026, 11, 28, 0, 0, 0, 0, loc) // midnight in Shanghai, 16:00 UTC the day before
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	for _, zone := range []*time.Location{loc, time.UTC, la} {
		got, _ := Decide(fire.Add(time.Minute).In(zone), spec, fire.Add(-time.Hour).In(zone), config.CatchUpNone, 10, time.Minute)
		if len(got) != 1 || !got[0].Nominal.Equal(fire) || got[0].Kind != sampling.KindScheduled || !got[0].Make {
			t.Errorf("Decide in %s = %+v, want the midnight fire made as scheduled", zone, got)
		}
	}
}

// TestDecideMaxDueBoundary: exactly maxDue due fires are all looked at; one
// more and the oldest is left out and counted.
func TestDecideMaxDueBoundary(t *testing.T) {
	spec, loc := hourlyIn(t, "UTC")
	after := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	for _, tt := range []struct {
		due, dropped int
	}{{maxDue, 0}, {maxDue + 1, 1}} {
		now := after.Add(time.Duration(tt.due)*time.Hour + 30*time.Minute)
		got, dropped := Decide(now, spec, after, config.CatchUpNone, 10, time.Minute)
		if len(got) != maxDue || dropped != tt.dropped {
			t.Errorf("%d due fires: %d actions, %d dropped; want %d, %d", tt.due, len(got), dropped, maxDue, tt.dropped)
			continue
		}
		if first := after.Add(time.Duration(tt.dropped+1) * time.Hour); !got[0].Nominal.Equal(first) {
			t.Errorf("%d due fires: the oldest looked at is %s, want %s", tt.due, got[0].Nominal, first)
		}
	}
}

// TestDecideCatchUpAllBudget: with catch_up all, exactly max_catch_up fires
// are made, the on-time fire among them.
func TestDecideCatchUpAllBudget(t *testing.T) {
	spec, loc := hourlyIn(t, "UTC")
	after := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	tests := []struct {
		name string
		now  time.Time
		max  int
		made int
	}{
		{"3 late, budget 3", after.Add(3*time.Hour + 30*time.Minute), 3, 3},
		{"3 late, budget 2", after.Add(3*time.Hour + 30*time.Minute), 2, 2},
		{"2 late and one on time, budget 3", after.Add(3 * time.Hour), 3, 3},
		{"2 late and one on time, budget 2", after.Add(3 * time.Hour), 2, 2},
		{"2 late and one on time, budget 1", after.Add(3 * time.Hour), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Decide(tt.now, spec, after, config.CatchUpAll, tt.max, time.Minute)
			made := 0
			for _, a := range got {
				if a.Make {
					made++
				}
			}
			for i, a := range got {
				if want := i >= len(got)-tt.made; a.Make != want {
					t.Errorf("action %d (%s): make %v, want %v: the newest %d fires are made", i, a.Nominal.Format("15:04"), a.Make, want, tt.made)
				}
			}
			if made != tt.made || len(got) != 3 {
				t.Errorf("Decide = %+v: %d made of %d, want %d of 3", got, made, len(got), tt.made)
			}
		})
	}
}

func sameActions(a, b []Action) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Nominal.Equal(b[i].Nominal) || a[i].Kind != b[i].Kind || a[i].Make != b[i].Make {
			return false
		}
	}
	return true
}

// TestPolicyReasonGraceBoundary: the reason recorded for a fire the policy
// did not make says it was within the grace when it was settled exactly
// grace after its time, and more than the grace a second later.
func TestPolicyReasonGraceBoundary(t *testing.T) {
	nominal := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	newest := nominal.Add(time.Hour)
	for _, tt := range []struct {
		late time.Duration
		want string
	}{
		{time.Minute, "settled 1m0s after its time (within the grace of 1m0s), when a newer fire was due too: catch_up policy none makes no late fire, and of fires due together only the newest, when on time"},
		{time.Minute + time.Second, "settled 1m1s after its time (more than the grace of 1m0s): catch_up policy none makes no late fire, and of fires due together only the newest, when on time"},
	} {
		if got := policyReason(nominal.Add(tt.late), nominal, newest, config.CatchUpNone, 3, time.Minute); got != tt.want {
			t.Errorf("policyReason(%s late) = %q, want %q", tt.late, got, tt.want)
		}
	}
}

// TestIntervalGaugeOnlyForFiringSchedules: a schedule that never fires
// (30 February) exports no interval; one that does exports its cadence.
func TestIntervalGaugeOnlyForFiringSchedules(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := newMetrics(reg)
	never, err := config.ParseCron("0 0 30 2 *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	daily, err := config.ParseCron("0 9 * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	m.initSchedule("never", never, now)
	m.initSchedule("daily", daily, now)
	if n := testutil.CollectAndCount(m.interval); n != 1 {
		t.Errorf("%d interval series, want 1 (the daily schedule's)", n)
	}
	if got := testutil.ToFloat64(m.interval.WithLabelValues("daily")); got != 86400 {
		t.Errorf("daily interval = %v s, want 86400", got)
	}
}

// TestNewDefaults: options left zero take their documented defaults: a
// minute's grace, ten seconds to stop, a beacon HTTP client with a ten
// second timeout, and crypto/rand; given ones are kept.
func TestNewDefaults(t *testing.T) {
	s, err := New(config.Default(), nil, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.Grace != time.Minute || s.opts.StopTimeout != 10*time.Second || s.opts.HTTPClient == nil || s.opts.HTTPClient.Timeout != 10*time.Second || s.opts.Rand != rand.Reader {
		t.Errorf("New(zero options): grace %v, stop timeout %v, HTTP client %+v, rand %v; want 1m, 10s, a 10s client, crypto/rand",
			s.opts.Grace, s.opts.StopTimeout, s.opts.HTTPClient, s.opts.Rand)
	}
	client := &http.Client{}
	s, err = New(config.Default(), nil, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), Options{Grace: time.Second, StopTimeout: time.Second, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.Grace != time.Second || s.opts.StopTimeout != time.Second || s.opts.HTTPClient != client {
		t.Errorf("New(given options) = grace %v, stop timeout %v, client %p; want 1s, 1s, %p", s.opts.Grace, s.opts.StopTimeout, s.opts.HTTPClient, client)
	}
}
