package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// recentDays is the span of the ledger counts that `schedules` shows.
const recentDays = 7

// scheduleView is one schedule as `schedules --format json` shows it.
type scheduleView struct {
	Name      string                 `json:"name"`
	Industry  string                 `json:"industry"`
	Cron      string                 `json:"cron"`
	Timezone  string                 `json:"timezone"`
	CatchUp   string                 `json:"catch_up"`
	Overlap   sampling.OverlapPolicy `json:"overlap"`
	NextFires []time.Time            `json:"next_fires"`
	LastFire  *storage.Fire          `json:"last_fire"`
	Recent    map[string]int         `json:"last_7_days"` // fires by status
	Paused    bool                   `json:"paused"`
	Pause     *storage.ScheduleState `json:"pause,omitempty"` // who paused it, when and why
}

func cmdSchedules(ctx context.Context, args []string, e env) error {
	c := newCommand("schedules", "schedules [--config FILE | --demo] [--next N] [--format table|json]", e)
	next := c.fs.Int("next", 3, "how many next fire times to show")
	withDemo := c.fs.Bool("demo", false, "show the schedules of serve --demo")
	format := c.formatFlag("output format: table or json", "table", "json")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	cfg, err := c.loadConfigOrDemo(*withDemo)
	if err != nil {
		return err
	}
	if len(cfg.Schedules) == 0 {
		return usageError("no schedules configured: pass --config FILE (or set SPOTCHECK_CONFIG), or --demo for the demo's")
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	now := e.now()
	last, err := store.LastFires(ctx)
	if err != nil {
		return err
	}
	counts, err := store.FireCounts(ctx, now.AddDate(0, 0, -recentDays))
	if err != nil {
		return err
	}
	states, err := store.ScheduleStates(ctx)
	if err != nil {
		return err
	}
	views := make([]scheduleView, 0, len(cfg.Schedules))
	for _, sc := range cfg.Schedules {
		v := scheduleView{Name: sc.Name, Industry: sc.Industry, Cron: sc.Cron, Timezone: sc.Location.String(),
			CatchUp: sc.CatchUp, Overlap: sc.Overlap, NextFires: append([]time.Time{}, sc.Spec.Upcoming(now, *next)...), Recent: map[string]int{}}
		if f, ok := last[sc.Name]; ok {
			f.NominalTime, f.RecordedAt = f.NominalTime.In(sc.Location), f.RecordedAt.In(sc.Location)
			v.LastFire = &f
		}
		if n := counts[sc.Name]; n != nil {
			v.Recent = n
		}
		if st, ok := states[sc.Name]; ok && st.Paused {
			st.ChangedAt = st.ChangedAt.In(sc.Location)
			v.Paused, v.Pause = true, &st
		}
		views = append(views, v)
	}
	if *format == "json" {
		return writeJSON(e.stdout, views)
	}
	t := newTable(e.stdout, "SCHEDULE", "INDUSTRY", "CRON", "ZONE", "NEXT FIRES", "LAST FIRE", "LAST 7 DAYS", "STATE")
	for _, v := range views {
		var times []string
		for _, n := range v.NextFires {
			times = append(times, n.Format(time.DateTime))
		}
		lastFire := "-"
		if f := v.LastFire; f != nil {
			lastFire = fmt.Sprintf("%s %s (%s)", f.NominalTime.Format(time.DateTime), f.Status, f.Kind)
		}
		state := "active"
		if p := v.Pause; p != nil {
			state = fmt.Sprintf("paused since %s by %s: %s", p.ChangedAt.Format(time.DateTime), p.ChangedBy, p.Reason)
		}
		t.row(v.Name, v.Industry, v.Cron, v.Timezone, strings.Join(times, ", "), lastFire, describeCounts(v.Recent), state)
	}
	return t.flush()
}

// describeCounts renders fire counts as "12 made, 1 missed".
func describeCounts(n map[string]int) string {
	var parts []string
	for _, status := range sampling.FireStatuses() {
		if n := n[string(status)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, status))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

const scheduleUsage = `Usage:
  spotcheck schedule pause NAME --reason TEXT   stop making plans; fires are recorded as skipped
  spotcheck schedule resume NAME                make plans again
  spotcheck schedule history NAME [--limit N] [--format table|json]   the schedule's fire ledger
`

func cmdSchedule(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, scheduleUsage)
		return usageError("schedule: want a subcommand: pause, resume or history")
	}
	switch args[0] {
	case "pause":
		return cmdSchedulePause(ctx, args[1:], e, true)
	case "resume":
		return cmdSchedulePause(ctx, args[1:], e, false)
	case "history":
		return cmdScheduleHistory(ctx, args[1:], e)
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, scheduleUsage)
		return nil
	}
	fmt.Fprint(e.stderr, scheduleUsage)
	return usageError("schedule: unknown subcommand %q (want pause, resume or history)", args[0])
}

// cmdSchedulePause pauses or resumes a schedule for every replica: the
// state is stored in the database.
func cmdSchedulePause(ctx context.Context, args []string, e env, pause bool) error {
	name, synopsis := "schedule resume", "schedule resume NAME"
	if pause {
		name, synopsis = "schedule pause", "schedule pause NAME --reason TEXT"
	}
	c := newCommand(name, synopsis, e)
	reason := new(string)
	if pause {
		reason = c.fs.String("reason", "", "why the schedule is paused (required; shown in schedules and in the ledger)")
	}
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if pause && strings.TrimSpace(*reason) == "" {
		return usageError("schedule pause: give --reason TEXT: it is recorded with every fire skipped while paused")
	}
	sc, err := c.configuredSchedule(pos[0])
	if err != nil {
		return err
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	before, after, err := store.SetPaused(ctx, sc.Name, pause, strings.TrimSpace(*reason), cliActor(e))
	if err != nil {
		return err
	}
	at := func(st storage.ScheduleState) string {
		return st.ChangedAt.In(sc.Location).Format(tableSeconds)
	}
	switch {
	case pause && before.Paused:
		fmt.Fprintf(e.stdout, "schedule %s was already paused (by %s since %s); reason now: %s\n", sc.Name, before.ChangedBy, at(before), after.Reason)
	case pause:
		fmt.Fprintf(e.stdout, "schedule %s paused by %s at %s: %s\nits fires are recorded as skipped until: spotcheck schedule resume %s\n",
			sc.Name, after.ChangedBy, at(after), after.Reason, sc.Name)
	case !before.Paused:
		fmt.Fprintf(e.stdout, "schedule %s is not paused\n", sc.Name)
	default:
		fmt.Fprintf(e.stdout, "schedule %s resumed by %s at %s (paused by %s since %s: %s)\n",
			sc.Name, after.ChangedBy, at(after), before.ChangedBy, at(before), before.Reason)
	}
	return nil
}

func cmdScheduleHistory(ctx context.Context, args []string, e env) error {
	c := newCommand("schedule history", "schedule history NAME [--limit N] [--format table|json]", e)
	limit := c.fs.Int("limit", 20, "at most this many fires, newest first")
	format := c.formatFlag("output format: table or json", "table", "json")
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	sc, err := c.configuredSchedule(pos[0])
	if err != nil {
		return err
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	fires, err := store.RecentFires(ctx, sc.Name, max(*limit, 1))
	if err != nil {
		return err
	}
	for i := range fires {
		f := &fires[i]
		f.NominalTime, f.RecordedAt = f.NominalTime.In(sc.Location), f.RecordedAt.In(sc.Location)
		if f.StartedAt != nil {
			started := f.StartedAt.In(sc.Location)
			f.StartedAt = &started
		}
	}
	if *format == "json" {
		if fires == nil {
			fires = []storage.Fire{}
		}
		return writeJSON(e.stdout, fires)
	}
	if len(fires) == 0 {
		fmt.Fprintf(e.stderr, "no fires of %s in the ledger yet\n", sc.Name)
	}
	t := newTable(e.stdout, "NOMINAL TIME", "KIND", "STATUS", "RECORDED AT", "LAG", "BY", "REASON", "MESSAGE")
	for _, f := range fires {
		lag := "-"
		if f.Status == sampling.FireMade && f.Kind != sampling.KindManual {
			lag = f.RecordedAt.Sub(f.NominalTime).Round(time.Millisecond).String()
		}
		t.row(f.NominalTime.Format(tableSeconds), f.Kind, string(f.Status), f.RecordedAt.Format(tableSeconds), lag,
			cmp.Or(f.RequestedBy, "-"), cmp.Or(f.Reason, "-"), cmp.Or(f.Message, "-"))
	}
	return t.flush()
}

// configuredSchedule returns the named schedule of the configuration, or a
// usage error listing the known ones.
func (c *command) configuredSchedule(name string) (*config.Schedule, error) {
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, err
	}
	sc := cfg.Schedule(name)
	if sc == nil {
		return nil, usageError("%s: no schedule %q in the configuration (%s)", c.fs.Name(), name, scheduleNames(cfg))
	}
	return sc, nil
}
