package storage

import (
	"context"
	"fmt"

	"spotcheck/sampling"
)

// DemoActor is who the demo's tokens are created by: serve --demo marks a
// database as the demo's by them.
const DemoActor = "demo"

// PendingTasksExcept is PendingTasks without the tasks assigned to
// inspector: the demo's simulated inspectors leave those to the person
// trying the inspectors' pages.
func (s *Store) PendingTasksExcept(ctx context.Context, limit int, inspector string) ([]sampling.Task, error) {
	return s.tasks(ctx, `t.status = 'assigned' AND NOT EXISTS (SELECT 1 FROM results tr WHERE tr.task_id = t.id)
		AND NOT EXISTS (SELECT 1 FROM task_inspectors ti WHERE ti.task_id = t.id AND ti.inspector_id = ?)
		AND t.plan_id IN (SELECT id FROM plans WHERE status = 'open') ORDER BY t.id LIMIT ?`, inspector, limit)
}

// IsDemo reports whether serve --demo has run on this database (it leaves
// tokens created by DemoActor), so that commands run against it can use
// the demo's configuration without being told. A database without the
// tokens table is not the demo's.
func (s *Store) IsDemo(ctx context.Context) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT count(*) FROM tokens WHERE created_by = ?`), DemoActor)
	if err != nil {
		return false, fmt.Errorf("look for the demo's tokens: %w", err)
	}
	return n > 0, nil
}
