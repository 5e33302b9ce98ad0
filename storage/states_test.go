package storage_test

import (
	"fmt"
	"slices"
	"testing"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestTaskStateSQL checks the task states as SQL decides them against
// sampling's state machine, for every stored state with a result and
// without.
func TestTaskStateSQL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		for _, st := range sampling.TaskStates() {
			for _, withResult := range []bool{false, true} {
				shown, untested, done, err := s.TaskStateSQL(t.Context(), st, withResult)
				if err != nil {
					t.Fatal(err)
				}
				want := sampling.StatusWithResult(st, withResult)
				wantUntested := !withResult && slices.Contains(sampling.TaskStatesTo(sampling.TaskTested), st)
				wantDone := slices.Contains(sampling.TaskStatesDone(), st)
				if shown != want || untested != wantUntested || done != wantDone {
					t.Errorf("SQL of a %s task (result %v) = %s, untested %v, done %v; want %s, %v, %v",
						st, withResult, shown, untested, done, want, wantUntested, wantDone)
				}
			}
		}
	})
}

// TestFinalizableSQL checks the SQL that finalizes results against
// sampling.ResultVersion.Finalizable.
func TestFinalizableSQL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		const day = "2026-11-20"
		for _, state := range []sampling.ResultState{sampling.ResultProvisional, sampling.ResultFinal, sampling.ResultSuperseded} {
			for _, until := range []string{"2026-11-19", "2026-11-20", "2026-11-21"} {
				for _, objected := range []string{"", "2026-11-18"} {
					v := sampling.ResultVersion{State: state, ObjectionUntil: sampling.Day(until), ObjectedOn: sampling.Day(objected)}
					got, err := s.FinalizableSQL(t.Context(), v, day)
					if err != nil {
						t.Fatal(err)
					}
					if want := v.Finalizable(day); got != want {
						t.Errorf("finalizable SQL of %s on %s = %v, want %v", describe(v), day, got, want)
					}
				}
			}
		}
	})
}

func describe(v sampling.ResultVersion) string {
	return fmt.Sprintf("%s result, objection until %s, objected on %q", v.State, v.ObjectionUntil, v.ObjectedOn)
}
