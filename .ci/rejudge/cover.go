package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// block is a block of a coverage profile: from line.col to endLine.endCol.
type block struct{ line, col, endLine, endCol int }

func (b block) contains(line, col int) bool {
	return (line > b.line || line == b.line && col >= b.col) && (line < b.endLine || line == b.endLine && col <= b.endCol)
}

// testCoverage holds, per file of the package (by base name), the blocks
// each top-level test ran.
type testCoverage struct {
	tests []string
	runs  map[string]map[string][]block // file → test → blocks run
}

// coverPerTest builds pkg's tests with coverage in the module at dir and
// runs each top-level test alone, in the package's directory as go test
// does, recording the blocks it ran. A test that fails still counts what
// it ran.
func coverPerTest(dir, pkg string) (*testCoverage, error) {
	bin := filepath.Join(dir, "rejudge-cover.test")
	build := exec.Command("go", "test", "-c", "-cover", "-covermode=set", "-o", bin, "./"+pkg)
	build.Dir, build.Stderr = dir, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build %s's tests: %w", pkg, err)
	}
	list := exec.Command(bin, "-test.list", ".")
	list.Dir = filepath.Join(dir, pkg)
	out, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("list %s's tests: %w", pkg, err)
	}
	cov := &testCoverage{runs: map[string]map[string][]block{}}
	for _, name := range strings.Fields(string(out)) {
		if name == "ok" || !(strings.HasPrefix(name, "Test") || strings.HasPrefix(name, "Fuzz") || strings.HasPrefix(name, "Example")) {
			continue
		}
		cov.tests = append(cov.tests, name)
		profile := filepath.Join(dir, "rejudge-cover.out")
		run := exec.Command(bin, "-test.run", "^"+name+"$", "-test.count", "1", "-test.coverprofile", profile)
		run.Dir = filepath.Join(dir, pkg)
		_ = run.Run() // a failing test still ran what it ran
		blocks, err := readProfile(profile, pkg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for file, bs := range blocks {
			if cov.runs[file] == nil {
				cov.runs[file] = map[string][]block{}
			}
			cov.runs[file][name] = bs
		}
		os.Remove(profile)
		fmt.Fprintf(os.Stderr, "rejudge: coverage of %s\n", name)
	}
	return cov, nil
}

// readProfile returns the blocks a coverage profile counts as run, by base
// name of the files of pkg.
func readProfile(path, pkg string) (map[string][]block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]block{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// name.go:line.col,line.col statements count
		line := sc.Text()
		colon := strings.LastIndexByte(line, ':')
		fields := strings.Fields(line[colon+1:])
		if colon < 0 || len(fields) != 3 || fields[2] == "0" {
			continue
		}
		file := line[:colon]
		if filepath.Base(filepath.Dir(file)) != filepath.Base(pkg) {
			continue
		}
		var b block
		if _, err := fmt.Sscanf(fields[0], "%d.%d,%d.%d", &b.line, &b.col, &b.endLine, &b.endCol); err != nil {
			return nil, fmt.Errorf("profile line %q: %w", line, err)
		}
		out[filepath.Base(file)] = append(out[filepath.Base(file)], b)
	}
	return out, sc.Err()
}

// covering returns the tests that ran the position in file (whose source
// is src), or when no block holds it, any block of the innermost function
// around it.
func (c *testCoverage) covering(file string, src []byte, line, col int) []string {
	var out []string
	for _, name := range c.tests {
		if slices.ContainsFunc(c.runs[file][name], func(b block) bool { return b.contains(line, col) }) {
			out = append(out, name)
		}
	}
	if len(out) > 0 {
		return out
	}
	from, to, ok := enclosingFunc(src, line, col)
	if !ok {
		return nil
	}
	for _, name := range c.tests {
		fn := block{from.Line, from.Column, to.Line, to.Column}
		if slices.ContainsFunc(c.runs[file][name], func(b block) bool { return fn.contains(b.line, b.col) }) {
			out = append(out, name)
		}
	}
	return out
}

// enclosingFunc returns the span of the innermost function declaration or
// literal around line and col of src.
func enclosingFunc(src []byte, line, col int) (from, to token.Position, ok bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", bytes.Clone(src), parser.SkipObjectResolution)
	if err != nil {
		return from, to, false
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
		default:
			return true
		}
		s, e := fset.Position(n.Pos()), fset.Position(n.End())
		inside := (line > s.Line || line == s.Line && col >= s.Column) && (line < e.Line || line == e.Line && col <= e.Column)
		if inside {
			from, to, ok = s, e, true // innermost: Inspect goes on into it
		}
		return inside
	})
	return from, to, ok
}
