// Command rejudge runs again the mutants of a gremlins report that the
// report did not see killed: those it found LIVED, and those it listed as
// NOT COVERED. gremlins skips a mutant whose position lies in no block of
// the coverage profile, and the profile attributes the case expressions of
// a tagless switch (switch { case a < b: … }) to no block, so their mutants
// are never run though tests execute them. rejudge applies each such
// mutant to a copy of the module, runs the package's tests and prints one
// line per mutant (KILLED, LIVED or TIMED OUT), then the totals. Run again
// after tests are added, it gives the new state of the mutants that had
// survived; mutants the report found killed stay killed as long as tests
// are only added.
//
// Usage (from the module root; docs/testing.md):
//
//	go run ./.ci/rejudge [-timeout 2m] [-only LIVED] [-files REGEXP] [-covering] REPORT.json PACKAGE
//
// The report's positions must be those of the package's code as it is:
// run gremlins again on files that changed since the report.
//
// With -covering, each mutant runs only the package's tests that reach its
// position, not all of them: rejudge first runs each top-level test alone
// with coverage, then gives a mutant the tests whose profile covers its
// position (or, for a position in no block, such as a tagless switch's
// case, any block of the function around it). A mutant no test reaches is
// NOT COVERED. -only takes any of a report's statuses: RUNNABLE judges the
// mutants of a dry run (gremlins unleash --dry-run).
//
// With -schemata (which implies -covering), all the chosen mutants are
// written into one copy of the package and its tests built once (schemata.go);
// a mutant then costs only the run of its tests, and -timeout bounds that
// run, never a build.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rejudge:", err)
		os.Exit(1)
	}
}

func run() error {
	timeout := flag.Duration("timeout", 2*time.Minute, "time allowed for one mutant's tests")
	only := flag.String("only", "LIVED,NOT COVERED", "statuses of the report to run again, comma-separated")
	files := flag.String("files", "", "run only the mutants of the files whose names match this regular expression")
	covering := flag.Bool("covering", false, "run for each mutant only the tests whose coverage reaches its position")
	schemata := flag.Bool("schemata", false, "build the package's tests once with every chosen mutant in it, switched by REJUDGE_MUTANT (implies -covering)")
	skip := flag.String("skip", "", "with -schemata, tests never to run (a -test.skip pattern)")
	flag.Parse()
	if flag.NArg() != 2 {
		return errors.New("usage: rejudge [-timeout 2m] [-only LIVED] [-files REGEXP] [-covering | -schemata [-skip REGEXP]] REPORT.json PACKAGE")
	}
	*covering = *covering || *schemata
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

	var cov *testCoverage
	if *covering {
		if cov, err = coverPerTest(tmp, pkg); err != nil {
			return fmt.Errorf("coverage per test: %w", err)
		}
	}
	var sch *schema
	if *schemata {
		var specs []mutantSpec
		for _, f := range rep.Files {
			for _, m := range f.Mutations {
				if match.MatchString(f.Name) && statuses[m.Status] {
					specs = append(specs, mutantSpec{f.Name, m.Line, m.Column, replacements[m.Type]})
				}
			}
		}
		if sch, err = newSchema(tmp, pkg, *skip, specs); err != nil {
			return err
		}
		fmt.Printf("schema: %d mutants held, %d to build on their own\n", len(sch.ids), len(sch.invalid))
	}
	// With -schemata, mutants that are the same change (a `-` is both
	// ARITHMETIC_BASE and INVERT_NEGATIVES) run once.
	verdicts := map[siteKey]string{}

	counts := map[string]int{}
	for _, f := range rep.Files {
		if !match.MatchString(f.Name) {
			continue
		}
		path := filepath.Join(tmp, pkg, f.Name)
		orig, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range f.Mutations {
			if !statuses[m.Status] {
				continue
			}
			mutated, err := mutate(orig, m.Line, m.Column, replacements[m.Type])
			if err != nil {
				return fmt.Errorf("%s:%d:%d %s: %w", f.Name, m.Line, m.Column, m.Type, err)
			}
			var run []string
			if cov != nil {
				if run = cov.covering(f.Name, orig, m.Line, m.Column); len(run) == 0 {
					counts["NOT COVERED"]++
					fmt.Printf("%12s %s at %s:%d:%d (was %s)\n", "NOT COVERED", m.Type, f.Name, m.Line, m.Column, m.Status)
					continue
				}
			}
			if err := os.WriteFile(path, mutated, 0o644); err != nil {
				return err
			}
			var status, how string
			if sch == nil {
				status = test(tmp, pkg, *timeout, run)
			} else {
				key := siteKey{f.Name, m.Line, m.Column, replacementAt(orig, m.Line, m.Column, replacements[m.Type])}
				id, held := sch.ids[key]
				switch v, seen := verdicts[key]; {
				case seen:
					status, how = v, " (the same change as the mutant before)"
				case held:
					status, how = sch.judge(id, run, *timeout), " (schema)"
				default:
					status, how = sch.judgeAlone(run, *timeout), " (built alone)"
				}
				verdicts[key] = status
			}
			if err := os.WriteFile(path, orig, 0o644); err != nil {
				return err
			}
			counts[status]++
			fmt.Printf("%12s %s at %s:%d:%d (was %s)", status, m.Type, f.Name, m.Line, m.Column, m.Status)
			if cov != nil {
				fmt.Printf(" with %s", strings.Join(run, " "))
			}
			fmt.Println(how)
		}
	}
	fmt.Printf("\nKilled: %d, Lived: %d, Timed out: %d, Not viable: %d", counts["KILLED"], counts["LIVED"], counts["TIMED OUT"], counts["NOT VIABLE"])
	if cov != nil {
		fmt.Printf(", Not covered: %d", counts["NOT COVERED"])
	}
	fmt.Println()
	return nil
}

// mutate returns src with the operator at line and column (1-based, in
// bytes, as go/token counts) replaced by its mutation.
func mutate(src []byte, line, column int, repl map[string]string) ([]byte, error) {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(string(src[off:]), '\n')
		if i < 0 {
			return nil, errors.New("no such line")
		}
		off += i + 1
	}
	off += column - 1
	op, to, err := operatorAt(src, line, column, repl)
	if err != nil {
		return nil, err
	}
	return append(append(append([]byte{}, src[:off]...), to...), src[off+len(op):]...), nil
}

// operatorAt returns the operator at line and column and what repl makes
// of it.
func operatorAt(src []byte, line, column int, repl map[string]string) (op, to string, err error) {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(string(src[off:]), '\n')
		if i < 0 {
			return "", "", errors.New("no such line")
		}
		off += i + 1
	}
	off += column - 1
	// The longest operator at the position: "<=" before "<".
	for _, op := range []string{"==", "!=", ">=", "<=", "++", "--", ">", "<", "+", "-", "*", "/", "%"} {
		if to, ok := repl[op]; ok && strings.HasPrefix(string(src[off:]), op) {
			return op, to, nil
		}
	}
	return "", "", fmt.Errorf("no operator to mutate at %q", string(src[off:min(off+10, len(src))]))
}

// replacementAt returns what the operator at line and column becomes: with
// -schemata, a mutant is its position and replacement.
func replacementAt(src []byte, line, column int, repl map[string]string) string {
	_, to, err := operatorAt(src, line, column, repl)
	if err != nil {
		return ""
	}
	return to
}

// test runs pkg's tests (those named in run, or all) in the module at dir
// and reports the mutant's fate as gremlins does: exit status 1 is a kill,
// 2 a build failure (not viable), 0 a survivor.
func test(dir, pkg string, timeout time.Duration, run []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"test", "-failfast", "-timeout", (timeout + 10*time.Second).String()}
	if len(run) > 0 {
		args = append(args, "-run", "^("+strings.Join(run, "|")+")$")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./"+pkg)...)
	cmd.Dir = dir
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return "TIMED OUT"
	case err == nil:
		return "LIVED"
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		return "NOT VIABLE"
	default:
		return "KILLED"
	}
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
