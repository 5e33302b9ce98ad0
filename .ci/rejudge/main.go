// Command rejudge runs mutants of a gremlins report again: by default
// those it found LIVED, and those it listed as NOT COVERED. gremlins skips
// a mutant whose position lies in no block of the coverage profile, and
// the profile attributes the case expressions of a tagless switch (switch
// { case a < b: … }) to no block, so their mutants are never run though
// tests execute them. rejudge applies each such mutant to a copy of the
// module, runs the package's tests and prints one line per mutant
// (KILLED, LIVED, TIMED OUT, NOT VIABLE or NOT COVERED), then the totals.
// Run again after tests are added, it gives the new state of the mutants
// that had survived; mutants the report found killed stay killed as long
// as tests are only added.
//
// Usage (from the module root; docs/testing.md):
//
//	go run ./.ci/rejudge [-timeout 2m] [-only LIVED] [-files REGEXP] [-select [-coverage FILE]] [-schemata] REPORT.json PACKAGE
//
// Two flags make a package with a slow suite affordable (storage):
//
//   - -select measures, once, the coverage of each of the package's tests
//     on its own, and runs for each mutant only the tests that run its
//     position (for a position in no block of the profile, such as a
//     tagless switch's case, the tests that run its function, and for a
//     package-level declaration all tests); a mutant no test runs is NOT
//     COVERED;
//   - -schemata compiles the comparison mutants (CONDITIONALS_BOUNDARY and
//     _NEGATION) of a file into one test binary, each behind a switch read
//     from the environment (mutant schemata), instead of building a binary
//     per mutant; the other kinds are built one by one, and an arithmetic
//     mutant with a string literal operand is NOT VIABLE without a build.
//
// With -only RUNNABLE,NOT COVERED a dry-run report (gremlins unleash
// --dry-run) is judged whole. The tests run in the environment rejudge is
// given: SPOTCHECK_TEST_POSTGRES set runs storage's PostgreSQL tests too.
// A -skip=REGEXP in GOFLAGS is honoured. NOT VIABLE mutants (they do not
// compile) count as killed in gremlins' totals.
//
// The report's positions must be those of the package's code as it is:
// run gremlins again on files that changed since the report.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// report is the part of a gremlins JSON report rejudge reads.
type report struct {
	Files []struct {
		Name      string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// replacements are gremlins' mutations (internal/engine/mappings.go of
// v0.6.0) of the default mutant kinds: the token at the position, and what
// it becomes.
var replacements = map[string]map[string]string{
	"ARITHMETIC_BASE":       {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"},
	"CONDITIONALS_BOUNDARY": {">=": ">", ">": ">=", "<=": "<", "<": "<="},
	"CONDITIONALS_NEGATION": {"==": "!=", "!=": "==", ">=": "<", ">": "<=", "<=": ">", "<": ">="},
	"INCREMENT_DECREMENT":   {"++": "--", "--": "++"},
	"INVERT_NEGATIVES":      {"-": "+"},
}

// mutant is one mutation of the report to judge.
type mutant struct {
	Type, Was    string
	Line, Column int
	id           int // the schema switch's value, from 1
}

// schemaVar is the package-level variable that selects a schema's mutant.
const (
	schemaVar  = "rejudgeMutant"
	schemaEnv  = "REJUDGE_MUTANT"
	schemaFile = "zz_rejudge_schema.go"
)

type options struct {
	timeout  time.Duration
	selected bool
	schemata bool
	skip     string
	unset    string
	only     *regexp.Regexp
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rejudge:", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "time allowed for one mutant's tests")
	only := flag.String("only", "LIVED,NOT COVERED", "statuses of the report to run again, comma-separated")
	files := flag.String("files", "", "run only the mutants of the files whose names match this regular expression")
	flag.BoolVar(&o.selected, "select", false, "run, per mutant, only the tests that cover its position (per-test coverage, measured once)")
	cache := flag.String("coverage", "", "with -select: keep the per-test coverage in this file, and measure only the tests it lacks")
	flag.BoolVar(&o.schemata, "schemata", false, "build a file's comparison mutants into one test binary")
	onlyTests := flag.String("tests", "", "with -select, run only the selected tests whose names match this regular expression (to check that new tests kill the survivors)")
	flag.StringVar(&o.unset, "first-unset", "", "run each mutant's tests first with this environment variable unset, and again with it only if the mutant lives (SPOTCHECK_TEST_POSTGRES: SQLite first)")
	flag.Parse()
	if flag.NArg() != 2 {
		return errors.New("usage: rejudge [-timeout 2m] [-only LIVED] [-files REGEXP] [-select [-coverage FILE]] [-schemata] REPORT.json PACKAGE")
	}
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if v, ok := strings.CutPrefix(f, "-skip="); ok {
			o.skip = v
		}
	}
	var err error
	if o.only, err = regexp.Compile(*onlyTests); err != nil {
		return fmt.Errorf("-tests: %w", err)
	}
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		return err
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("%s: %w", flag.Arg(0), err)
	}
	match, err := regexp.Compile(*files)
	if err != nil {
		return fmt.Errorf("-files: %w", err)
	}
	pkg := strings.TrimPrefix(filepath.Clean(flag.Arg(1)), "./")
	statuses := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		statuses[strings.TrimSpace(s)] = true
	}

	tmp, err := os.MkdirTemp("", "rejudge-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := copyModule(".", tmp); err != nil {
		return fmt.Errorf("copy the module: %w", err)
	}

	var cov *coverage
	if o.selected {
		start := time.Now()
		if cov, err = measure(tmp, pkg, *cache); err != nil {
			return fmt.Errorf("per-test coverage: %w", err)
		}
		fmt.Printf("per-test coverage of %d tests measured in %s\n", len(cov.times), time.Since(start).Round(time.Second))
	}

	counts := map[string]int{}
	for _, f := range rep.Files {
		if !match.MatchString(f.Name) {
			continue
		}
		var ms []mutant
		for _, m := range f.Mutations {
			if statuses[m.Status] {
				ms = append(ms, mutant{Type: m.Type, Was: m.Status, Line: m.Line, Column: m.Column})
			}
		}
		if len(ms) == 0 {
			continue
		}
		if err := judgeFile(tmp, pkg, f.Name, ms, cov, o, counts); err != nil {
			return err
		}
	}
	fmt.Printf("\nKilled: %d, Lived: %d, Timed out: %d, Not viable: %d, Not covered: %d\n",
		counts["KILLED"], counts["LIVED"], counts["TIMED OUT"], counts["NOT VIABLE"], counts["NOT COVERED"])
	return nil
}

// judgeFile judges the mutants ms of the file name of pkg, in the module
// copy at tmp, adding their fates to counts.
func judgeFile(tmp, pkg, name string, ms []mutant, cov *coverage, o options, counts map[string]int) error {
	path := filepath.Join(tmp, pkg, name)
	orig, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, orig, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	tf := fset.File(file.Pos())
	pos := func(m mutant) token.Pos { return tf.LineStart(m.Line) + token.Pos(m.Column-1) }
	bin := filepath.Join(tmp, "mutant.test")
	print := func(m mutant, status string, tests []string) {
		counts[status]++
		which := ""
		if cov != nil && status != "NOT COVERED" && status != "NOT VIABLE" {
			which = fmt.Sprintf(" [%d tests]", len(tests))
		}
		fmt.Printf("%12s %s at %s:%d:%d (was %s)%s\n", status, m.Type, name, m.Line, m.Column, m.Was, which)
	}
	testsOf := func(m mutant) ([]string, bool) {
		if cov == nil {
			return nil, true
		}
		var t []string
		for _, n := range cov.tests(name, m.Line, m.Column, file, fset) {
			if o.only.MatchString(n) {
				t = append(t, n)
			}
		}
		return t, len(t) > 0
	}

	// The comparisons, all in one binary.
	var rest []mutant
	if o.schemata {
		var schema []mutant
		for _, m := range ms {
			if strings.HasPrefix(m.Type, "CONDITIONALS_") {
				m.id = len(schema) + 1
				schema = append(schema, m)
			} else {
				rest = append(rest, m)
			}
		}
		if len(schema) > 0 {
			src, err := schemaSource(orig, file, fset, schema, pos)
			if err == nil {
				err = os.WriteFile(path, src, 0o644)
			}
			if err == nil {
				err = os.WriteFile(filepath.Join(tmp, pkg, schemaFile), []byte(schemaDecl(file.Name.Name)), 0o644)
			}
			if err == nil {
				err = build(tmp, pkg, bin)
			}
			os.Remove(filepath.Join(tmp, pkg, schemaFile))
			if werr := os.WriteFile(path, orig, 0o644); werr != nil {
				return werr
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "rejudge: %s: the schema of %d mutants does not build, building them one by one: %v\n", name, len(schema), err)
				rest = append(rest, schema...)
			} else {
				for _, m := range schema {
					tests, ok := testsOf(m)
					if !ok {
						print(m, "NOT COVERED", nil)
						continue
					}
					print(m, runTests(tmp, pkg, bin, tests, m.id, cov, o), tests)
				}
			}
		}
	} else {
		rest = ms
	}

	for _, m := range rest {
		if stringOperand(file, pos(m)) {
			print(m, "NOT VIABLE", nil)
			continue
		}
		tests, ok := testsOf(m)
		if !ok {
			print(m, "NOT COVERED", nil)
			continue
		}
		mutated, err := mutate(orig, m.Line, m.Column, replacements[m.Type])
		if err != nil {
			return fmt.Errorf("%s:%d:%d %s: %w", name, m.Line, m.Column, m.Type, err)
		}
		if err := os.WriteFile(path, mutated, 0o644); err != nil {
			return err
		}
		status := "NOT VIABLE"
		if build(tmp, pkg, bin) == nil {
			status = runTests(tmp, pkg, bin, tests, 0, cov, o)
		}
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			return err
		}
		print(m, status, tests)
	}
	return nil
}

// mutate returns src with the operator at line and column (1-based, in
// bytes, as go/token counts) replaced by its mutation.
func mutate(src []byte, line, column int, repl map[string]string) ([]byte, error) {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return nil, errors.New("no such line")
		}
		off += i + 1
	}
	off += column - 1
	op, to, ok := operator(src[off:], repl)
	if !ok {
		return nil, fmt.Errorf("no operator to mutate at %q", string(src[off:min(off+10, len(src))]))
	}
	return append(append(append([]byte{}, src[:off]...), to...), src[off+len(op):]...), nil
}

// operator returns the operator src starts with and its mutation in repl,
// the longest first: "<=" before "<".
func operator(src []byte, repl map[string]string) (op, to string, ok bool) {
	for _, op := range []string{"==", "!=", ">=", "<=", "++", "--", ">", "<", "+", "-", "*", "/", "%"} {
		if to, ok := repl[op]; ok && bytes.HasPrefix(src, []byte(op)) {
			return op, to, true
		}
	}
	return "", "", false
}

// stringOperand reports whether the binary expression whose operator is at
// pos has a string literal operand: its arithmetic mutant ("a" - b) does
// not compile.
func stringOperand(file *ast.File, pos token.Pos) bool {
	found := false
	ast.Inspect(file, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryExpr); ok && b.OpPos == pos {
			for _, e := range []ast.Expr{b.X, b.Y} {
				if l, ok := ast.Unparen(e).(*ast.BasicLit); ok && l.Kind == token.STRING {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// schemaDecl is the file declaring the schema's switch in package name.
func schemaDecl(name string) string {
	return "package " + name + `

import "os"

// ` + schemaVar + ` selects the mutant a rejudge schema runs (0: none).
var ` + schemaVar + ` = func() int {
	n := 0
	for _, c := range os.Getenv("` + schemaEnv + `") {
		n = n*10 + int(c-'0')
	}
	return n
}()
`
}

// schemaSource returns src with each comparison of ms written as a choice
// among the original and its mutants, the switch schemaVar choosing:
// a < b with mutants 3 (<=) and 4 (>=) becomes
//
//	(rejudgeMutant == 3 && (a <= b) || rejudgeMutant == 4 && (a >= b) ||
//	 rejudgeMutant != 3 && rejudgeMutant != 4 && (a < b))
//
// which evaluates a and b once whatever the switch, and is an untyped
// boolean like the comparison.
func schemaSource(src []byte, file *ast.File, fset *token.FileSet, ms []mutant, pos func(mutant) token.Pos) ([]byte, error) {
	byPos := map[token.Pos][]mutant{}
	for _, m := range ms {
		byPos[pos(m)] = append(byPos[pos(m)], m)
	}
	var targets []*ast.BinaryExpr
	ast.Inspect(file, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryExpr); ok && len(byPos[b.OpPos]) > 0 {
			targets = append(targets, b)
		}
		return true
	})
	if len(targets) != len(byPos) {
		return nil, fmt.Errorf("found %d of the %d comparisons to mutate", len(targets), len(byPos))
	}
	base := fset.File(file.Pos()).Base()
	off := func(p token.Pos) int { return int(p) - base }
	var text func(from, to token.Pos) string
	rewrite := func(b *ast.BinaryExpr) string {
		x, y := text(b.X.Pos(), b.X.End()), text(b.Y.Pos(), b.Y.End())
		var alts, guards []string
		for _, m := range byPos[b.OpPos] {
			_, op, ok := operator(src[off(b.OpPos):], replacements[m.Type])
			if !ok {
				continue
			}
			alts = append(alts, fmt.Sprintf("%s == %d && (%s %s %s)", schemaVar, m.id, x, op, y))
			guards = append(guards, fmt.Sprintf("%s != %d", schemaVar, m.id))
		}
		return "(" + strings.Join(alts, " || ") + " || " + strings.Join(guards, " && ") +
			" && (" + x + " " + b.Op.String() + " " + y + "))"
	}
	// text is the source from from to to with the outermost targets in it
	// rewritten.
	text = func(from, to token.Pos) string {
		var sb strings.Builder
		at := from
		for _, b := range targets {
			if b.Pos() < at || b.End() > to {
				continue
			}
			sb.Write(src[off(at):off(b.Pos())])
			sb.WriteString(rewrite(b))
			at = b.End()
		}
		sb.Write(src[off(at):off(to)])
		return sb.String()
	}
	// targets are in source order, outer before inner: text skips the
	// inner ones of a rewritten outer one (they start before at).
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].Pos() < targets[j].Pos() })
	return []byte(text(token.Pos(base), token.Pos(base+len(src)))), nil
}

// build builds pkg's test binary at bin.
func build(dir, pkg, bin string) error {
	cmd := exec.Command("go", "test", "-c", "-o", bin, "./"+pkg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, firstLines(out, 5))
	}
	return nil
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// runTests runs tests (all when nil) of the test binary bin, in pkg's
// directory, with schema mutant id (0: none), and reports the mutant's
// fate: a failing test kills it.
func runTests(tmp, pkg, bin string, tests []string, id int, cov *coverage, o options) string {
	if o.unset != "" && os.Getenv(o.unset) != "" {
		env := []string{}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, o.unset+"=") && !strings.HasPrefix(kv, "CI=") {
				env = append(env, kv)
			}
		}
		if s := runTestsEnv(tmp, pkg, bin, tests, id, cov, o, env); s != "LIVED" {
			return s
		}
	}
	return runTestsEnv(tmp, pkg, bin, tests, id, cov, o, os.Environ())
}

func runTestsEnv(tmp, pkg, bin string, tests []string, id int, cov *coverage, o options, env []string) string {
	timeout := o.timeout
	if cov != nil {
		// Twenty times the tests' time without the mutant, within the limit.
		var d time.Duration
		for _, t := range tests {
			d += cov.times[t]
		}
		timeout = min(o.timeout, 30*time.Second+20*d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"-test.failfast", "-test.count=1", "-test.timeout", (timeout + 10*time.Second).String()}
	if tests != nil {
		args = append(args, "-test.run", "^("+strings.Join(tests, "|")+")$")
	}
	if o.skip != "" {
		args = append(args, "-test.skip", o.skip)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = filepath.Join(tmp, pkg)
	cmd.Env = append(env, schemaEnv+"="+strconv.Itoa(id))
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return "TIMED OUT"
	case err == nil:
		return "LIVED"
	default:
		return "KILLED"
	}
}

// coverage is the coverage of each test of a package on its own.
type coverage struct {
	// Blocks are the blocks of the profile by file name within the
	// package: start line and column, end line and column.
	Blocks map[string][][4]int
	// Tests are the tests' times and the blocks each ran, as
	// "file:line.col,line.col".
	Tests map[string]testCoverage
	// by is the tests of each block.
	by map[string][]string
	// times are the tests' times.
	times map[string]time.Duration
}

type testCoverage struct {
	Time time.Duration
	Ran  []string
}

func blockKey(file string, b [4]int) string {
	return fmt.Sprintf("%s:%d.%d,%d.%d", file, b[0], b[1], b[2], b[3])
}

// measure runs each top-level test of pkg alone with coverage; a test of
// the cache file (when given) is not measured again, and the cache is
// written back with the new ones. Tests only added leave the cache right;
// a test changed or code moved since needs the cache removed.
func measure(tmp, pkg, cache string) (*coverage, error) {
	c := &coverage{Blocks: map[string][][4]int{}, Tests: map[string]testCoverage{}}
	if cache != "" {
		if data, err := os.ReadFile(cache); err == nil {
			if err := json.Unmarshal(data, c); err != nil {
				return nil, fmt.Errorf("%s: %w", cache, err)
			}
		}
	}
	bin := filepath.Join(tmp, "cover.test")
	cmd := exec.Command("go", "test", "-c", "-cover", "-covermode=set", "-coverpkg=./"+pkg, "-o", bin, "./"+pkg)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build: %w: %s", err, firstLines(out, 5))
	}
	cmd = exec.Command(bin, "-test.list", ".")
	cmd.Dir = filepath.Join(tmp, pkg)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("list the tests: %w", err)
	}
	known := map[string]map[[4]int]bool{}
	for f, bs := range c.Blocks {
		known[f] = map[[4]int]bool{}
		for _, b := range bs {
			known[f][b] = true
		}
	}
	for _, name := range strings.Fields(string(out)) {
		if !regexp.MustCompile(`^(Test|Fuzz|Example)`).MatchString(name) {
			continue
		}
		if _, ok := c.Tests[name]; ok {
			continue
		}
		profile := filepath.Join(tmp, "cover.out")
		cmd := exec.Command(bin, "-test.run", "^"+name+"$", "-test.count=1", "-test.coverprofile", profile)
		cmd.Dir = filepath.Join(tmp, pkg)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "rejudge: %s fails without a mutant (its coverage counts): %v\n%s\n", name, err, firstLines(out, 10))
		}
		tc := testCoverage{Time: time.Since(start)}
		data, err := os.ReadFile(profile)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			// spotcheck/storage/fires.go:12.34,15.2 3 1
			i := strings.LastIndex(line, ":")
			if i < 0 {
				continue
			}
			file := filepath.Base(line[:i])
			var b [4]int
			var stmts, count int
			if _, err := fmt.Sscanf(line[i+1:], "%d.%d,%d.%d %d %d", &b[0], &b[1], &b[2], &b[3], &stmts, &count); err != nil {
				continue
			}
			if known[file] == nil {
				known[file] = map[[4]int]bool{}
			}
			if !known[file][b] {
				known[file][b] = true
				c.Blocks[file] = append(c.Blocks[file], b)
			}
			if count > 0 {
				tc.Ran = append(tc.Ran, blockKey(file, b))
			}
		}
		c.Tests[name] = tc
		fmt.Printf("measured %s (%s, %d blocks)\n", name, tc.Time.Round(time.Millisecond), len(tc.Ran))
	}
	if cache != "" {
		data, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(cache, data, 0o644); err != nil {
			return nil, err
		}
	}
	c.by = map[string][]string{}
	c.times = map[string]time.Duration{}
	for name, tc := range c.Tests {
		c.times[name] = tc.Time
		for _, k := range tc.Ran {
			c.by[k] = append(c.by[k], name)
		}
	}
	return c, nil
}

// tests returns the tests that run the position line:col of the file name:
// those of the profile's blocks holding it, or, when no block holds it
// (the case of a tagless switch), those that run any block of the
// innermost function around it.
func (c *coverage) tests(name string, line, col int, file *ast.File, fset *token.FileSet) []string {
	set := map[string]bool{}
	in := false
	before := func(l1, c1, l2, c2 int) bool { return l1 < l2 || l1 == l2 && c1 <= c2 }
	for _, b := range c.Blocks[name] {
		if before(b[0], b[1], line, col) && before(line, col, b[2], b[3]) {
			in = true
			for _, t := range c.by[blockKey(name, b)] {
				set[t] = true
			}
		}
	}
	if !in {
		var fl, fc, el, ec int
		ast.Inspect(file, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.FuncDecl, *ast.FuncLit:
				s, e := fset.Position(n.Pos()), fset.Position(n.End())
				if before(s.Line, s.Column, line, col) && before(line, col, e.Line, e.Column) {
					fl, fc, el, ec = s.Line, s.Column, e.Line, e.Column
				}
			}
			return true
		})
		for _, b := range c.Blocks[name] {
			if fl > 0 && before(fl, fc, b[0], b[1]) && before(b[2], b[3], el, ec) {
				for _, t := range c.by[blockKey(name, b)] {
					set[t] = true
				}
			}
		}
		if fl == 0 {
			// A package-level declaration: every test may read it.
			for t := range c.times {
				set[t] = true
			}
		}
	}
	var tests []string
	for t := range set {
		tests = append(tests, t)
	}
	sort.Strings(tests)
	return tests
}

// copyModule copies the module's files, without .git, from src to dst.
func copyModule(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, path)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
