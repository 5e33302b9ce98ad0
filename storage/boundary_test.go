package storage_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// The tests in this file pin the inclusive and exclusive edges of the
// ledger and of the results' objection period: each fails when its
// boundary moves by one (a zone, a day, a millisecond).

// hosts are the host time zones the time boundaries run under: the
// configured zone's own, UTC, and one far behind it. The store is told the
// configured zone by the times it is given; the host's zone must not matter.
var hosts = []string{"Asia/Shanghai", "UTC", "America/Los_Angeles"}

// onHost runs test on every backend with the host's local zone set to
// each of hosts in turn, restoring it afterwards. The tests of this package
// do not run in parallel, so nothing else reads time.Local meanwhile.
func onHost(t *testing.T, test func(t *testing.T, s *storage.Store)) {
	for _, host := range hosts {
		t.Run("host "+host, func(t *testing.T) {
			saved := time.Local
			time.Local = mustZone(host)
			t.Cleanup(func() { time.Local = saved })
			forEachBackend(t, test)
		})
	}
}

// TestFireKeyNormalisedToUTC: the same instant reaching the ledger in two
// zones is one fire: one ledger row and one plan, whichever path records
// it first. A manual fire at that instant is a fire of its own.
func TestFireKeyNormalisedToUTC(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		inShanghai := nominal.In(shanghai) // 09:00 in Shanghai, 01:00 UTC
		first, err := s.Settle(t.Context(), claim(sampling.KindScheduled, inShanghai), maker(t, s, sampling.KindScheduled, inShanghai))
		if err != nil || !first.Fresh || first.Fire.Status != sampling.FireMade {
			t.Fatalf("Settle(09:00 Shanghai) = %+v, %v; want a fresh made fire", first.Fire, err)
		}
		again, err := s.Settle(t.Context(), claim(sampling.KindCatchUp, nominal), func(sampling.DrawRecord) (sampling.Plan, error) {
			t.Error("draw called for the 01:00 UTC fire, the same instant as the 09:00 Shanghai fire already made")
			return sampling.Plan{}, nil
		})
		if err != nil || again.Fresh || again.Fire.ID != first.Fire.ID {
			t.Errorf("Settle(01:00 UTC) = %+v, %v; want the ledger's row %d, not fresh", again.Fire, err, first.Fire.ID)
		}
		inLA := nominal.In(mustZone("America/Los_Angeles"))
		if fresh, err := s.RecordFire(t.Context(), storage.Fire{Schedule: schedule, NominalTime: inLA, Kind: sampling.KindScheduled, Status: sampling.FireMissed}); err != nil || fresh {
			t.Errorf("RecordFire(the same instant in Los Angeles) = %v, %v; want false (already in the ledger)", fresh, err)
		}
		if plans, tasks := countRows(t, s); plans != 1 || tasks != 3 {
			t.Errorf("after one instant in three zones: %d plans, %d tasks; want 1, 3", plans, tasks)
		}
		if l := ledger(t, s); l != "01:00:00 made" {
			t.Errorf("ledger = %q, want one made fire", l)
		}
		// The first path to record an instant wins, in whatever zone.
		later := nominal.Add(time.Hour)
		if fresh, err := s.RecordFire(t.Context(), storage.Fire{Schedule: schedule, NominalTime: later.In(shanghai), Kind: sampling.KindCatchUp, Status: sampling.FireMissed}); err != nil || !fresh {
			t.Fatalf("RecordFire(10:00 Shanghai) = %v, %v; want true", fresh, err)
		}
		if fresh, err := s.RecordFire(t.Context(), storage.Fire{Schedule: schedule, NominalTime: later, Kind: sampling.KindScheduled, Status: sampling.FireMissed}); err != nil || fresh {
			t.Errorf("RecordFire(02:00 UTC, the same instant) = %v, %v; want false", fresh, err)
		}
		// A manual fire at the made instant is a fire of its own.
		manual, err := s.Settle(t.Context(), claim(sampling.KindManual, nominal), maker(t, s, sampling.KindManual, nominal))
		if err != nil || !manual.Fresh || manual.Fire.ID == first.Fire.ID {
			t.Errorf("Settle(manual at the same instant) = %+v, %v; want a fresh fire of its own", manual.Fire, err)
		}
		if l := ledger(t, s); l != "01:00:00 made, 01:00:00 made, 02:00:00 missed" {
			t.Errorf("ledger = %q, want the made fire, the manual one and the missed one", l)
		}
	})
}

// TestObjectionPeriodLastDay: a result recorded on 5 November with the
// default 15-day period may be objected to up to and including 20
// November, its last day; it is not finalized on that day, and is on the
// day after. "Today" is the date in the configured zone (Shanghai) of the
// instant given, whatever the host's zone: 00:30 on 21 November in Shanghai
// is still 20 November in UTC and in Los Angeles.
func TestObjectionPeriodLastDay(t *testing.T) {
	at := func(date, clock string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly+" 15:04", date+" "+clock, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	onHost(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 4)
		// Recorded at 00:30 on 5 November in Shanghai (16:30 on the 4th in UTC).
		results := []sampling.Result{pass(ids[0], "2026-11-05"), fail(ids[1], "2026-11-05", "x"), fail(ids[2], "2026-11-05", "x"), pass(ids[3], "2026-11-05")}
		if n, err := s.RecordResults(ctx, results, at("2026-11-05", "00:30")); n != 4 || err != nil {
			t.Fatalf("RecordResults = %d, %v", n, err)
		}
		hist, err := s.ResultHistory(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if got := hist[0].ObjectionUntil; got != "2026-11-20" {
			t.Fatalf("ObjectionUntil = %s, want 2026-11-20 (recorded 2026-11-05 in Shanghai + 15 days)", got)
		}
		// Objections: on the last day, accepted; the day after, refused.
		if err := s.RecordObjection(ctx, ids[1], "2026-11-20", dayOf(at("2026-11-20", "23:59"))); err != nil {
			t.Errorf("RecordObjection on the period's last day = %v, want accepted", err)
		}
		err = s.RecordObjection(ctx, ids[2], "2026-11-21", dayOf(at("2026-11-21", "00:30")))
		if got := problemList(rejected(t, err)); !slices.Equal(got, []string{"1 lodged_on"}) || !strings.Contains(err.Error(), "2026-11-21 is after the objection period, which ended on 2026-11-20") {
			t.Errorf("RecordObjection the day after the period = %v (%v), want lodged_on after the period", got, err)
		}
		// Finalization: not on the last day, even at its last minute.
		for _, clock := range []string{"00:00", "23:59"} {
			if n, err := s.FinalizeResults(ctx, dayOf(at("2026-11-20", clock))); n != 0 || err != nil {
				t.Errorf("FinalizeResults(2026-11-20 %s Shanghai, the period's last day) = %d, %v; want 0", clock, n, err)
			}
		}
		checkCounts(t, s, [2]int{4, 2}, [2]int{})
		// A retest on the last day is still taken.
		if n, err := s.RecordResults(ctx, []sampling.Result{retest(pass(ids[3], "2026-11-20"))}, at("2026-11-20", "23:59")); n != 1 || err != nil {
			t.Errorf("RecordResults(retest on the period's last day) = %d, %v; want 1", n, err)
		}
		// The day after, at 00:30 in Shanghai: the three unobjected,
		// unretested results are final (ids[1] waits on its objection,
		// ids[3]'s retest was final at once).
		if n, err := s.FinalizeResults(ctx, dayOf(at("2026-11-21", "00:30"))); n != 2 || err != nil {
			t.Errorf("FinalizeResults(2026-11-21 00:30 Shanghai, the day after) = %d, %v; want 2", n, err)
		}
		checkCounts(t, s, [2]int{1, 1}, [2]int{3, 1})
		// A retest the day after the period, without an objection: final.
		_, err = s.RecordResults(ctx, []sampling.Result{retest(pass(ids[2], "2026-11-21"))}, at("2026-11-21", "00:30"))
		if rej := rejected(t, err); !rej.Conflict() || !strings.Contains(err.Error(), "the objection period of task") || !strings.Contains(err.Error(), "ended on 2026-11-20; it is final") {
			t.Errorf("retest the day after the period = %v, want a conflict: the result is final", err)
		}
		checkRebuild(t, s)
	})
}

// TestObjectionPeriodOfOneDay: with a one-day period, a result recorded on
// 5 November can be objected to on the 6th and is final on the 7th.
func TestObjectionPeriodOfOneDay(t *testing.T) {
	forEachBackendWith(t, withObjection(sampling.ObjectionPolicy{Days: map[string]int{"textiles": 1}, DefaultDays: 15}), func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 1)
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(ids[0], "2026-11-05")}, on("2026-11-05")); err != nil {
			t.Fatal(err)
		}
		hist, err := s.ResultHistory(ctx, ids[0])
		if err != nil || hist[0].ObjectionUntil != "2026-11-06" {
			t.Fatalf("ResultHistory = %+v, %v; want ObjectionUntil 2026-11-06", hist, err)
		}
		if n, err := s.FinalizeResults(ctx, dayOf(on("2026-11-06"))); n != 0 || err != nil {
			t.Errorf("FinalizeResults(2026-11-06, the last day) = %d, %v; want 0", n, err)
		}
		if n, err := s.FinalizeResults(ctx, dayOf(on("2026-11-07"))); n != 1 || err != nil {
			t.Errorf("FinalizeResults(2026-11-07, the day after) = %d, %v; want 1", n, err)
		}
	})
}

// TestRetestSameDay: a retest on the day of the result it retests is
// taken; one the day before is refused naming tested_on.
func TestRetestSameDay(t *testing.T) {
	onHost(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 2)
		today := on("2026-11-05").Add(23 * time.Hour) // 23:00 in Shanghai, 15:00 UTC
		if n, err := s.RecordResults(ctx, []sampling.Result{fail(ids[0], "2026-11-05", "x"), fail(ids[1], "2026-11-05", "x")}, today); n != 2 || err != nil {
			t.Fatalf("RecordResults = %d, %v", n, err)
		}
		_, err := s.RecordResults(ctx, []sampling.Result{retest(pass(ids[1], "2026-11-04"))}, today)
		if got := problemList(rejected(t, err)); !slices.Equal(got, []string{"1 tested_on"}) ||
			!strings.Contains(err.Error(), "the retest on 2026-11-04 is before the result it retests (2026-11-05)") {
			t.Errorf("retest the day before = %v (%v), want tested_on before the result", got, err)
		}
		if n, err := s.RecordResults(ctx, []sampling.Result{retest(pass(ids[0], "2026-11-05"))}, today); n != 1 || err != nil {
			t.Fatalf("RecordResults(retest on the same day) = %d, %v; want 1, nil", n, err)
		}
		hist, err := s.ResultHistory(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[1].Kind != sampling.ResultRetest || hist[1].TestedOn != "2026-11-05" || hist[1].CountedOn != "2026-11-05" || hist[0].State != sampling.ResultSuperseded {
			t.Errorf("ResultHistory = %+v, want the fail superseded by a same-day retest counted on 2026-11-05", hist)
		}
		checkCounts(t, s, [2]int{1, 1}, [2]int{1, 0})
		checkRebuild(t, s)
	})
}

// TestOverlapSkipPlanFinishesExactlyAtNextFire: under the skip policy, a
// plan whose making ends exactly when the next fire is due does not
// overlap it: the next fire is made. Ending a millisecond later, it
// overlaps and the next fire is skipped. The same edge holds for buffer.
func TestOverlapSkipPlanFinishesExactlyAtNextFire(t *testing.T) {
	next := nominal.Add(2 * time.Second)
	tests := []struct {
		policy   sampling.OverlapPolicy
		finished time.Time // when the 01:00:00 plan was recorded
		want     string
	}{
		{sampling.OverlapSkip, next, "01:00:00 made, 01:00:02 made"},
		{sampling.OverlapSkip, next.Add(time.Millisecond), "01:00:00 made, 01:00:02 skipped"},
		{sampling.OverlapSkip, next.Add(-time.Millisecond), "01:00:00 made, 01:00:02 made"},
		{sampling.OverlapBuffer, next, "01:00:00 made, 01:00:02 made"},
	}
	for _, tt := range tests {
		name := string(tt.policy) + " finished at " + tt.finished.Format("15:04:05.000")
		t.Run(name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *storage.Store) {
				seedRegistry(t, s, 20)
				settleAt := func(at time.Time, clock ...time.Time) storage.Fire {
					t.Helper()
					c := claim(sampling.KindScheduled, at)
					c.Overlap, c.Now = tt.policy, clockAt(clock...)
					got, err := s.Settle(t.Context(), c, maker(t, s, sampling.KindScheduled, at))
					if err != nil {
						t.Fatal(err)
					}
					return got.Fire
				}
				settleAt(nominal, nominal, tt.finished)
				second := settleAt(next, tt.finished.Add(time.Millisecond), tt.finished.Add(2*time.Millisecond))
				if got := ledger(t, s); got != tt.want {
					t.Errorf("ledger = %s, want %s (message of the second: %q)", got, tt.want, second.Message)
				}
			})
		})
	}
}

// TestOverlapMakingStartedAtNextFire: a making that began exactly when the
// next fire came due, and ran past it, is one that fire overlaps.
func TestOverlapMakingStartedAtNextFire(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		next := nominal.Add(2 * time.Second)
		// A manual fire whose making began at 01:00:02 and ended at 01:00:05.
		manual := claim(sampling.KindManual, next)
		manual.Now = clockAt(next, next.Add(3*time.Second))
		if _, err := s.Settle(t.Context(), manual, maker(t, s, sampling.KindManual, next)); err != nil {
			t.Fatal(err)
		}
		c := claim(sampling.KindScheduled, next)
		c.Overlap, c.Now = sampling.OverlapSkip, clockAt(next.Add(4*time.Second))
		got, err := s.Settle(t.Context(), c, maker(t, s, sampling.KindScheduled, next))
		if err != nil {
			t.Fatal(err)
		}
		if got.Fire.Status != sampling.FireSkipped || !strings.Contains(got.Fire.Message, "came due while the plan of the 2026-11-01T01:00:02.000Z fire was being made (2026-11-01T01:00:02.000Z to 2026-11-01T01:00:05.000Z)") {
			t.Errorf("fire due when a making began = %s %q, want skipped naming the making", got.Fire.Status, got.Fire.Message)
		}
	})
}

// TestTaskDueDateLastDay: a task due on 1 December is not overdue on that
// day, even at its last minute in the configured zone, and is overdue from
// 00:30 on the 2nd there (still the 1st in UTC and on a host behind it).
func TestTaskDueDateLastDay(t *testing.T) {
	onHost(t, func(t *testing.T, s *storage.Store) {
		ids := openPlan(t, s, 2)
		details, err := s.TaskDetails(t.Context(), storage.TaskFilter{TaskID: ids[0]}, dayOf(on("2026-11-02")))
		if err != nil || len(details) != 1 || details[0].Due != "2026-12-01" {
			t.Fatalf("TaskDetails = %+v, %v; want one task due 2026-12-01", details, err)
		}
		for _, tt := range []struct {
			name    string
			today   time.Time
			overdue int
		}{
			{"the due date, 00:00", on("2026-12-01"), 0},
			{"the due date, 23:59", on("2026-12-01").Add(23*time.Hour + 59*time.Minute), 0},
			{"the day after, 00:30", on("2026-12-02").Add(30 * time.Minute), 2},
		} {
			counts, err := s.TaskCounts(t.Context(), dayOf(tt.today))
			if err != nil || counts["overdue"] != tt.overdue || counts["assigned"] != 2-tt.overdue {
				t.Errorf("TaskCounts(%s) = %v, %v; want %d overdue, %d assigned", tt.name, counts, err, tt.overdue, 2-tt.overdue)
			}
			over, err := s.TaskDetails(t.Context(), storage.TaskFilter{Statuses: []string{sampling.TaskOverdue}}, dayOf(tt.today))
			if err != nil || len(over) != tt.overdue {
				t.Errorf("TaskDetails(overdue, %s) = %d tasks, %v; want %d", tt.name, len(over), err, tt.overdue)
			}
		}
	})
}

// TestCorrectionOnThePlanDay: a correction may date the test on the day
// the task's plan was made, in the configured zone (the plan of 01:00 UTC
// on 1 November was made on 1 November in Shanghai), not the day before.
func TestCorrectionOnThePlanDay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 1)
		if _, err := s.RecordResults(ctx, []sampling.Result{fail(ids[0], "2026-11-05", "x")}, on("2026-11-06")); err != nil {
			t.Fatal(err)
		}
		_, err := s.CorrectResult(ctx, pass(ids[0], "2026-10-31"), "typo", on("2026-11-06"))
		if got := problemList(rejected(t, err)); !slices.Equal(got, []string{"1 tested_on"}) || !strings.Contains(err.Error(), "2026-10-31 is before the task's plan was made (2026-11-01)") {
			t.Errorf("CorrectResult(tested the day before the plan) = %v (%v), want tested_on before the plan", got, err)
		}
		v, err := s.CorrectResult(ctx, pass(ids[0], "2026-11-01"), "typo", on("2026-11-06"))
		if err != nil || v.TestedOn != "2026-11-01" || v.CountedOn != "2026-11-01" {
			t.Errorf("CorrectResult(tested on the plan's day) = %+v, %v; want taken, counted on 2026-11-01", v, err)
		}
	})
}

// TestObjectionActionsNamed: an objection and its withdrawal are told
// apart in what they report: a refusal names the action tried.
func TestObjectionActionsNamed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 1)
		if _, err := s.RecordResults(ctx, []sampling.Result{fail(ids[0], "2026-11-05", "x")}, on("2026-11-05")); err != nil {
			t.Fatal(err)
		}
		err := s.WithdrawObjection(ctx, ids[0], dayOf(on("2026-11-06")))
		if err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("%s for task %d: ", storage.ActionWithdraw, ids[0])) {
			t.Errorf("WithdrawObjection(none lodged) = %v, want it to name %s", err, storage.ActionWithdraw)
		}
		err = s.RecordObjection(ctx, ids[0], "2026-11-07", dayOf(on("2026-11-06")))
		if err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("%s for task %d: ", storage.ActionObject, ids[0])) {
			t.Errorf("RecordObjection(in the future) = %v, want it to name %s", err, storage.ActionObject)
		}
	})
}

// TestFinalizeAuditListsUpTo1000IDs: the audit entry of a finalization
// lists the ids of the results it made final when there are at most 1000,
// and only the first and last id above that.
func TestFinalizeAuditListsUpTo1000IDs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 2001)
		var first, second []sampling.Result
		for i, id := range ids {
			if i < 1000 {
				first = append(first, pass(id, "2026-11-05"))
			} else {
				second = append(second, pass(id, "2026-11-06"))
			}
		}
		if _, err := s.RecordResults(ctx, first, on("2026-11-05")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordResults(ctx, second, on("2026-11-06")); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			today string
			n     int
			ids   bool
		}{{"2026-11-21", 1000, true}, {"2026-11-22", 1001, false}} {
			entries, err := s.AuditLog(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := s.FinalizeResults(ctx, dayOf(on(tt.today))); n != tt.n || err != nil {
				t.Fatalf("FinalizeResults(%s) = %d, %v; want %d", tt.today, n, err, tt.n)
			}
			added, err := s.AuditLog(ctx, entries[len(entries)-1].Seq, 0)
			if err != nil || len(added) != 1 || added[0].Action != storage.ActionFinalize {
				t.Fatalf("audit entries after FinalizeResults(%s) = %+v, %v; want one %s", tt.today, added, err, storage.ActionFinalize)
			}
			var after struct {
				Count int     `json:"count"`
				IDs   []int64 `json:"ids"`
			}
			if err := json.Unmarshal([]byte(added[0].After), &after); err != nil {
				t.Fatal(err)
			}
			if after.Count != tt.n || (len(after.IDs) == tt.n) != tt.ids || (!tt.ids && after.IDs != nil) {
				t.Errorf("finalize of %d results: audit lists %d ids (count %d); want them listed: %v", tt.n, len(after.IDs), after.Count, tt.ids)
			}
		}
	})
}
