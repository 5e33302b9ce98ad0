package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// selector runs each mutant against only the tests that reach it (-select).
// It builds the package's tests once with coverage, runs every test alone to
// learn which blocks of the package's files it covers, and then, for a
// mutant, runs the tests that cover a block containing the mutant's position
// or, when no block contains it (the case expressions of a tagless switch),
// any block of the function around it; a position outside any function (a
// package-level initializer) gets every test. A test that reaches no block
// containing the position does not evaluate the mutated operator, so it
// passes or fails as on the original code: leaving it out changes no
// verdict. The mutant's test binary is built first, without a time limit
// that counts against it, and only the run of its tests is timed, so a
// TIMED OUT verdict means the tests themselves ran over -timeout.
type selector struct {
	dir, pkg string   // the module copy and the package path in it
	skip     string   // -test.skip for every run
	tests    []string // every test of the package, in -test.list order
	// covered[file] lists the blocks of file that tests covered, each with
	// the tests that covered it.
	covered map[string][]coveredBlock
	funcs   map[string][]span // the functions of each file, by line and column
}

type pos struct{ line, col int }

func (p pos) before(q pos) bool { return p.line < q.line || p.line == q.line && p.col < q.col }

type span struct{ from, to pos }

func (s span) contains(p pos) bool { return !p.before(s.from) && !s.to.before(p) }

type coveredBlock struct {
	span
	tests map[string]bool
}

// newSelector builds the coverage binary of pkg in dir and runs each test.
func newSelector(dir, pkg, skip string) (*selector, error) {
	s := &selector{dir: dir, pkg: pkg, skip: skip, covered: map[string][]coveredBlock{}, funcs: map[string][]span{}}
	bin := filepath.Join(dir, "rejudge-cover.test")
	build := exec.Command("go", "test", "-c", "-vet=off", "-cover", "-covermode=set", "-o", bin, "./"+pkg)
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the coverage binary of %s: %v\n%s", pkg, err, out)
	}
	list := exec.Command(bin, "-test.list", ".")
	list.Dir = filepath.Join(dir, pkg)
	out, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("list the tests of %s: %w", pkg, err)
	}
	skipRE, err := regexp.Compile(skip)
	if err != nil {
		return nil, fmt.Errorf("-skip: %w", err)
	}
	for _, name := range strings.Fields(string(out)) {
		if (strings.HasPrefix(name, "Test") || strings.HasPrefix(name, "Example")) && (skip == "" || !skipRE.MatchString(name)) {
			s.tests = append(s.tests, name)
		}
	}
	profiles, err := os.MkdirTemp(dir, "rejudge-profiles-")
	if err != nil {
		return nil, err
	}
	byBlock := map[string]map[span]map[string]bool{}
	for _, name := range s.tests {
		profile := filepath.Join(profiles, name+".out")
		cmd := exec.Command(bin, "-test.run", "^"+regexp.QuoteMeta(name)+"$", "-test.count=1", "-test.coverprofile", profile)
		cmd.Dir = filepath.Join(dir, pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s fails on the original code: %v\n%s", name, err, out)
		}
		if err := readProfile(profile, name, byBlock); err != nil {
			return nil, err
		}
	}
	for file, blocks := range byBlock {
		for b, tests := range blocks {
			s.covered[file] = append(s.covered[file], coveredBlock{b, tests})
		}
	}
	return s, nil
}

// readProfile adds the blocks a test's profile marks as run to byBlock,
// keyed by the file's base name.
func readProfile(path, test string, byBlock map[string]map[span]map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// file.go:12.5,14.2 3 1
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") {
			continue
		}
		colon := strings.LastIndex(line, ":")
		fields := strings.Fields(line[colon+1:])
		if colon < 0 || len(fields) != 3 || fields[2] == "0" {
			continue
		}
		var b span
		if _, err := fmt.Sscanf(fields[0], "%d.%d,%d.%d", &b.from.line, &b.from.col, &b.to.line, &b.to.col); err != nil {
			return fmt.Errorf("%s: %q: %w", path, line, err)
		}
		file := filepath.Base(line[:colon])
		if byBlock[file] == nil {
			byBlock[file] = map[span]map[string]bool{}
		}
		if byBlock[file][b] == nil {
			byBlock[file][b] = map[string]bool{}
		}
		byBlock[file][b][test] = true
	}
	return sc.Err()
}

// testsFor returns the tests that may evaluate the operator at p of file.
func (s *selector) testsFor(file string, src []byte, p pos) ([]string, error) {
	set := map[string]bool{}
	inBlock := false
	for _, b := range s.covered[file] {
		if b.contains(p) {
			inBlock = true
			for t := range b.tests {
				set[t] = true
			}
		}
	}
	if !inBlock {
		fn, ok, err := s.function(file, src, p)
		if err != nil {
			return nil, err
		}
		if !ok {
			return s.tests, nil
		}
		for _, b := range s.covered[file] {
			if fn.contains(b.from) || fn.contains(b.to) {
				for t := range b.tests {
					set[t] = true
				}
			}
		}
	}
	var tests []string
	for _, t := range s.tests {
		if set[t] {
			tests = append(tests, t)
		}
	}
	return tests, nil
}

// function returns the span of the function declaration around p.
func (s *selector) function(file string, src []byte, p pos) (span, bool, error) {
	if _, ok := s.funcs[file]; !ok {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
		if err != nil {
			return span{}, false, err
		}
		s.funcs[file] = []span{}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				from, to := fset.Position(fd.Pos()), fset.Position(fd.End())
				s.funcs[file] = append(s.funcs[file], span{pos{from.Line, from.Column}, pos{to.Line, to.Column}})
			}
		}
	}
	for _, fn := range s.funcs[file] {
		if fn.contains(p) {
			return fn, true, nil
		}
	}
	return span{}, false, nil
}

// judge builds the package's tests with the mutated code in place and runs
// the tests that reach the mutant, allowing them timeout.
func (s *selector) judge(tests []string, timeout time.Duration) string {
	bin := filepath.Join(s.dir, "rejudge-mutant.test")
	os.Remove(bin)
	build := exec.Command("go", "test", "-c", "-vet=off", "-o", bin, "./"+s.pkg)
	build.Dir = s.dir
	if err := build.Run(); err != nil {
		return "NOT VIABLE"
	}
	if len(tests) == 0 {
		return "LIVED"
	}
	quoted := make([]string, len(tests))
	for i, t := range tests {
		quoted[i] = regexp.QuoteMeta(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"-test.run", "^(" + strings.Join(quoted, "|") + ")$", "-test.count=1", "-test.failfast",
		"-test.timeout", (timeout + 10*time.Second).String()}
	if s.skip != "" {
		args = append(args, "-test.skip", s.skip)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = filepath.Join(s.dir, s.pkg)
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return "TIMED OUT"
	case err == nil:
		return "LIVED"
	case errors.Is(err, exec.ErrNotFound):
		return "NOT VIABLE"
	default:
		return "KILLED"
	}
}

// testNames shortens a list of tests for the report line.
func testNames(tests []string, all int) string {
	if len(tests) == all {
		return "all " + strconv.Itoa(all) + " tests"
	}
	sorted := append([]string(nil), tests...)
	sort.Strings(sorted)
	if len(sorted) > 4 {
		return strings.Join(sorted[:4], ",") + ",… (" + strconv.Itoa(len(sorted)) + " tests)"
	}
	return strings.Join(sorted, ",")
}
