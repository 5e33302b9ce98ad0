package main

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// A schema holds every mutant of a package in one build (-schemata): each
// mutated operator becomes a closure that takes the mutant's branch when the
// environment variable REJUDGE_MUTANT names it and the original otherwise,
// as in mutant schemata (Untch, Offutt and Harrold, 1993). The package's
// tests are then built once, and a mutant costs only the run of the tests
// that reach it, not a build of its own. A mutant the schema cannot hold (an
// operator inside a constant expression, or one whose closure does not
// compile) is built on its own (judgeAlone).
type schema struct {
	dir, pkg string // the module copy and the package's path in it
	skip     string // -test.skip for every run
	bin      string
	ids      map[siteKey]int // the schema's mutant number of each held mutant
	invalid  map[siteKey]bool
}

// siteKey is one mutant: the operator's position and what it becomes.
// gremlins' INVERT_NEGATIVES and ARITHMETIC_BASE of a `-` are the same
// change and share a key.
type siteKey struct {
	file      string
	line, col int
	to        string
}

type mutantSpec struct {
	file      string
	line, col int
	repl      map[string]string
}

// site is an operator of the source with the mutants of it the schema holds.
type site struct {
	node       ast.Node
	start, end int // byte offsets of the node in the file
	op         string
	tos        map[string]int // replacement → mutant number
	typ        string         // the closure's result type
	unsigned   bool           // an unsigned ++/--: -1 is ^T(0)
}

// newSchema writes the schema of the mutants into the package of the module
// copy, builds its tests, and restores the original files.
func newSchema(dir, pkgPath, skip string, mutants []mutantSpec) (*schema, error) {
	pkgDir := filepath.Join(dir, pkgPath)
	s := &schema{dir: dir, pkg: pkgPath, skip: skip, ids: map[siteKey]int{}, invalid: map[siteKey]bool{}}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(pkgDir)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	srcs := map[string][]byte{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := build.Default.MatchFile(pkgDir, name); err != nil || !ok {
			continue // another platform's file
		}
		src, err := os.ReadFile(filepath.Join(pkgDir, name))
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		srcs[name] = src
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	// The imports' types from their export data, which go list builds (or
	// finds in the build cache): fast even for large dependencies.
	list := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", "./"+pkgPath)
	list.Dir = dir
	out, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export %s: %w", pkgPath, err)
	}
	export := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(line, "\t"); ok && file != "" {
			export[path] = file
		}
	}
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := export[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup)}
	pkg, err := conf.Check(pkgPath, fset, files, info)
	if err != nil {
		return nil, fmt.Errorf("type-check %s: %w", pkgPath, err)
	}
	qual := func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
	next := 1
	written := map[string][]byte{}
	for _, f := range files {
		name := fset.Position(f.Pos()).Filename
		var specs []mutantSpec
		for _, m := range mutants {
			if m.file == name {
				specs = append(specs, m)
			}
		}
		if len(specs) == 0 {
			continue
		}
		tf := fset.File(f.Pos())
		sites := map[int]*site{} // by operator offset
		constCtx := map[ast.Node]bool{}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			parent := ast.Node(nil)
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, n)
			// Nodes inside a constant declaration or an array length stay
			// constant: no closure there.
			if gd, ok := n.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				constCtx[n] = true
			}
			if at, ok := n.(*ast.ArrayType); ok && at.Len != nil {
				constCtx[at.Len] = true
			}
			if parent != nil && constCtx[parent] {
				constCtx[n] = true
			}
			var opPos token.Pos
			var op string
			var expr ast.Expr
			switch n := n.(type) {
			case *ast.BinaryExpr:
				opPos, op, expr = n.OpPos, n.Op.String(), n
			case *ast.UnaryExpr:
				opPos, op, expr = n.OpPos, n.Op.String(), n
			case *ast.IncDecStmt:
				opPos, op = n.TokPos, n.Tok.String()
			default:
				return true
			}
			p := fset.Position(opPos)
			st := &site{node: n, start: tf.Offset(n.Pos()), end: tf.Offset(n.End()), op: op, tos: map[string]int{}}
			for _, m := range specs {
				if m.line != p.Line || m.col != p.Column {
					continue
				}
				to, ok := m.repl[op]
				if !ok {
					continue
				}
				key := siteKey{name, m.line, m.col, to}
				if _, done := s.ids[key]; done || s.invalid[key] {
					continue
				}
				ok = !constCtx[n]
				var typ types.Type
				if expr != nil {
					tv := info.Types[expr]
					typ = tv.Type
					if tv.Value != nil {
						// A constant: only where its parent is not one.
						if pe, isExpr := parent.(ast.Expr); isExpr && info.Types[pe].Value != nil {
							ok = false
						}
						if b, isBasic := typ.(*types.Basic); isBasic && b.Info()&types.IsUntyped != 0 {
							ok = false
						}
					}
					if b, isBasic := typ.Underlying().(*types.Basic); ok && isBasic && b.Info()&types.IsString != 0 && to == "-" {
						ok = false // does not compile: built on its own
					}
					if b, isBasic := typ.(*types.Basic); isBasic && b.Kind() == types.UntypedBool {
						typ = types.Typ[types.Bool]
					}
				} else {
					typ = info.Types[n.(*ast.IncDecStmt).X].Type
				}
				if !ok || typ == nil {
					s.invalid[key] = true
					continue
				}
				st.typ = types.TypeString(typ, qual)
				if b, isBasic := typ.Underlying().(*types.Basic); isBasic && b.Info()&types.IsUnsigned != 0 {
					st.unsigned = true
				}
				st.tos[to] = next
				s.ids[key] = next
				next++
			}
			if len(st.tos) > 0 {
				sites[tf.Offset(opPos)] = st
			}
			return true
		})
		if len(sites) == 0 {
			continue
		}
		var list []*site
		for _, st := range sites {
			list = append(list, st)
		}
		sort.Slice(list, func(i, j int) bool {
			return list[i].start < list[j].start || list[i].start == list[j].start && list[i].end > list[j].end
		})
		src := srcs[name]
		written[name] = []byte(render(src, tf, 0, len(src), list))
	}
	for name, text := range written {
		if err := os.WriteFile(filepath.Join(pkgDir, name), text, 0o644); err != nil {
			return nil, err
		}
	}
	defer func() {
		for name := range written {
			os.WriteFile(filepath.Join(pkgDir, name), srcs[name], 0o644)
		}
		os.Remove(filepath.Join(pkgDir, "rejudge_schema.go"))
	}()
	selectFile := "package " + pkg.Name() + "\n\nimport (\n\t\"os\"\n\t\"strconv\"\n)\n\n" +
		"// rejudgeMutant is the schema's active mutant (.ci/rejudge -schemata).\n" +
		"var rejudgeMutant, _ = strconv.Atoi(os.Getenv(\"REJUDGE_MUTANT\"))\n"
	if err := os.WriteFile(filepath.Join(pkgDir, "rejudge_schema.go"), []byte(selectFile), 0o644); err != nil {
		return nil, err
	}
	s.bin = filepath.Join(dir, "rejudge-schema.test")
	build := exec.Command("go", "test", "-c", "-vet=off", "-o", s.bin, "./"+pkgPath)
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the schema of %s: %v\n%s", pkgPath, err, out)
	}
	return s, nil
}

// render returns src[from:to] with each site in list that lies in it
// replaced by its closure; list is sorted by start, outer sites first.
func render(src []byte, tf *token.File, from, to int, list []*site) string {
	var b strings.Builder
	at := from
	for i := 0; i < len(list); i++ {
		st := list[i]
		if st.start < at || st.end > to {
			continue
		}
		b.Write(src[at:st.start])
		// The sites inside this one.
		var inner []*site
		j := i + 1
		for ; j < len(list) && list[j].start < st.end; j++ {
			inner = append(inner, list[j])
		}
		b.WriteString(st.closure(src, tf, inner))
		at = st.end
		i = j - 1
	}
	b.Write(src[at:to])
	return b.String()
}

func (st *site) closure(src []byte, tf *token.File, inner []*site) string {
	part := func(n ast.Node) string {
		return "(" + render(src, tf, tf.Offset(n.Pos()), tf.Offset(n.End()), inner) + ")"
	}
	var tos []string
	for to := range st.tos {
		tos = append(tos, to)
	}
	sort.Strings(tos)
	var b bytes.Buffer
	switch n := st.node.(type) {
	case *ast.BinaryExpr:
		x, y := part(n.X), part(n.Y)
		fmt.Fprintf(&b, "func() %s { switch rejudgeMutant {", st.typ)
		for _, to := range tos {
			fmt.Fprintf(&b, " case %d: return %s %s %s;", st.tos[to], x, to, y)
		}
		fmt.Fprintf(&b, " }; return %s %s %s }()", x, st.op, y)
	case *ast.UnaryExpr:
		x := part(n.X)
		fmt.Fprintf(&b, "func() %s { switch rejudgeMutant {", st.typ)
		for _, to := range tos {
			fmt.Fprintf(&b, " case %d: return %s%s;", st.tos[to], to, x)
		}
		fmt.Fprintf(&b, " }; return %s%s }()", st.op, x)
	case *ast.IncDecStmt:
		x := part(n.X)
		one, minus := "1", "-1"
		if st.unsigned {
			minus = "^" + st.typ + "(0)"
		}
		orig, mut := one, minus
		if st.op == "--" {
			orig, mut = minus, one
		}
		fmt.Fprintf(&b, "%s += func() %s { switch rejudgeMutant {", x, st.typ)
		for _, to := range tos {
			fmt.Fprintf(&b, " case %d: return %s;", st.tos[to], mut)
		}
		fmt.Fprintf(&b, " }; return %s }()", orig)
	}
	return b.String()
}

// judge runs the tests against the mutant held by the schema with number
// id.
func (s *schema) judge(id int, tests []string, timeout time.Duration) string {
	return s.run(s.bin, []string{fmt.Sprintf("REJUDGE_MUTANT=%d", id)}, tests, timeout)
}

// judgeAlone builds the package's tests with the mutated file in place,
// without a time limit, and runs them, allowing the run timeout.
func (s *schema) judgeAlone(tests []string, timeout time.Duration) string {
	bin := filepath.Join(s.dir, "rejudge-mutant.test")
	os.Remove(bin)
	build := exec.Command("go", "test", "-c", "-vet=off", "-o", bin, "./"+s.pkg)
	build.Dir = s.dir
	if err := build.Run(); err != nil {
		return "NOT VIABLE"
	}
	return s.run(bin, nil, tests, timeout)
}

// run runs tests of the test binary bin with env added to the environment.
func (s *schema) run(bin string, env, tests []string, timeout time.Duration) string {
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
	cmd.Env = append(os.Environ(), env...)
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
