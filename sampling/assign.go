package sampling

import (
	"cmp"
	"fmt"
	"slices"
)

// assignInspectors gives each task d.InspectorsPerTask distinct inspectors from pool:
// qualified for the industry, never recused from the task's enterprise,
// from another county when d.CrossCounty, and none with more than
// d.MaxTasksPerInspector tasks in the plan.
//
// Each task ranks its eligible inspectors by the uniform of "inspector:" +
// unit key + ":" + inspector ID and takes the lowest ranks that still have
// room, tasks with the fewest eligible inspectors first. When that greedy
// pass leaves a task short, augmenting paths of the assignment's flow
// network move inspectors between tasks, so an assignment is found whenever
// one exists; when none does, the error names the task and the constraint.
func assignInspectors(d *Design, seed []byte, tasks []Task, pool []Inspector) error {
	k := max(d.InspectorsPerTask, 1)
	room := d.MaxTasksPerInspector
	if room <= 0 {
		room = len(tasks) + 1
	}
	var qualified []*Inspector
	for i := range pool {
		if slices.Contains(pool[i].Industries, d.Industry) {
			qualified = append(qualified, &pool[i])
		}
	}
	slices.SortFunc(qualified, func(a, b *Inspector) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(qualified); i++ {
		if qualified[i].ID == qualified[i-1].ID {
			return fmt.Errorf("inspector %s appears twice", qualified[i].ID)
		}
	}

	eligible := make([][]int, len(tasks))
	rank := make([][]float64, len(tasks))
	// A rank depends on the seed, task and inspector only: rank the tasks
	// in chunks on all processors.
	const chunk = 64
	parallel((len(tasks)+chunk-1)/chunk, func(c int) {
		g := newUniforms(seed)
		for t := c * chunk; t < min((c+1)*chunk, len(tasks)); t++ {
			task := &tasks[t]
			rank[t] = make([]float64, len(qualified))
			for i, in := range qualified {
				if slices.Contains(in.Recusals, task.CreditCode) || (d.CrossCounty && in.County == task.County) {
					continue
				}
				eligible[t] = append(eligible[t], i)
				rank[t][i] = g.of("inspector:", task.CreditCode, "/", task.Category, ":", in.ID)
			}
			slices.SortFunc(eligible[t], func(a, b int) int { return cmp.Compare(rank[t][a], rank[t][b]) })
		}
	})

	order := make([]int, len(tasks))
	for t := range order {
		order[t] = t
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(eligible[a]), len(eligible[b])) })

	a := &assignment{room: room, eligible: eligible, load: make([]int, len(qualified)), sets: make([][]int, len(tasks))}
	for _, t := range order {
		for _, i := range eligible[t] {
			if len(a.sets[t]) == k {
				break
			}
			if a.load[i] < room {
				a.sets[t] = append(a.sets[t], i)
				a.load[i]++
			}
		}
	}
	for _, t := range order {
		for len(a.sets[t]) < k {
			if !a.augment(t) {
				return shortage(d, &tasks[t], qualified, len(eligible[t]), len(a.sets[t]), k)
			}
		}
	}
	for t := range tasks {
		slices.SortFunc(a.sets[t], func(x, y int) int { return cmp.Compare(rank[t][x], rank[t][y]) })
		ids := make([]string, len(a.sets[t]))
		for j, i := range a.sets[t] {
			ids[j] = qualified[i].ID
		}
		tasks[t].Inspectors = ids
	}
	return nil
}

// assignment is a partial assignment of inspectors (by index) to tasks.
type assignment struct {
	room     int
	eligible [][]int
	load     []int
	sets     [][]int
}

// augment finds an augmenting path that gives task t one more inspector: t
// takes inspector i₁; if i₁ has no room, a task holding i₁ gives it up and
// takes i₂ instead; and so on until an inspector with room is reached. It
// applies the path and reports whether one was found. The search is
// breadth-first in a fixed order, so the result is deterministic.
func (a *assignment) augment(t int) bool {
	holding := make(map[int][]int)
	for task, set := range a.sets {
		for _, i := range set {
			holding[i] = append(holding[i], task)
		}
	}
	via := map[int]step{}
	var queue []int
	reach := func(task, replaces, i int) bool {
		if _, seen := via[i]; seen || slices.Contains(a.sets[task], i) {
			return false
		}
		via[i] = step{task, replaces}
		if a.load[i] < a.room {
			a.apply(i, via)
			return true
		}
		queue = append(queue, i)
		return false
	}
	for _, i := range a.eligible[t] {
		if reach(t, -1, i) {
			return true
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, task := range holding[i] {
			for _, j := range a.eligible[task] {
				if reach(task, i, j) {
					return true
				}
			}
		}
	}
	return false
}

// step is a link of an augmenting path: task takes the inspector reached,
// giving up the inspector replaces (-1 for the task being augmented).
type step struct{ task, replaces int }

// apply carries out the augmenting path that ends at inspector end.
func (a *assignment) apply(end int, via map[int]step) {
	a.load[end]++
	for i := end; ; {
		s := via[i]
		set := a.sets[s.task]
		if s.replaces < 0 {
			a.sets[s.task] = append(set, i)
			return
		}
		set[slices.Index(set, s.replaces)] = i
		i = s.replaces
	}
}

// shortage explains why task cannot get k inspectors.
func shortage(d *Design, task *Task, qualified []*Inspector, eligible, got, k int) error {
	recused, local := 0, 0
	for _, in := range qualified {
		switch {
		case slices.Contains(in.Recusals, task.CreditCode):
			recused++
		case d.CrossCounty && in.County == task.County:
			local++
		}
	}
	where := fmt.Sprintf("stratum %s, task %s/%s (county %s)", task.Stratum, task.CreditCode, task.Category, task.County)
	if eligible < k {
		msg := fmt.Sprintf("%s: %d eligible inspectors, inspectors_per_task needs %d: %d qualified for %s, %d recused from the enterprise",
			where, eligible, k, len(qualified), d.Industry, recused)
		if d.CrossCounty {
			msg += fmt.Sprintf(", %d from its own county (cross_county)", local)
		}
		return fmt.Errorf("%s", msg)
	}
	return fmt.Errorf("%s: %d eligible inspectors, but only %d can be assigned without exceeding max_tasks_per_inspector %d (inspectors_per_task %d)",
		where, eligible, got, d.MaxTasksPerInspector, k)
}
