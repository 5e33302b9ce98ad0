// Command exports fails when an exported identifier of spotcheck is used
// by no code but tests: a back door for tests belongs in an export_test.go
// file, and an identifier nothing uses goes. It loads every package with
// its tests (go/packages) and counts, for each exported package-level
// identifier and method of an exported type, its uses outside _test.go
// files. Methods that implement an interface of the standard library or a
// dependency (String, ServeHTTP, Collect, ...) count as used.
//
// Run from the module's root: (cd .ci/exports && go run . ../..)
package main

import (
	"fmt"
	"go/types"
	"os"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// testSupport are packages whose job is to serve tests: their exports are
// used by tests only.
var testSupport = []string{
	"spotcheck/storage/storagetest", // fresh databases and stored plans for tests
	"spotcheck/deploy/",             // the deployment artefacts (rules, boards), embedded for their tests
}

// allowed are exceptions, each with its reason.
var allowed = map[string]string{
	"spotcheck/sampling.StatusWithResult":          "the rule of task states in Go; storage's SQL is tested against it (TestTaskStateSQL)",
	"spotcheck/sampling.ResultVersion.Finalizable": "the rule of finalization in Go; storage's SQL is tested against it (TestFinalizableSQL)",
	"spotcheck/scheduler.Scheduler.PollBeacons":    "polls every beacon at once, as the loops do at their ticks, for tests of other packages (httpapi)",
}

// implicit are methods that packages call through interfaces they hold
// (encoding/json, yaml, database/sql, Prometheus's registry, sort, fmt):
// no call of them appears in spotcheck's code.
var implicit = map[string]bool{
	"String": true, "Error": true, "Unwrap": true, "Is": true, "Format": true,
	"MarshalJSON": true, "UnmarshalJSON": true, "MarshalText": true, "UnmarshalText": true,
	"MarshalYAML": true, "UnmarshalYAML": true, "Scan": true, "Value": true,
	"ServeHTTP": true, "Describe": true, "Collect": true, "Len": true, "Less": true, "Swap": true,
}

// key names an object: package.Name, or package.Type.Method.
func key(o types.Object) string {
	if f, ok := o.(*types.Func); ok {
		if r := f.Signature().Recv(); r != nil {
			t := r.Type()
			if p, ok := t.(*types.Pointer); ok {
				t = p.Elem()
			}
			if n, ok := t.(*types.Named); ok {
				return o.Pkg().Path() + "." + n.Obj().Name() + "." + o.Name()
			}
		}
	}
	return o.Pkg().Path() + "." + o.Name()
}

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	cfg := &packages.Config{Mode: packages.LoadAllSyntax, Tests: true, Dir: dir}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		fmt.Fprintln(os.Stderr, "exports:", err)
		os.Exit(2)
	}
	if packages.PrintErrors(pkgs) > 0 {
		os.Exit(2)
	}
	used := map[string]bool{}     // outside tests
	testUsed := map[string]bool{} // in tests
	viaInterface := map[string]bool{}
	declared := map[string]string{} // key → position
	for _, p := range pkgs {
		for id, o := range p.TypesInfo.Uses {
			f, isFunc := o.(*types.Func)
			if isFunc && f.Signature().Recv() != nil {
				if _, ok := f.Signature().Recv().Type().Underlying().(*types.Interface); ok {
					viaInterface[o.Name()] = true
				}
			}
			if o.Pkg() == nil || !strings.HasPrefix(o.Pkg().Path(), "spotcheck") {
				continue
			}
			if strings.HasSuffix(p.Fset.Position(id.Pos()).Filename, "_test.go") {
				testUsed[key(o)] = true
			} else {
				used[key(o)] = true
			}
		}
		for id, o := range p.TypesInfo.Defs {
			if o == nil || !o.Exported() || strings.HasSuffix(p.Fset.Position(id.Pos()).Filename, "_test.go") {
				continue
			}
			switch x := o.(type) {
			case *types.Func:
				if r := x.Signature().Recv(); r != nil {
					t := r.Type()
					if ptr, ok := t.(*types.Pointer); ok {
						t = ptr.Elem()
					}
					n, ok := t.(*types.Named)
					if !ok || !n.Obj().Exported() {
						continue // an interface's method, or a method of an unexported type
					}
				} else if o.Parent() != o.Pkg().Scope() {
					continue
				}
			case *types.TypeName, *types.Const, *types.Var:
				if o.Parent() != o.Pkg().Scope() {
					continue // fields and locals
				}
			default:
				continue
			}
			declared[key(o)] = p.Fset.Position(id.Pos()).String()
		}
	}
	var bad []string
	for k, pos := range declared {
		name := k[strings.LastIndex(k, ".")+1:]
		isMethod := strings.Count(k[strings.LastIndex(k, "/")+1:], ".") == 2
		switch {
		case used[k], isMethod && (viaInterface[name] || implicit[name]), allowed[k] != "":
			continue
		}
		support := false
		for _, s := range testSupport {
			support = support || strings.HasPrefix(k, s) || strings.HasPrefix(k, strings.TrimSuffix(s, "/")+".")
		}
		if support {
			continue
		}
		what := "used by nothing"
		if testUsed[k] {
			what = "used only by tests"
		}
		bad = append(bad, fmt.Sprintf("%s: %s is %s", pos, strings.TrimPrefix(k, "spotcheck/"), what))
	}
	sort.Strings(bad)
	for _, b := range bad {
		fmt.Println(b)
	}
	if len(bad) > 0 {
		fmt.Printf("%d exported identifiers are used by no code but tests: unexport them (tests reach them from export_test.go) or remove them\n", len(bad))
		os.Exit(1)
	}
}
