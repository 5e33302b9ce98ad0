package storagetest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// EnvSize returns the size a benchmark runs at: the environment variable
// name when set (at least least), else def.
func EnvSize(tb testing.TB, name string, def, least int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		tb.Fatalf("%s=%q: want a number, at least %d", name, v, least)
	}
	return n
}

// RegistryCategories are the textile categories of SeedRegistry's units.
var RegistryCategories = []string{"garments", "childrens-garments", "knitwear"}

// WriteRegistryCSV writes a registry file of n textile units in the
// columns of `spotcheck import enterprises`, as it goes: one unit in each
// of RegistryCategories per enterprise, each enterprise's units on
// consecutive lines and named in Chinese, in the ten counties county-00 to
// county-09, with risk classes A–D. A million units are 77 MB.
func WriteRegistryCSV(w io.Writer, n int) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("credit_code,name,county,industry,category,risk\n")
	k := len(RegistryCategories)
	for i := range n {
		e := i / k
		first := fmt.Sprintf("91320500%09d", e)
		c, err := sampling.CreditCodeCheck(first)
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "%s%c,苏州纺织企业%d,county-%02d,textiles,%s,%c\n", first, c, e, e%10, RegistryCategories[i%k], "ABBBCCD"[e%7])
	}
	return bw.Flush()
}

// SeedRegistry fills the migrated, empty registry of s set-wise (a bulk
// load, seconds for a million units rather than the import's minutes):
// units textile units, one in each of RegistryCategories per enterprise,
// over units/3 enterprises in the ten counties county-00 to county-09 with
// risk classes A–D, and 200 inspectors I000–I199 of textiles spread over
// the counties; enterprise i's credit code is 91320500 and i in ten digits..
func SeedRegistry(tb testing.TB, s *storage.Store, units int) {
	tb.Helper()
	ctx := tb.Context()
	n := len(RegistryCategories)
	enterprises := (units + n - 1) / n
	var seq, code, county string
	if s.Dialect() == storage.Postgres {
		seq = fmt.Sprintf("SELECT i FROM generate_series(0, %d) AS i", enterprises-1)
		code, county = "'91320500' || lpad(i::text, 10, '0')", "'county-' || lpad((i % 10)::text, 2, '0')"
	} else {
		seq = fmt.Sprintf("WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) SELECT i FROM seq", enterprises-1)
		code, county = "printf('91320500%010d', i)", "printf('county-%02d', i % 10)"
	}
	var cats []string
	for k, c := range RegistryCategories {
		cats = append(cats, fmt.Sprintf("SELECT '%s' AS c, %d AS k", c, k))
	}
	conn, err := s.DB().Conn(ctx) // one session, for its settings
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	load := []string{
		`INSERT INTO enterprises (credit_code, name, county, industry, risk)
			SELECT ` + code + `, 'enterprise ' || i, ` + county + `, 'textiles', substr('ABBBCCD', 1 + i % 7, 1) FROM (` + seq + `) AS seq`,
		`INSERT INTO units (credit_code, industry, category)
			SELECT ` + code + `, 'textiles', cats.c FROM (` + seq + `) AS seq CROSS JOIN (` + strings.Join(cats, " UNION ALL ") + `) AS cats
			WHERE i * ` + strconv.Itoa(n) + ` + cats.k < ` + strconv.Itoa(units),
	}
	if s.Dialect() == storage.Postgres {
		// As Seed: the units' index and key made once after the load.
		drops, remakes := deferrable(tb, conn, "units")
		load = append(append(append([]string{`SET maintenance_work_mem = '1GB'`}, drops...), load...), remakes...)
	}
	for _, q := range load {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			tb.Fatalf("seed the registry: %v\n%s", err, q)
		}
	}
	var ins []sampling.Inspector
	for i := range 200 {
		ins = append(ins, sampling.Inspector{ID: fmt.Sprintf("I%03d", i), Name: "检查员", County: fmt.Sprintf("county-%02d", i%10),
			Industries: []string{"textiles"}})
	}
	if err := s.UpsertInspectors(ctx, ins); err != nil {
		tb.Fatal(err)
	}
}
