package storage_test

// Tests written for the mutants of docs/testing.md ("How the tests are
// judged") that the rest of the suite left alive: each pins the boundary or
// the value its name says, on both backends where the code is shared.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"

	"spotcheck/beacon"
	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestRejectedErrorConflictNoProblems: a rejection is a conflict only when
// it has problems and every one of them is a conflict; its message names
// each result by its place in the batch, from 1.
func TestRejectedErrorConflictNoProblems(t *testing.T) {
	for _, c := range []struct {
		problems []storage.Problem
		want     bool
	}{
		{nil, false},
		{[]storage.Problem{{Conflict: true}}, true},
		{[]storage.Problem{{Conflict: true}, {Conflict: false}}, false},
	} {
		if got := (&storage.RejectedError{Problems: c.problems}).Conflict(); got != c.want {
			t.Errorf("Conflict of %+v = %v, want %v", c.problems, got, c.want)
		}
	}
	err := &storage.RejectedError{Problems: []storage.Problem{{Index: 0, Field: "outcome", Reason: "unknown"}, {Index: 4, Field: "tested_on", Reason: "in the future"}}}
	if want := "result 1: outcome: unknown\nresult 5: tested_on: in the future"; err.Error() != want {
		t.Errorf("RejectedError = %q, want %q (results counted from 1)", err.Error(), want)
	}
}

// TestSRSInputsRoundTrip: the inputs a first-generation plan was drawn from
// come back as they were committed, and redraw the same tasks.
func TestSRSInputsRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 8)
		frame, err := s.Frame(ctx, "textiles")
		if err != nil {
			t.Fatal(err)
		}
		ins, err := s.Inspectors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 3)
		in := sampling.SRSInputs{Spec: sampling.SRSSpec{
			Schedule: "textiles-monthly", Industry: "textiles", NominalTime: nominal, Kind: sampling.KindScheduled,
			Categories: map[string]string{"garments": "general"}, Batches: 3,
			InspectorsPerTask: 2, Due: nominal.AddDate(0, 0, 30),
		}, Frame: frame, Inspectors: ins}
		p.Inputs = &in
		if created, err := s.CommitPlan(ctx, &p, "test"); err != nil || !created {
			t.Fatalf("CommitPlan = %v, %v", created, err)
		}
		got, err := s.SRSInputs(ctx, p.ID)
		if err != nil {
			t.Fatalf("SRSInputs: %v", err)
		}
		if !got.Spec.NominalTime.Equal(in.Spec.NominalTime) || !got.Spec.Due.Equal(in.Spec.Due) {
			t.Errorf("SRSInputs spec times = %v, %v; want %v, %v", got.Spec.NominalTime, got.Spec.Due, in.Spec.NominalTime, in.Spec.Due)
		}
		got.Spec.NominalTime, got.Spec.Due = in.Spec.NominalTime, in.Spec.Due
		if !reflect.DeepEqual(got.Spec, in.Spec) || len(got.Frame) != 8 || len(got.Inspectors) != 4 {
			t.Errorf("SRSInputs = spec %+v, %d units, %d inspectors; want spec %+v, 8 units, 4 inspectors", got.Spec, len(got.Frame), len(got.Inspectors), in.Spec)
		}
		for i := range min(len(got.Frame), len(frame)) {
			if got.Frame[i].CreditCode != frame[i].CreditCode || got.Frame[i].County != frame[i].County {
				t.Errorf("SRSInputs unit %d = %+v, want %+v", i, got.Frame[i], frame[i])
			}
		}
		for i := range min(len(got.Inspectors), len(ins)) {
			if got.Inspectors[i].ID != ins[i].ID || got.Inspectors[i].County != ins[i].County {
				t.Errorf("SRSInputs inspector %d = %+v, want %+v", i, got.Inspectors[i], ins[i])
			}
		}
	})
}

// TestSigningKeyMadeOnce: the first call makes the signing key, every later
// one returns the same key.
func TestSigningKeyMadeOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		first, err := s.SigningKey(t.Context(), nominal)
		if err != nil || len(first) != ed25519.PrivateKeySize {
			t.Fatalf("SigningKey = %d bytes, %v; want %d", len(first), err, ed25519.PrivateKeySize)
		}
		again, err := s.SigningKey(t.Context(), nominal.Add(1))
		if err != nil || !bytes.Equal(again, first) {
			t.Errorf("SigningKey again = %x, %v; want %x", again, err, first)
		}
	})
}

// announceClaim is the claim of a beacon-seeded fire of schedule at at,
// its announcement made as the scheduler makes it, with src as its beacon;
// seq, when not 0, overrides the sequence Make gives.
func announceClaim(t *testing.T, key ed25519.PrivateKey, kind string, at time.Time, src publication.Source, seq int64) storage.AnnounceClaim {
	return storage.AnnounceClaim{Schedule: schedule, NominalTime: at, Kind: kind, RequestedBy: "test",
		Design: testDesign(at, 3), Now: clockAt(at.Add(time.Minute)),
		Make: func(rec sampling.DrawRecord, prev *publication.Announcement, made time.Time) (publication.Announcement, sampling.Frozen, error) {
			fz, err := sampling.Freeze(rec)
			if err != nil {
				t.Fatalf("Freeze: %v", err)
			}
			a := publication.NewAnnouncement(prev, fz, src, made)
			if seq != 0 {
				a.Sequence = seq
			}
			publication.SignAnnouncement(&a, key)
			return a, fz, nil
		}}
}

// TestAnnouncementChain: announcements chain from 1, each due when its
// beacon is (a text's expected time, a drand round's time); a fire
// announced again returns its announcement unchanged; the filters select
// by sequence, up to a sequence, awaiting, and by plan; the plan is drawn
// once; an announcement that does not follow the chain is refused.
func TestAnnouncementChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 12)
		key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		at1, at2 := nominal, nominal.AddDate(0, 1, 0)
		text := publication.Source{Kind: beacon.KindText, Description: "lottery", Template: "{n}", ExpectedAt: at1.Add(48 * time.Hour)}
		drand := publication.Source{Kind: beacon.KindDrand, Chain: "c0ffee", ChainName: "quicknet", Round: 7, RoundTime: at2.Add(time.Hour)}

		first, err := s.Announce(ctx, announceClaim(t, key, sampling.KindScheduled, at1, text, 0))
		if err != nil {
			t.Fatalf("Announce 1: %v", err)
		}
		a1 := first.Announcement
		if !first.Fresh || a1.Sequence != 1 || a1.FireID != first.Fire.ID || first.Fire.ID == 0 ||
			!a1.DueAt.Equal(text.ExpectedAt) || a1.BeaconKind != beacon.KindText || a1.Published.Previous != "" {
			t.Fatalf("Announce 1 = %+v, want fresh sequence 1 of its fire, due %v, text, no previous", first, text.ExpectedAt)
		}
		wantMsg := `announcement 1; the plan awaits its beacon (text "lottery" in template "{n}", expected at 2026-11-03T01:00:00.000Z)`
		if first.Fire.Message != wantMsg || first.Fire.Status != sampling.FireMade {
			t.Errorf("fire of announcement 1 = %s %q, want made %q", first.Fire.Status, first.Fire.Message, wantMsg)
		}
		again, err := s.Announce(ctx, announceClaim(t, key, sampling.KindScheduled, at1, text, 0))
		if err != nil || again.Fresh || again.Fire.ID != first.Fire.ID || again.Announcement.Sequence != 1 || again.Announcement.Hash != a1.Hash {
			t.Fatalf("Announce 1 again = %+v, %v; want the same fire and announcement, not fresh", again, err)
		}
		if _, err := s.Announce(ctx, announceClaim(t, key, sampling.KindScheduled, at2, drand, 3)); err == nil || !strings.Contains(err.Error(), "announcement 3 does not follow the chain's last (1)") {
			t.Errorf("Announce with sequence 3 after 1 = %v, want refused as not following", err)
		}
		second, err := s.Announce(ctx, announceClaim(t, key, sampling.KindScheduled, at2, drand, 0))
		if err != nil {
			t.Fatalf("Announce 2: %v", err)
		}
		a2 := second.Announcement
		if a2.Sequence != 2 || a2.Published.Previous != a1.Hash || !a2.DueAt.Equal(drand.RoundTime) || a2.BeaconKind != beacon.KindDrand {
			t.Fatalf("Announce 2 = %+v, want sequence 2 after %s, due %v, drand", a2, a1.Hash, drand.RoundTime)
		}
		wantMsg = "announcement 2; the plan awaits its beacon (drand quicknet round 7 at 2026-12-01T02:00:00.000Z)"
		if second.Fire.Message != wantMsg {
			t.Errorf("fire of announcement 2: %q, want %q", second.Fire.Message, wantMsg)
		}

		seqs := func(f storage.AnnouncementFilter) []int64 {
			t.Helper()
			as, err := s.Announcements(ctx, f)
			if err != nil {
				t.Fatalf("Announcements(%+v): %v", f, err)
			}
			var out []int64
			for _, a := range as {
				out = append(out, a.Sequence)
				if a.Published.Sequence != a.Sequence || a.Published.Schedule != schedule {
					t.Errorf("announcement %d decoded as %+v", a.Sequence, a.Published)
				}
			}
			return out
		}
		for _, c := range []struct {
			f    storage.AnnouncementFilter
			want []int64
		}{
			{storage.AnnouncementFilter{}, []int64{1, 2}},
			{storage.AnnouncementFilter{Sequence: 2}, []int64{2}},
			{storage.AnnouncementFilter{Sequence: 1}, []int64{1}},
			{storage.AnnouncementFilter{UpTo: 1}, []int64{1}},
			{storage.AnnouncementFilter{UpTo: 2}, []int64{1, 2}},
			{storage.AnnouncementFilter{Awaiting: true}, []int64{1, 2}},
		} {
			if got := seqs(c.f); !slices.Equal(got, c.want) {
				t.Errorf("Announcements(%+v) = %v, want %v", c.f, got, c.want)
			}
		}

		rec, err := s.FrozenRecord(ctx, a1)
		if err != nil || rec.Schedule != schedule || rec.Kind != sampling.KindScheduled || !rec.NominalTime.Equal(at1) || rec.Compact().Len() != 12 {
			t.Fatalf("FrozenRecord 1 = %s %s %v with %d units, %v; want the scheduled fire at %v with 12 units", rec.Schedule, rec.Kind, rec.NominalTime, rec.Compact().Len(), err, at1)
		}
		rec.Seed = sampling.SeedFromText("beacon 1")
		plan, err := sampling.DrawPlan(rec)
		if err != nil {
			t.Fatal(err)
		}
		v := beacon.Value{Kind: beacon.KindText, Text: "42"}
		drawnAt := at1.Add(49 * time.Hour)
		if err := s.DrawAnnounced(ctx, 1, v, &plan, clockAt(drawnAt), nil); err != nil || plan.ID == 0 {
			t.Fatalf("DrawAnnounced 1 = %v, plan %d", err, plan.ID)
		}
		if again := plan; s.DrawAnnounced(ctx, 1, v, &again, clockAt(drawnAt), nil) == nil {
			t.Errorf("DrawAnnounced 1 again: no error, want ErrDrawn")
		} else if err := s.DrawAnnounced(ctx, 1, v, &again, clockAt(drawnAt), nil); !errors.Is(err, storage.ErrDrawn) {
			t.Errorf("DrawAnnounced 1 again = %v, want ErrDrawn", err)
		}
		if err := s.DrawAnnounced(ctx, 9, v, &plan, clockAt(drawnAt), nil); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("DrawAnnounced 9 = %v, want ErrNotFound", err)
		}
		if got := seqs(storage.AnnouncementFilter{Awaiting: true}); !slices.Equal(got, []int64{2}) {
			t.Errorf("awaiting after drawing 1 = %v, want [2]", got)
		}
		if got := seqs(storage.AnnouncementFilter{PlanID: plan.ID}); !slices.Equal(got, []int64{1}) {
			t.Errorf("announcement of plan %d = %v, want [1]", plan.ID, got)
		}
		drawn, err := s.Announcements(ctx, storage.AnnouncementFilter{Sequence: 1})
		if err != nil || len(drawn) != 1 || drawn[0].Awaiting() || drawn[0].PlanID.Int64 != plan.ID || drawn[0].Value == nil || *drawn[0].Value != v ||
			!drawn[0].DrawnAt.Valid || !drawn[0].DrawnAt.Time.Equal(drawnAt) {
			t.Fatalf("announcement 1 after its draw = %+v, %v; want plan %d, value %+v, drawn at %v", drawn, err, plan.ID, v, drawnAt)
		}
		fires, err := s.Fires(ctx, schedule, at1)
		if err != nil {
			t.Fatal(err)
		}
		wantMsg = fmt.Sprintf("announcement 1; plan %d drawn at 2026-11-03T02:00:00.000Z with its beacon value", plan.ID)
		if len(fires) != 2 || fires[0].Message != wantMsg {
			t.Errorf("fires = %+v, want 2, the first with %q", fires, wantMsg)
		}
	})
}

// TestAnnouncePaused: a paused schedule's scheduled fire is skipped without
// an announcement; a manual one is refused with ErrPaused.
func TestAnnouncePaused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 4)
		if _, _, err := s.SetPaused(ctx, schedule, true, "holiday", "cli:ops"); err != nil {
			t.Fatal(err)
		}
		key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		src := publication.Source{Kind: beacon.KindText, Description: "lottery", Template: "{n}", ExpectedAt: nominal.Add(time.Hour)}
		got, err := s.Announce(ctx, announceClaim(t, key, sampling.KindScheduled, nominal, src, 0))
		if err != nil || !got.Fresh || got.Fire.Status != sampling.FireSkipped || got.Fire.Reason != sampling.FireReasonPaused || got.Announcement.Sequence != 0 {
			t.Errorf("Announce while paused = %+v, %v; want a fresh skipped fire, reason paused, no announcement", got, err)
		}
		if _, err := s.Announce(ctx, announceClaim(t, key, sampling.KindManual, nominal.Add(time.Hour), src, 0)); !errors.Is(err, storage.ErrPaused) {
			t.Errorf("manual Announce while paused = %v, want ErrPaused", err)
		}
		if as, err := s.Announcements(ctx, storage.AnnouncementFilter{}); err != nil || len(as) != 0 {
			t.Errorf("Announcements = %v, %v; want none", as, err)
		}
	})
}

// TestSnapshotStateReadsFromSince: the snapshot's state holds the number
// of the last change a watcher was told, the rollups from the day since on,
// a tally per task and only the plans made at or after plansSince.
func TestSnapshotStateReadsFromSince(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 20)
		var last int64
		stop := s.Watch(func(ch storage.Change) { last = ch.Seq })
		defer stop()
		var plans []sampling.Plan
		for _, at := range []time.Time{nominal, nominal.AddDate(0, 0, 12)} {
			p := drawPlan(t, s, sampling.KindScheduled, at, 4)
			if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
				t.Fatal(err)
			}
			plans = append(plans, p)
		}
		today := on("2026-11-14")
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(plans[0].Tasks[0].ID, "2026-11-14")}, today); err != nil {
			t.Fatal(err)
		}
		if last == 0 {
			t.Fatal("no change told to the watcher after a result")
		}
		st, err := s.SnapshotState(ctx, dayOf(on("2026-11-14")), nominal.AddDate(0, 0, 1))
		if err != nil {
			t.Fatalf("SnapshotState: %v", err)
		}
		if st.Seq != last {
			t.Errorf("SnapshotState seq = %d, want %d, the last change's", st.Seq, last)
		}
		if len(st.Plans) != 1 || st.Plans[0].ID != plans[1].ID || !st.Plans[0].Open {
			t.Errorf("SnapshotState plans = %+v, want only the open plan %d", st.Plans, plans[1].ID)
		}
		n, withResult := 0, 0
		for _, tl := range st.Tallies {
			n += tl.N
			if tl.Result {
				withResult += tl.N
			}
		}
		if want := len(plans[0].Tasks) + len(plans[1].Tasks); n != want || withResult != 1 {
			t.Errorf("SnapshotState tallies count %d tasks, %d with a result; want %d, 1", n, withResult, want)
		}
		tested := 0
		for _, r := range st.Rollups {
			tested += r.Tested
		}
		if tested != 1 {
			t.Errorf("SnapshotState rollups from 2026-11-14 = %+v, want 1 tested", st.Rollups)
		}
		if st, err := s.SnapshotState(ctx, dayOf(on("2026-11-15")), nominal); err != nil || len(st.Rollups) != 0 || len(st.Plans) != 2 {
			t.Errorf("SnapshotState from the day after = %d rollups, %d plans, %v; want none, 2", len(st.Rollups), len(st.Plans), err)
		}
	})
}

// TestRedactHidesPassword: a database URL's password is hidden, whatever
// else the URL holds; a URL without one is left as it is.
func TestRedactHidesPassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@db:5432/x?sslmode=disable": "postgres://u:xxxxx@db:5432/x?sslmode=disable",
		"postgres://u@db/x":                             "postgres://u@db/x",
		"postgres://db/x":                               "postgres://db/x",
		"sqlite:/var/lib/spotcheck.db":                  "sqlite:/var/lib/spotcheck.db",
		"::not a url":                                   "::not a url",
	} {
		if got := storage.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenErrorHidesPassword: the error of a PostgreSQL URL that cannot
// be opened never shows its password, even where the driver's message
// repeats it (here as the sslmode).
func TestOpenErrorHidesPassword(t *testing.T) {
	_, err := storage.Open(t.Context(), "postgres://u:bogus@127.0.0.1:5432/x?sslmode=bogus", storagetest.Logger(t))
	if err == nil || strings.Contains(err.Error(), "bogus") || !strings.HasPrefix(err.Error(), `open postgres: pq: wrong value for "sslmode": "xxxxx" is not supported`) {
		t.Errorf("Open with the password as sslmode = %v, want the open postgres error with the password hidden", err)
	}
}

// TestIsConnectionErrorCodes: PostgreSQL's class 08 and 57P01 to 57P03 are
// connection errors, other codes are not; so are a bad connection, EOF and
// a refused or reset connection, and nil is not.
func TestIsConnectionErrorCodes(t *testing.T) {
	for code, want := range map[string]bool{
		"08000": true, "08006": true, "57P01": true, "57P02": true, "57P03": true,
		"57P04": false, "57014": false, "23505": false, "40001": false, "08": false, "080000": false,
	} {
		if got := storage.IsConnectionError(fmt.Errorf("x: %w", &pq.Error{Code: pq.ErrorCode(code)})); got != want {
			t.Errorf("IsConnectionError(pq code %s) = %v, want %v", code, got, want)
		}
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false}, {errors.New("syntax"), false}, {driver.ErrBadConn, true}, {io.EOF, true},
		{io.ErrUnexpectedEOF, true}, {syscall.ECONNREFUSED, true}, {syscall.ECONNRESET, true}, {syscall.EPIPE, true},
	} {
		if got := storage.IsConnectionError(c.err); got != c.want {
			t.Errorf("IsConnectionError(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestTaskDetailsNoFilter: with no filter every task comes back, by due
// date and id, each with the inspectors its plan assigned.
func TestTaskDetailsNoFilter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		got, err := s.TaskDetails(ctx, storage.TaskFilter{}, dayOf(on("2026-11-02")))
		if err != nil || len(got) != len(p.Tasks) || len(got) == 0 {
			t.Fatalf("TaskDetails with no filter = %d tasks, %v; want %d", len(got), err, len(p.Tasks))
		}
		want := map[int64][]string{}
		for _, task := range p.Tasks {
			want[task.ID] = task.Inspectors
		}
		for i, d := range got {
			if i > 0 && got[i-1].ID >= d.ID {
				t.Errorf("task %d listed after task %d: want by id within a due date", d.ID, got[i-1].ID)
			}
			if !slices.Equal(d.Inspectors, want[d.ID]) || len(d.Inspectors) != 2 {
				t.Errorf("task %d inspectors = %v, want %v", d.ID, d.Inspectors, want[d.ID])
			}
		}
	})
}

// TestTaskEventsTestedWithoutSampling: a task tested without a sampling
// record and then closed reads assigned → tested → closed.
func TestTaskEventsTestedWithoutSampling(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		id := p.Tasks[0].ID
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(id, "2026-11-02")}, on("2026-11-02")); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseTask(ctx, id, on("2026-11-03")); err != nil {
			t.Fatal(err)
		}
		events, err := s.TaskEvents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, e := range events {
			moves = append(moves, e.From+"→"+e.To)
		}
		want := []string{sampling.TaskAssigned + "→" + sampling.TaskTested, sampling.TaskTested + "→" + sampling.TaskClosed}
		if !slices.Equal(moves, want) {
			t.Errorf("TaskEvents = %v, want %v", moves, want)
		}
	})
}

// TestTransitionNumbersChange: a sampling, a refusal and a closing each tell
// the watchers a numbered change with the task tallies they moved.
func TestTransitionNumbersChange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		var changes []storage.Change
		stop := s.Watch(func(ch storage.Change) { changes = append(changes, ch) })
		defer stop()
		now := on("2026-11-02").Add(10 * time.Hour)
		a, b := p.Tasks[0].ID, p.Tasks[1].ID
		steps := []func() error{
			func() error {
				return s.RecordSampling(ctx, a, sampling.Sampling{SampledOn: "2026-11-02", BatchNo: "B", Quantity: 1, Seals: []string{"S"}}, now, shanghai)
			},
			func() error { return s.RecordRefusal(ctx, b, sampling.Refusal{Reason: sampling.RefusalStopped}, now) },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if len(changes) != i+1 || changes[i].Seq == 0 || len(changes[i].Tallies) == 0 || (i > 0 && changes[i].Seq <= changes[i-1].Seq) {
				t.Fatalf("changes after step %d = %+v, want %d, numbered in order, with tallies", i, changes, i+1)
			}
		}
	})
}

// TestInspectorTaskIDsOwnOnly: of the ids asked, only the inspector's own
// tasks are reported.
func TestInspectorTaskIDsOwnOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		inspector := p.Tasks[0].Inspectors[0]
		var ids []int64
		want := map[int64]bool{}
		for _, task := range p.Tasks {
			ids = append(ids, task.ID)
			if slices.Contains(task.Inspectors, inspector) {
				want[task.ID] = true
			}
		}
		got, err := s.InspectorTaskIDs(ctx, inspector, append(ids, 999999))
		if err != nil || !maps.Equal(got, want) || len(want) == len(ids) {
			t.Errorf("InspectorTaskIDs(%s) = %v, %v; want %v", inspector, got, err, want)
		}
	})
}

// TestInspectorNamesEvery: every inspector's id maps to its name.
func TestInspectorNamesEvery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 2)
		got, err := s.InspectorNames(t.Context())
		want := map[string]string{"I001": "张伟", "I002": "王芳", "I003": "李娜", "I004": "刘洋"}
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("InspectorNames = %v, %v; want %v", got, err, want)
		}
	})
}

// TestFailedBatchesFromToInclusive: the failed batches counted on the
// first and the last day of the period are listed, those of the days
// around it are not; passes never are.
func TestFailedBatchesFromToInclusive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 20)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 5)
		if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
			t.Fatal(err)
		}
		days := []string{"2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"}
		var batch []sampling.Result
		for i, day := range days {
			batch = append(batch, fail(p.Tasks[i].ID, day, "x"))
		}
		batch = append(batch, pass(p.Tasks[4].ID, "2026-11-03"))
		if _, err := s.RecordResults(ctx, batch, on("2026-11-05")); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			from, to string
			want     []int64
		}{
			{"2026-11-03", "2026-11-04", []int64{p.Tasks[1].ID, p.Tasks[2].ID}},
			{"2026-11-03", "2026-11-03", []int64{p.Tasks[1].ID}},
			{"2026-11-02", "2026-11-05", []int64{p.Tasks[0].ID, p.Tasks[1].ID, p.Tasks[2].ID, p.Tasks[3].ID}},
			{"2026-11-06", "2026-11-30", nil},
		} {
			got, err := s.FailedBatches(ctx, dayOf(on(c.from)), dayOf(on(c.to)))
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, b := range got {
				ids = append(ids, b.TaskID)
				if b.PlanID != p.ID || b.FailedItems != "x" || b.CountedOn != b.TestedOn || b.Final {
					t.Errorf("failed batch %+v: want plan %d, items x, counted on its test day, not final", b, p.ID)
				}
			}
			if !slices.Equal(ids, c.want) {
				t.Errorf("FailedBatches(%s, %s) = tasks %v, want %v", c.from, c.to, ids, c.want)
			}
		}
	})
}

// TestClosedPlanIDsUntilExclusive: a closed plan whose nominal time is the
// period's start is listed, one whose nominal time is its end is not; open
// plans never are.
func TestClosedPlanIDsUntilExclusive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 20)
		at1, at2, at3 := nominal, nominal.AddDate(0, 0, 12), nominal.AddDate(0, 2, 0)
		var ids []int64
		for _, at := range []time.Time{at1, at2} {
			p := drawPlan(t, s, sampling.KindScheduled, at, 3)
			if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		if closed, err := s.ClosePlans(ctx, dayOf(on("2026-12-31")), on("2026-12-31")); err != nil || len(closed) != 2 {
			t.Fatalf("ClosePlans = %v, %v; want both", closed, err)
		}
		open := drawPlan(t, s, sampling.KindScheduled, at3, 3)
		if _, err := s.CommitPlan(ctx, &open, ""); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			from, until time.Time
			want        []int64
		}{
			{at1, at2, ids[:1]},
			{at1, at2.Add(time.Nanosecond * 1000), ids},
			{at1.Add(time.Microsecond), at3.Add(time.Hour), ids[1:]},
			{at2, at3.Add(time.Hour), ids[1:]},
		} {
			got, err := s.ClosedPlanIDs(ctx, c.from, c.until)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("ClosedPlanIDs(%v, %v) = %v, %v; want %v", c.from, c.until, got, err, c.want)
			}
		}
	})
}

// TestRecordAuditListsUpTo20Results: a batch's audit entry lists its
// result versions in task order when the batch has at most 20 (the
// retests merged with the first results), none from 21 on; it names the
// task when the batch has one result, and carries the superseded versions
// only when there are some. A batch that stores nothing (a retry) numbers
// no change.
func TestRecordAuditListsUpTo20Results(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 60)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 45)
		if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, task := range p.Tasks {
			ids = append(ids, task.ID)
		}
		slices.Sort(ids)
		if len(ids) < 43 {
			t.Fatalf("plan of %d tasks, want at least 43", len(ids))
		}
		var changes int
		stop := s.Watch(func(storage.Change) { changes++ })
		defer stop()
		day := "2026-11-02"
		type version struct {
			TaskID  int64 `json:"task_id"`
			Version int   `json:"version"`
		}
		record := func(batch []sampling.Result) (entry storage.AuditEntry, listed []version, superseded []version) {
			t.Helper()
			before, err := s.AuditLog(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var last int64
			if len(before) > 0 {
				last = before[len(before)-1].Seq
			}
			if _, err := s.RecordResults(ctx, batch, on(day)); err != nil {
				t.Fatalf("RecordResults of %d: %v", len(batch), err)
			}
			added, err := s.AuditLog(ctx, last, 0)
			if err != nil || len(added) != 1 || added[0].Action != storage.ActionRecord {
				t.Fatalf("audit entries of a batch of %d = %+v, %v; want one %s", len(batch), added, err, storage.ActionRecord)
			}
			var after struct {
				Count   int       `json:"count"`
				Results []version `json:"results"`
			}
			if err := json.Unmarshal([]byte(added[0].After), &after); err != nil {
				t.Fatal(err)
			}
			if after.Count != len(batch) {
				t.Errorf("audit entry of a batch of %d counts %d versions", len(batch), after.Count)
			}
			if added[0].Before != "" && added[0].Before != "null" {
				var b struct {
					Superseded []version `json:"superseded"`
				}
				if err := json.Unmarshal([]byte(added[0].Before), &b); err != nil {
					t.Fatal(err)
				}
				superseded = b.Superseded
			}
			return added[0], after.Results, superseded
		}
		var first []sampling.Result
		for i, id := range ids[:20] {
			if i == 1 {
				first = append(first, fail(id, day, "x"))
			} else {
				first = append(first, pass(id, day))
			}
		}
		e, listed, sup := record(first)
		if e.Entity != "results" || len(listed) != 20 || listed[0].TaskID != ids[0] || listed[19].TaskID != ids[19] || (e.Before != "" && e.Before != "null") || sup != nil {
			t.Errorf("audit of 20 results: entity %q, %d listed, before %q; want results, 20 listed in task order, no before", e.Entity, len(listed), e.Before)
		}
		var next []sampling.Result
		for _, id := range ids[20:41] {
			next = append(next, pass(id, day))
		}
		if e, listed, _ := record(next); e.Entity != "results" || len(listed) != 0 {
			t.Errorf("audit of 21 results: entity %q, %d listed; want results, none listed", e.Entity, len(listed))
		}
		e, listed, sup = record([]sampling.Result{pass(ids[41], day), retest(pass(ids[1], day))})
		if want := []version{{ids[1], 2}, {ids[41], 1}}; e.Entity != "results" || !slices.Equal(listed, want) || !slices.Equal(sup, []version{{ids[1], 1}}) {
			t.Errorf("audit of a retest and a first result: entity %q, listed %v, superseded %v; want results, %v, [{%d 1}]", e.Entity, listed, sup, want, ids[1])
		}
		if h, err := s.ResultHistory(ctx, ids[1]); err != nil || len(h) != 2 || h.Effective() == nil || h.Effective().Version != 2 || h.Effective().Outcome != sampling.OutcomePass {
			t.Errorf("history of the retested task = %+v, %v; want 2 versions, the retest's pass in effect", h, err)
		}
		if e, listed, _ := record([]sampling.Result{pass(ids[42], day)}); e.Entity != fmt.Sprintf("task/%d", ids[42]) || len(listed) != 1 {
			t.Errorf("audit of one result: entity %q, %d listed; want task/%d, 1", e.Entity, len(listed), ids[42])
		}
		if changes != 4 {
			t.Errorf("%d changes told for 4 batches, want 4", changes)
		}
		if n, err := s.RecordResults(ctx, []sampling.Result{pass(ids[42], day)}, on(day)); err != nil || n != 0 || changes != 4 {
			t.Errorf("the same result again = %d stored, %v, %d changes; want 0 stored, no change told", n, err, changes)
		}
	})
}

// TestBatchRepeatsTaskNamesFirstResult: a batch giving a task two
// different results is refused at the second, naming the first by its
// 1-based place in the batch; the same result twice is taken once.
func TestBatchRepeatsTaskNamesFirstResult(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		a, b := p.Tasks[0].ID, p.Tasks[1].ID
		day := "2026-11-02"
		_, err := s.RecordResults(ctx, []sampling.Result{pass(b, day), pass(a, day), fail(a, day, "x")}, on(day))
		var rej *storage.RejectedError
		want := fmt.Sprintf("task %d has a different result earlier in the same batch (result 2)", a)
		if !errors.As(err, &rej) || len(rej.Problems) != 1 || rej.Problems[0].Index != 2 || rej.Problems[0].Reason != want || !rej.Problems[0].Conflict {
			t.Fatalf("RecordResults with two results for task %d = %v, want one conflict at index 2: %q", a, err, want)
		}
		if n, err := s.RecordResults(ctx, []sampling.Result{pass(a, day), pass(a, day)}, on(day)); err != nil || n != 1 {
			t.Errorf("RecordResults with the same result twice = %d, %v; want 1 stored", n, err)
		}
	})
}

// TestDrawRecordRecentFirstDay: the recent results a draw counts start on
// the day sampling.RecentDays before the fire, that day included.
func TestDrawRecordRecentFirstDay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		a, b := p.Tasks[0], p.Tasks[1]
		if _, err := s.RecordResults(ctx, []sampling.Result{fail(a.ID, "2026-11-02", "x"), pass(b.ID, "2026-11-03")}, on("2026-11-03")); err != nil {
			t.Fatal(err)
		}
		count := func(at time.Time) (tested, failed int) {
			t.Helper()
			rec, err := s.DrawRecord(ctx, testDesign(at, 3), at)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range rec.Recent {
				tested, failed = tested+c.Tested, failed+c.Failed
			}
			return tested, failed
		}
		// 2027-11-02 is 365 days after 2026-11-02.
		for _, c := range []struct {
			at             time.Time
			tested, failed int
		}{
			{time.Date(2027, 11, 2, 1, 0, 0, 0, time.UTC), 2, 1},
			{time.Date(2027, 11, 3, 1, 0, 0, 0, time.UTC), 1, 0},
			{time.Date(2027, 11, 4, 1, 0, 0, 0, time.UTC), 0, 0},
		} {
			if tested, failed := count(c.at); tested != c.tested || failed != c.failed {
				t.Errorf("recent results of a draw at %v: %d tested, %d failed; want %d, %d", c.at, tested, failed, c.tested, c.failed)
			}
		}
	})
}

// TestPlanTaskCountsSinceFirstPlan: the plans counted start with one made
// exactly at since, with all its tasks; one made before is left out.
func TestPlanTaskCountsSinceFirstPlan(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 20)
		at1, at2 := nominal, nominal.AddDate(0, 0, 12)
		var sizes []int
		for _, at := range []time.Time{at1, at2} {
			p := drawPlan(t, s, sampling.KindScheduled, at, 3+len(sizes))
			if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(p.Tasks))
		}
		for _, c := range []struct {
			since time.Time
			want  map[string]int // by plan day
		}{
			{at1, map[string]int{"2026-11-01": sizes[0], "2026-11-13": sizes[1]}},
			{at2, map[string]int{"2026-11-13": sizes[1]}},
			{at2.Add(time.Microsecond), map[string]int{}},
		} {
			pc, err := s.PlanTaskCounts(ctx, c.since, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, r := range pc {
				got[r.Day.String()] += r.N
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("PlanTaskCounts(since %v) = tasks by plan day %v, want %v", c.since, got, c.want)
			}
		}
	})
}

// TestFireReadsNewestAndSince: the ledger's reads: a schedule's newest
// rows up to a limit, newest first; each schedule's newest non-manual
// row; when each schedule last made a plan; and the counts from since on,
// a fire at since included.
func TestFireReadsNewestAndSince(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		t0 := nominal
		t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
		made := func(sc string, at time.Time, kind string) storage.Fire {
			started := at.Add(time.Second)
			return storage.Fire{Schedule: sc, NominalTime: at, Kind: kind, Status: sampling.FireMade, StartedAt: &started, RecordedAt: at.Add(time.Minute)}
		}
		skipped := storage.Fire{Schedule: "s1", NominalTime: t1, Kind: sampling.KindScheduled, Status: sampling.FireSkipped,
			Reason: sampling.FireReasonPaused, Message: "paused", RecordedAt: t1.Add(time.Minute)}
		for _, f := range []storage.Fire{made("s1", t0, sampling.KindScheduled), skipped, made("s1", t2, sampling.KindManual), made("s2", t0, sampling.KindScheduled)} {
			if ok, err := s.RecordFire(ctx, f); err != nil || !ok {
				t.Fatalf("RecordFire(%+v) = %v, %v", f, ok, err)
			}
		}
		times := func(fs []storage.Fire) []time.Time {
			var out []time.Time
			for _, f := range fs {
				out = append(out, f.NominalTime.UTC())
			}
			return out
		}
		if got, err := s.RecentFires(ctx, "s1", 2); err != nil || !slices.Equal(times(got), []time.Time{t2, t1}) {
			t.Errorf("RecentFires(s1, 2) = %v, %v; want %v", times(got), err, []time.Time{t2, t1})
		}
		if got, err := s.RecentFires(ctx, "s1", 10); err != nil || !slices.Equal(times(got), []time.Time{t2, t1, t0}) {
			t.Errorf("RecentFires(s1, 10) = %v, %v; want %v", times(got), err, []time.Time{t2, t1, t0})
		}
		last, err := s.LastFires(ctx)
		if err != nil || len(last) != 2 || !last["s1"].NominalTime.Equal(t1) || last["s1"].Status != sampling.FireSkipped || !last["s2"].NominalTime.Equal(t0) {
			t.Errorf("LastFires = %+v, %v; want s1 skipped at %v, s2 at %v", last, err, t1, t0)
		}
		ok, err := s.LastSuccesses(ctx)
		if err != nil || len(ok) != 2 || !ok["s1"].Equal(t2.Add(time.Minute)) || !ok["s2"].Equal(t0.Add(time.Minute)) {
			t.Errorf("LastSuccesses = %v, %v; want s1 %v, s2 %v", ok, err, t2.Add(time.Minute), t0.Add(time.Minute))
		}
		for _, c := range []struct {
			since time.Time
			want  map[string]map[string]int
		}{
			{t0, map[string]map[string]int{"s1": {"made": 2, "skipped": 1}, "s2": {"made": 1}}},
			{t1, map[string]map[string]int{"s1": {"made": 1, "skipped": 1}}},
			{t2.Add(time.Microsecond), map[string]map[string]int{}},
		} {
			got, err := s.FireCounts(ctx, c.since)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("FireCounts(%v) = %v, %v; want %v", c.since, got, err, c.want)
			}
		}
	})
}

// TestRebuildRollupsReportsRows: a check and a rebuild of correct rollups
// report every row they hold and none changed.
func TestRebuildRollupsReportsRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		if _, err := s.RecordResults(ctx, []sampling.Result{fail(p.Tasks[0].ID, "2026-11-02", "x"), pass(p.Tasks[1].ID, "2026-11-03")}, on("2026-11-03")); err != nil {
			t.Fatal(err)
		}
		rollups, err := s.Rollups(ctx, "")
		if err != nil || len(rollups) < 2 {
			t.Fatalf("Rollups = %d rows, %v; want at least 2", len(rollups), err)
		}
		for name, f := range map[string]func(context.Context) (storage.RebuildReport, error){"CheckRollups": s.CheckRollups, "RebuildRollups": s.RebuildRollups} {
			if rep, err := f(ctx); err != nil || rep.Rows != len(rollups) || rep.Changed != 0 {
				t.Errorf("%s = %+v, %v; want %d rows, none changed", name, rep, err, len(rollups))
			}
		}
	})
}

// TestInsertTasksBatchBoundaries: a plan of exactly one batch of task rows
// (76), one of a batch and one task, a plan repeating a unit (inserted row
// by row) and a plan of no tasks each commit with every task given its own
// id, in the plan's order.
func TestInsertTasksBatchBoundaries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 100)
		for i, c := range []struct {
			batches int
			repeat  bool
		}{{76, false}, {77, false}, {5, true}, {0, false}} {
			at := nominal.AddDate(0, i, 0)
			p := drawPlan(t, s, sampling.KindScheduled, at, max(c.batches, 1))
			if c.batches == 0 {
				p.Tasks = nil
			}
			if c.repeat {
				p.Tasks = append(p.Tasks, p.Tasks[0])
			}
			if len(p.Tasks) != c.batches+map[bool]int{true: 1}[c.repeat] {
				t.Fatalf("plan of %d tasks, want %d", len(p.Tasks), c.batches)
			}
			if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
				t.Fatalf("CommitPlan of %d tasks: %v", len(p.Tasks), err)
			}
			seen := map[int64]bool{}
			for j, task := range p.Tasks {
				if task.ID == 0 || seen[task.ID] || (j > 0 && task.ID <= p.Tasks[j-1].ID) {
					t.Fatalf("plan of %d tasks: task %d has id %d, want a new id above the previous", len(p.Tasks), j, task.ID)
				}
				seen[task.ID] = true
			}
			got, err := s.TaskDetails(ctx, storage.TaskFilter{PlanID: p.ID}, dayOf(on("2026-11-02")))
			if err != nil || len(got) != len(p.Tasks) {
				t.Fatalf("TaskDetails of the plan of %d tasks = %d, %v", len(p.Tasks), len(got), err)
			}
			for _, d := range got {
				if !seen[d.ID] {
					t.Errorf("stored task %d is not one of the plan's ids", d.ID)
				}
			}
		}
	})
}

// TestCorrectionNumbersChange: a correction tells the watchers a numbered
// change carrying the rollups it moved.
func TestCorrectionNumbersChange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		id := p.Tasks[0].ID
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(id, "2026-11-02")}, on("2026-11-02")); err != nil {
			t.Fatal(err)
		}
		var changes []storage.Change
		stop := s.Watch(func(ch storage.Change) { changes = append(changes, ch) })
		defer stop()
		if _, err := s.CorrectResult(ctx, fail(id, "2026-11-02", "x"), "typo", on("2026-11-03")); err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].Seq == 0 || len(changes[0].Rollups) == 0 {
			t.Errorf("changes told for a correction = %+v, want one, numbered, with rollups", changes)
		}
	})
}

// TestDiffRollupsRoundingTolerance: rollups differ when a count differs or
// a weight differs by more than a billionth of its size; weights of a
// million apart by a ten-thousandth are the same up to rounding.
func TestDiffRollupsRoundingTolerance(t *testing.T) {
	day := dayOf(on("2026-11-02"))
	r := sampling.Rollup{Day: day, Tier: "general", Industry: "textiles", Category: "garments", County: "姑苏区", Tested: 3, Failed: 1, WTested: 1e6, WFailed: 2}
	with := func(f func(*sampling.Rollup)) []sampling.Rollup { c := r; f(&c); return []sampling.Rollup{c} }
	for name, c := range map[string]struct {
		b    []sampling.Rollup
		want int
	}{
		"same":                   {with(func(*sampling.Rollup) {}), 0},
		"weight within rounding": {with(func(x *sampling.Rollup) { x.WTested += 1e-4 }), 0},
		"weight beyond rounding": {with(func(x *sampling.Rollup) { x.WTested += 1e-2 }), 1},
		"failed weight":          {with(func(x *sampling.Rollup) { x.WFailed += 1e-6 }), 1},
		"tested":                 {with(func(x *sampling.Rollup) { x.Tested++ }), 1},
		"failed":                 {with(func(x *sampling.Rollup) { x.Failed-- }), 1},
		"another county":         {with(func(x *sampling.Rollup) { x.County = "吴江区" }), 2},
		"final":                  {with(func(x *sampling.Rollup) { x.Final = true }), 2},
		"missing":                {nil, 1},
	} {
		if got := storage.DiffRollups([]sampling.Rollup{r}, c.b); got != c.want {
			t.Errorf("DiffRollups, %s: %d, want %d", name, got, c.want)
		}
	}
}

// TestFinalizeNumbersChange: a finalization tells the watchers a numbered
// change carrying the rollups it moved from provisional to final.
func TestFinalizeNumbersChange(t *testing.T) {
	forEachBackendWith(t, withObjection(sampling.ObjectionPolicy{DefaultDays: 1}), func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(p.Tasks[0].ID, "2026-11-02")}, on("2026-11-02")); err != nil {
			t.Fatal(err)
		}
		var changes []storage.Change
		stop := s.Watch(func(ch storage.Change) { changes = append(changes, ch) })
		defer stop()
		if n, err := s.FinalizeResults(ctx, dayOf(on("2026-11-20"))); err != nil || n != 1 {
			t.Fatalf("FinalizeResults = %d, %v; want 1", n, err)
		}
		final := 0
		for _, ch := range changes {
			for _, r := range ch.Rollups {
				if r.Final {
					final += r.Tested
				}
			}
		}
		if len(changes) != 1 || changes[0].Seq == 0 || final != 1 {
			t.Errorf("changes told for a finalization = %+v, want one, numbered, with the final rollup of 1 tested", changes)
		}
	})
}

// TestDrawRecordHistoryNewestTask: a unit drawn by three plans has, in a
// draw's history, the task of the newest plan with its result.
func TestDrawRecordHistoryNewestTask(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 6)
		times := []time.Time{nominal.AddDate(0, 0, 12), nominal, nominal.AddDate(0, 0, 6)}
		newest := map[string]sampling.Task{}
		var failed int64
		for _, at := range times {
			p := drawPlan(t, s, sampling.KindScheduled, at, 6)
			if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
				t.Fatal(err)
			}
			if at.Equal(times[0]) {
				for _, task := range p.Tasks {
					newest[task.CreditCode] = task
				}
				failed = p.Tasks[0].ID
				if _, err := s.RecordResults(ctx, []sampling.Result{fail(failed, "2026-11-14", "x")}, on("2026-11-14")); err != nil {
					t.Fatal(err)
				}
			}
		}
		rec, err := s.DrawRecord(ctx, testDesign(nominal.AddDate(0, 1, 0), 3), nominal.AddDate(0, 1, 0))
		if err != nil || len(rec.History) != len(newest) || len(newest) != 6 {
			t.Fatalf("DrawRecord history = %d units, %v; want 6", len(rec.History), err)
		}
		for _, h := range rec.History {
			want := newest[h.CreditCode]
			wantOutcome := ""
			if want.ID == failed {
				wantOutcome = sampling.OutcomeFail
			}
			if h.TaskID != want.ID || !h.Time.Equal(times[0]) || h.Outcome != wantOutcome {
				t.Errorf("history of %s = task %d at %v, %q; want task %d at %v, %q", h.CreditCode, h.TaskID, h.Time, h.Outcome, want.ID, times[0], wantOutcome)
			}
		}
	})
}

// TestPopulationOver200Units: a population of more units than one insert
// statement takes (200) is stored whole: the plan's record reads every
// unit back; so are the inspectors of a plan of more assignments than one
// statement takes (333 rows of 3 columns).
func TestPopulationOver200Units(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 450)
		p := commitDraw(t, s, testDesign(nominal, 170), nominal, "over 200")
		_, rec, err := s.PlanRecord(t.Context(), p.ID)
		if err != nil || rec.Compact().Len() != 450 {
			t.Fatalf("PlanRecord = %d units, %v; want 450", rec.Compact().Len(), err)
		}
		got, err := s.TaskDetails(t.Context(), storage.TaskFilter{PlanID: p.ID}, dayOf(on("2026-11-02")))
		if err != nil || len(got) != 170 {
			t.Fatalf("TaskDetails = %d tasks, %v; want 170", len(got), err)
		}
		for _, d := range got {
			if len(d.Inspectors) != 2 {
				t.Fatalf("task %d has inspectors %v, want 2", d.ID, d.Inspectors)
			}
		}
	})
}

// TestRetryNoticesNamedAllFailed: retrying failed notifications by id
// when every id names one queues them all, with no error.
func TestRetryNoticesNamedAllFailed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		ctx := t.Context()
		c := claim(sampling.KindScheduled, nominal)
		c.Now = clockAt(nominal.Add(time.Hour))
		c.Notices = planNotices(48 * time.Hour)
		if _, err := s.Settle(ctx, c, maker(t, s, sampling.KindScheduled, nominal)); err != nil {
			t.Fatal(err)
		}
		at := nominal.Add(2 * time.Hour)
		taken, err := s.TakeNotices(ctx, storage.Take{Now: at, Lease: time.Minute, Limit: 2})
		if err != nil || len(taken) != 2 {
			t.Fatalf("TakeNotices = %v, %v; want 2", noticeList(taken), err)
		}
		var ids []int64
		for _, n := range taken {
			if ok, err := s.FinishNotice(ctx, n, storage.Outcome{Status: storage.NoticeFailed, Error: "404", At: at}); !ok || err != nil {
				t.Fatalf("FinishNotice(failed) = %v, %v", ok, err)
			}
			ids = append(ids, n.ID)
		}
		slices.Sort(ids)
		if got, err := s.RetryNotices(ctx, ids, at); err != nil || !slices.Equal(got, ids) {
			t.Errorf("RetryNotices(%v) = %v, %v; want all queued", ids, got, err)
		}
		if failed, err := s.Notices(ctx, storage.NoticeFilter{Status: storage.NoticeFailed}); err != nil || len(failed) != 0 {
			t.Errorf("failed notices after the retry = %v, %v; want none", noticeList(failed), err)
		}
	})
}

// TestOutboxStatsDueNowCounted: a message due exactly now counts as
// pending, and the oldest pending is its due time; a moment before, it
// does not count.
func TestOutboxStatsDueNowCounted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		ctx := t.Context()
		made := nominal.Add(time.Hour)
		c := claim(sampling.KindScheduled, nominal)
		c.Now = clockAt(made)
		c.Notices = planNotices(48 * time.Hour)
		if _, err := s.Settle(ctx, c, maker(t, s, sampling.KindScheduled, nominal)); err != nil {
			t.Fatal(err)
		}
		all, err := s.Notices(ctx, storage.NoticeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		dueNow := 0
		for _, n := range all {
			if !n.DueAt.After(made) {
				dueNow++
			}
		}
		if dueNow == 0 || dueNow == len(all) {
			t.Fatalf("%d of %d notices due at %v, want some but not all", dueNow, len(all), made)
		}
		if st, err := s.OutboxStats(ctx, made); err != nil || st.Pending != dueNow || !st.OldestPending.Equal(made) {
			t.Errorf("OutboxStats at the due time = %+v, %v; want %d pending, the oldest due %v", st, err, dueNow, made)
		}
		if st, err := s.OutboxStats(ctx, made.Add(-time.Microsecond)); err != nil || st.Pending != 0 || !st.OldestPending.IsZero() {
			t.Errorf("OutboxStats just before = %+v, %v; want none pending", st, err)
		}
	})
}

// TestFirstResultOnPlanDayBesideRetest: in a batch that also retests (so
// every row's plan is checked), a first result tested on its plan's day
// (in the service's zone) is taken; one tested the day before is refused.
func TestFirstResultOnPlanDayBesideRetest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 20)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 4) // 2026-11-01 09:00 in Shanghai
		if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
			t.Fatal(err)
		}
		a, b, c := p.Tasks[0].ID, p.Tasks[1].ID, p.Tasks[2].ID
		if _, err := s.RecordResults(ctx, []sampling.Result{fail(a, "2026-11-01", "x")}, on("2026-11-01")); err != nil {
			t.Fatal(err)
		}
		_, err := s.RecordResults(ctx, []sampling.Result{retest(pass(a, "2026-11-02")), pass(c, "2026-10-31")}, on("2026-11-02"))
		var rej *storage.RejectedError
		want := "2026-10-31 is before the task's plan was made (2026-11-01)"
		if !errors.As(err, &rej) || len(rej.Problems) != 1 || rej.Problems[0].Index != 1 || rej.Problems[0].Reason != want {
			t.Fatalf("a retest with a result tested the day before the plan = %v, want result 2 refused: %q", err, want)
		}
		if n, err := s.RecordResults(ctx, []sampling.Result{retest(pass(a, "2026-11-02")), pass(b, "2026-11-01")}, on("2026-11-02")); err != nil || n != 2 {
			t.Errorf("a retest with a result tested on the plan's day = %d, %v; want both stored", n, err)
		}
	})
}

// TestImportInspectorsCountsStored: an accepted import of inspectors
// reports how many it stored.
func TestImportInspectorsCountsStored(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 2)
		ins := []sampling.Inspector{
			{ID: "I101", Name: "周杰", County: "姑苏区", Industries: []string{"textiles"}},
			{ID: "I102", Name: "吴磊", County: "吴江区", Industries: []string{"textiles", "food"}},
			{ID: "I103", Name: "郑爽", County: "吴江区", Industries: []string{"food"}},
		}
		n, err := s.ImportInspectors(t.Context(), slices.All(ins), func([]storage.LineProblem) error { return nil })
		if err != nil || n != 3 {
			t.Errorf("ImportInspectors of 3 = %d, %v; want 3", n, err)
		}
	})
}

// TestReplicaSpansSeenAtSince: a replica last seen exactly at since is
// among those seen from since on, so the last one seen before since is
// still the one before it.
func TestReplicaSpansSeenAtSince(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		at := func(sec int) time.Time { return nominal.Add(time.Duration(sec) * time.Second) }
		for _, see := range []struct {
			id  string
			sec int
		}{{"old", 0}, {"a", 10}, {"a", 20}, {"b", 25}, {"b", 30}} {
			if err := s.SeeReplica(t.Context(), see.id, at(see.sec)); err != nil {
				t.Fatal(err)
			}
		}
		spans, err := s.ReplicaSpans(t.Context(), at(30))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sp := range spans {
			got = append(got, fmt.Sprintf("%v-%v", sp.Started.Sub(nominal).Seconds(), sp.Seen.Sub(nominal).Seconds()))
		}
		if want := "10-20 25-30"; strings.Join(got, " ") != want {
			t.Errorf("ReplicaSpans(since 30s) = %v, want %s", got, want)
		}
	})
}

// TestTokenLastUseNotedOncePerMinute: a token's use is noted when it was
// never used or last used more than a minute before; a use exactly a
// minute later leaves the note as it was.
func TestTokenLastUseNotedOncePerMinute(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 2)
		secret, tok, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, CreatedBy: "test"}, nominal)
		if err != nil {
			t.Fatal(err)
		}
		lastUse := func() time.Time {
			t.Helper()
			ts, err := s.Tokens(ctx)
			if err != nil || len(ts) != 1 || ts[0].ID != tok.ID {
				t.Fatalf("Tokens = %+v, %v; want the one token", ts, err)
			}
			if ts[0].LastUsedAt == nil {
				return time.Time{}
			}
			return ts[0].LastUsedAt.UTC()
		}
		for _, c := range []struct {
			at, want time.Time
		}{
			{nominal, nominal},
			{nominal.Add(time.Minute), nominal},
			{nominal.Add(time.Minute + time.Millisecond), nominal.Add(time.Minute + time.Millisecond)},
		} {
			if _, err := s.Authenticate(ctx, secret, c.at); err != nil {
				t.Fatalf("Authenticate at %v: %v", c.at, err)
			}
			if got := lastUse(); !got.Equal(c.want) {
				t.Errorf("last use after a use at %v = %v, want %v", c.at, got, c.want)
			}
		}
	})
}

// TestCreateTokenOwnerChecks: an inspector token needs a known inspector;
// an admin token names none; a token's times show in the zone asked for,
// and those it lacks stay unset.
func TestCreateTokenOwnerChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 2)
		if _, _, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleInspector, Inspector: "I999"}, nominal); err == nil {
			t.Error("CreateToken for an unknown inspector: no error")
		}
		var fields *storage.FieldsError
		if _, _, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, Inspector: "I001"}, nominal); !errors.As(err, &fields) {
			t.Errorf("CreateToken(admin for an inspector) = %v, want a *FieldsError", err)
		}
		_, tok, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleInspector, Inspector: "I001", TTL: time.Hour}, nominal)
		if err != nil || tok.Inspector != "I001" {
			t.Fatalf("CreateToken(inspector I001) = %+v, %v", tok, err)
		}
		if _, _, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleViewer}, nominal); err != nil {
			t.Errorf("CreateToken(viewer) = %v", err)
		}
		tok.Localize(shanghai)
		if tok.CreatedAt.Location() != shanghai || tok.ExpiresAt == nil || tok.ExpiresAt.Location() != shanghai || !tok.ExpiresAt.Equal(nominal.Add(time.Hour)) || tok.RevokedAt != nil {
			t.Errorf("Localize = created %v, expires %v, revoked %v; want Shanghai times, expiring %v, not revoked", tok.CreatedAt, tok.ExpiresAt, tok.RevokedAt, nominal.Add(time.Hour))
		}
	})
}

// TestDeleteSessionEndsIt: a deleted session no longer authenticates.
func TestDeleteSessionEndsIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 2)
		_, tok, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin}, nominal)
		if err != nil {
			t.Fatal(err)
		}
		id, _, err := s.CreateSession(ctx, tok.ID, nominal, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Session(ctx, id, nominal.Add(time.Minute)); err != nil {
			t.Fatalf("Session before its deletion: %v", err)
		}
		if err := s.DeleteSession(ctx, id); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		if _, _, err := s.Session(ctx, id, nominal.Add(time.Minute)); !errors.Is(err, storage.ErrBadToken) {
			t.Errorf("Session after its deletion = %v, want ErrBadToken", err)
		}
	})
}

// TestClosePlansNumbersChange: closing a plan tells the watchers a
// numbered change with the plan's tallies, now counted as stored, and the
// plan closed.
func TestClosePlansNumbersChange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		var changes []storage.Change
		stop := s.Watch(func(ch storage.Change) { changes = append(changes, ch) })
		defer stop()
		if closed, err := s.ClosePlans(ctx, dayOf(on("2026-12-31")), on("2026-12-31")); err != nil || len(closed) != 1 {
			t.Fatalf("ClosePlans = %v, %v; want the plan", closed, err)
		}
		n := 0
		for _, ch := range changes {
			for _, tl := range ch.Tallies {
				if tl.PlanID == p.ID {
					n += tl.N
				}
			}
		}
		closedPlan := len(changes) == 1 && len(changes[0].Plans) == 1 && changes[0].Plans[0].ID == p.ID && !changes[0].Plans[0].Open
		if !closedPlan || changes[0].Seq == 0 || n != len(p.Tasks) {
			t.Errorf("changes told for closing the plan = %+v; want one, numbered, with the closed plan and its %d tasks' tallies", changes, len(p.Tasks))
		}
	})
}

// TestSetPausedAgainSameReason: pausing a paused schedule again for the
// same reason changes nothing (who and when stay the first pause's); for
// another reason it records the new reason and who gave it.
func TestSetPausedAgainSameReason(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if _, _, err := s.SetPaused(ctx, schedule, true, "holiday", "cli:ops"); err != nil {
			t.Fatal(err)
		}
		before, after, err := s.SetPaused(ctx, schedule, true, "holiday", "cli:other")
		if err != nil || after != before || after.ChangedBy != "cli:ops" || after.Reason != "holiday" {
			t.Errorf("SetPaused(same reason) = %+v -> %+v, %v; want unchanged, by cli:ops", before, after, err)
		}
		_, after, err = s.SetPaused(ctx, schedule, true, "audit", "cli:other")
		if err != nil || !after.Paused || after.Reason != "audit" || after.ChangedBy != "cli:other" {
			t.Errorf("SetPaused(another reason) -> %+v, %v; want paused for audit by cli:other", after, err)
		}
	})
}

// committedPlan stores a registry of 20 units and commits a scheduled plan
// of 4 tasks drawn from it at nominal: the start of most tests here.
func committedPlan(t *testing.T, s *storage.Store) sampling.Plan {
	t.Helper()
	seedRegistry(t, s, 20)
	p := drawPlan(t, s, sampling.KindScheduled, nominal, 4)
	if _, err := s.CommitPlan(t.Context(), &p, ""); err != nil {
		t.Fatal(err)
	}
	return p
}
