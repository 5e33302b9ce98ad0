package storage_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// Sizes of the sampling benchmarks: a frame in 30 strata (10 counties × 3
// categories), a plan of 1,000 tasks.
const (
	benchCategories = 3
	benchTasks      = 1000
)

// frameUnits returns the number of units of the benchmarks' registry:
// SPOTCHECK_BENCH_UNITS, such as 1000000 for the sizes docs/benchmarks.md
// reports, or by default 20,000, small enough for every build to run
// each benchmark once (go test -bench . -benchtime 1x -short).
func frameUnits(b *testing.B) int {
	return storagetest.EnvSize(b, "SPOTCHECK_BENCH_UNITS", 20_000, 3000)
}

// loadLargeRegistry fills s with the registry of storagetest.SeedRegistry
// (units textile units over units/3 enterprises, 200 inspectors) and a plan
// of 2,000 earlier tasks with results (a tenth failed), generated in SQL so
// that setting up takes seconds, not the registry import's minutes.
func loadLargeRegistry(b testing.TB, s *storage.Store, units int) {
	b.Helper()
	ctx := b.Context()
	storagetest.SeedRegistry(b, s, units)
	enterprises := (units + benchCategories - 1) / benchCategories
	history := enterprises * 9 / 10 // earlier tasks went to every step-th of the first nine tenths
	step := max(history/2000, 1)
	var seq, code, county string
	if s.Dialect() == storage.Postgres {
		seq = fmt.Sprintf("SELECT i FROM generate_series(0, %d) AS i", enterprises-1)
		code, county = "'91320500' || lpad(i::text, 10, '0')", "'county-' || lpad((i % 10)::text, 2, '0')"
	} else {
		seq = fmt.Sprintf("WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) SELECT i FROM seq", enterprises-1)
		code, county = "printf('91320500%010d', i)", "printf('county-%02d', i % 10)"
	}
	stmts := []string{
		`INSERT INTO fires (schedule, fire_key, nominal_time, kind, status) VALUES ('bench', 'earlier', '2026-10-01 01:00:00+00:00', 'scheduled', 'made')`,
		`INSERT INTO plans (fire_id, schedule, industry, kind, nominal_time, algorithm, seed, frame_digest, commitment, frame_size)
			SELECT id, 'bench', 'textiles', 'scheduled', nominal_time, 'earlier', '', '', '', 0 FROM fires WHERE fire_key = 'earlier'`,
		`INSERT INTO tasks (plan_id, credit_code, enterprise, county, industry, category, tier, inclusion_probability, due)
			SELECT (SELECT id FROM plans WHERE schedule = 'bench'), ` + code + `, '', ` + county + `, 'textiles', 'garments', 'general', 0.001, '2026-10-31'
			FROM (` + seq + `) AS seq WHERE i % ` + fmt.Sprint(step) + ` = 0 AND i < ` + fmt.Sprint(history),
		`INSERT INTO results (task_id, outcome, tested_on, failed_items)
			SELECT id, CASE WHEN id % 10 = 0 THEN 'fail' ELSE 'pass' END, '2026-10-15', CASE WHEN id % 10 = 0 THEN 'x' ELSE '' END
			FROM tasks WHERE id % 2 = 0`,
	}
	for _, q := range stmts {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			b.Fatalf("load registry: %v\n%s", err, q)
		}
	}
}

func benchDesign(at time.Time) sampling.Design {
	cats := map[string]sampling.CategoryRule{}
	for _, c := range storagetest.RegistryCategories {
		cats[c] = sampling.CategoryRule{Tier: "general", Quantity: sampling.Quantity{Test: 2, Backup: 2}}
	}
	return sampling.Design{
		Industry: "textiles", Categories: cats, Strata: []string{"county", "category"},
		Allocation: sampling.AllocationProportional, Batches: benchTasks, NoRepeatSeconds: 180 * 24 * 3600,
		RiskWeights: map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8}, FailBoost: 2,
		InspectorsPerTask: 2, MaxTasksPerInspector: 20, Due: dayOf(at.AddDate(0, 0, 30)),
	}
}

// baseline is the draw a user would write: proportional allocation by
// largest remainder from a count per stratum, then, per stratum,
// ORDER BY random() LIMIT n. It knows no exclusions, weights, inclusion
// probabilities or inspectors.
func baseline(ctx context.Context, s *storage.Store) (int, error) {
	type stratum struct {
		County, Category string
		N                int
	}
	var strata []stratum
	rows, err := s.DB().QueryContext(ctx, `SELECT e.county, u.category, count(*) FROM units u JOIN enterprises e ON e.credit_code = u.credit_code
		WHERE u.industry = 'textiles' AND e.active GROUP BY e.county, u.category ORDER BY 1, 2`)
	if err != nil {
		return 0, err
	}
	total := 0
	for rows.Next() {
		var st stratum
		if err := rows.Scan(&st.County, &st.Category, &st.N); err != nil {
			rows.Close()
			return 0, err
		}
		strata = append(strata, st)
		total += st.N
	}
	rows.Close()
	drawn := 0
	args := []any{"?", "?", "?"}
	if s.Dialect() == storage.Postgres {
		args = []any{"$1", "$2", "$3"}
	}
	q := fmt.Sprintf(`SELECT u.credit_code, e.name, e.county, u.category FROM units u JOIN enterprises e ON e.credit_code = u.credit_code
		WHERE u.industry = 'textiles' AND e.active AND e.county = %s AND u.category = %s ORDER BY random() LIMIT %s`, args...)
	for _, st := range strata {
		n := int(math.Round(float64(benchTasks) * float64(st.N) / float64(total)))
		rows, err := s.DB().QueryContext(ctx, q, st.County, st.Category, n)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var code, name, county, cat string
			if err := rows.Scan(&code, &name, &county, &cat); err != nil {
				rows.Close()
				return 0, err
			}
			drawn++
		}
		rows.Close()
	}
	return drawn, nil
}

// BenchmarkSampling draws 1,000 tasks from a frame in 30 strata (of
// 1,000,000 units in docs/benchmarks.md; see frameUnits) on each backend: end to end from the database (DrawRecord and
// Draw), against the baseline a user would write on the same data in the
// same run; and, apart, the draw computation alone and the commit. Run
// with
//
//	SPOTCHECK_TEST_POSTGRES=… SPOTCHECK_BENCH_UNITS=1000000 go test ./storage -run '^$' -bench Sampling -benchtime 5x
//
// Setting up loads a million units per backend, which takes a while.
func BenchmarkSampling(b *testing.B) {
	at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	for _, backend := range storagetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			s := storagetest.Open(b, backend)
			units := frameUnits(b)
			loadLargeRegistry(b, s, units)
			ctx := b.Context()
			var rec sampling.DrawRecord
			b.Run("end-to-end", func(b *testing.B) {
				for b.Loop() {
					var err error
					if rec, err = s.DrawRecord(ctx, benchDesign(at), at); err != nil {
						b.Fatal(err)
					}
					rec.Schedule, rec.Kind, rec.Seed = "bench", sampling.KindScheduled, sampling.SeedFromText("bench")
					p, err := sampling.DrawPlan(rec)
					if err != nil {
						b.Fatal(err)
					}
					if err := s.NameTasks(ctx, p.Tasks); err != nil {
						b.Fatal(err)
					}
					if len(p.Tasks) != benchTasks || p.FrameSize+p.Excluded != units {
						b.Fatalf("drew %d tasks from %d+%d units, want %d from %d", len(p.Tasks), p.FrameSize, p.Excluded, benchTasks, units)
					}
				}
			})
			b.Run("baseline-order-by-random", func(b *testing.B) {
				for b.Loop() {
					n, err := baseline(ctx, s)
					if err != nil {
						b.Fatal(err)
					}
					if n < benchTasks-15 || n > benchTasks+15 {
						b.Fatalf("baseline drew %d units, want about %d", n, benchTasks)
					}
				}
			})
			b.Run("draw-computation", func(b *testing.B) {
				for b.Loop() {
					if _, err := sampling.DrawPlan(rec); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("commit-new-population", func(b *testing.B) {
				p := benchPlan(b, rec)
				i := 0
				for b.Loop() {
					// A changed unit makes a population to store anew.
					r := *p.Record
					r.Population, r.Units = rec.Compact().Slice(), nil
					r.Population[i].Risk = map[string]string{"A": "B", "B": "C", "C": "D", "D": "A"}[r.Population[i].Risk]
					q := p
					q.Record, q.NominalTime = &r, at.Add(time.Duration(1+i)*time.Hour)
					commit(b, s, q)
					i++
				}
			})
			b.Run("commit-known-population", func(b *testing.B) {
				p := benchPlan(b, rec)
				commit(b, s, p) // stores the population; the loop finds it
				i := 0
				for b.Loop() {
					q := p
					q.NominalTime = at.Add(time.Duration(1000+i) * time.Hour)
					commit(b, s, q)
					i++
				}
			})
		})
	}
}

// benchPlan draws the plan of rec.
func benchPlan(b *testing.B, rec sampling.DrawRecord) sampling.Plan {
	b.Helper()
	p, err := sampling.DrawPlan(rec)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// commit stores p, with fresh task ids.
func commit(b *testing.B, s *storage.Store, p sampling.Plan) {
	b.Helper()
	p.Tasks = append([]sampling.Task(nil), p.Tasks...)
	if ok, err := s.CommitPlan(b.Context(), &p, ""); !ok || err != nil {
		b.Fatalf("CommitPlan = %v, %v", ok, err)
	}
}
