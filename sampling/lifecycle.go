package sampling

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"spotcheck/i18n"
)

// Task states beyond TaskAssigned and TaskTested. A task moves
//
//	assigned → sampled → tested → closed
//	assigned → refused
//	assigned or sampled → lapsed
//
// and may also go from assigned straight to tested, when a lab result is
// imported for a batch whose sampling was not recorded. A task lapses when
// its plan closes without a result for it (its due date passed); nothing
// more is recorded on it. TaskOverdue is never stored: it is how an
// assigned or sampled task of an open plan past its due date is shown.
const (
	TaskSampled = "sampled"
	TaskRefused = "refused"
	TaskClosed  = "closed"
	TaskLapsed  = "lapsed"
	TaskOverdue = "overdue"
)

// TaskStates lists the stored task states in lifecycle order.
func TaskStates() []string {
	return []string{TaskAssigned, TaskSampled, TaskTested, TaskClosed, TaskRefused, TaskLapsed}
}

// transitions maps each state to the states it may move to.
func transitions(from string) []string {
	switch from {
	case TaskAssigned:
		return []string{TaskSampled, TaskRefused, TaskTested}
	case TaskSampled:
		return []string{TaskTested}
	case TaskTested:
		return []string{TaskClosed}
	}
	return nil
}

// TaskStatesTo lists, in lifecycle order, the states from which a task may
// move to state to.
func TaskStatesTo(to string) []string {
	var from []string
	for _, st := range TaskStates() {
		if slices.Contains(transitions(st), to) {
			from = append(from, st)
		}
	}
	return from
}

// TaskStatesDone lists, in lifecycle order, the states a task never
// leaves: a plan whose tasks are all in them is done.
func TaskStatesDone() []string {
	var done []string
	for _, st := range TaskStates() {
		if len(transitions(st)) == 0 {
			done = append(done, st)
		}
	}
	return done
}

// StatusWithResult is the status of a task stored in status when it has a
// result or not. A result moves a task to tested, but the move is not
// stored: recording results leaves the tasks alone, which keeps a large
// import from rewriting a million task rows.
func StatusWithResult(status string, hasResult bool) string {
	if hasResult && slices.Contains(TaskStatesTo(TaskTested), status) {
		return TaskTested
	}
	return status
}

// CheckTransition reports why a task in state from may not move to state
// to, or nil when it may.
func CheckTransition(from, to string) error {
	if slices.Contains(transitions(from), to) {
		return nil
	}
	switch {
	case from == TaskClosed || from == TaskRefused:
		return fmt.Errorf("the task is %s: nothing more can be recorded", from)
	case from == TaskLapsed:
		return errors.New("the task lapsed (its plan closed without a result for it): nothing more can be recorded")
	case to == TaskLapsed:
		return errors.New("a task lapses only when its plan closes")
	case to == TaskSampled && from != TaskAssigned:
		return fmt.Errorf("the task is %s: sampling is recorded once, on an assigned task", from)
	case to == TaskRefused:
		return fmt.Errorf("the task is %s: a refusal is recorded instead of sampling, on an assigned task", from)
	case to == TaskTested:
		return fmt.Errorf("the task is %s: a result is recorded on an assigned or sampled task", from)
	case to == TaskClosed:
		return fmt.Errorf("the task is %s: only a tested task can be closed; record its result first", from)
	}
	return fmt.Errorf("a task cannot go from %s to %s", from, to)
}

// Overdue reports whether a task in status with due date due is overdue
// on today: past its due date and still awaiting its result. A task of a
// closed plan is never overdue: it was tested, refused or lapsed.
func Overdue(status string, due, today Day) bool {
	return slices.Contains(TaskStatesTo(TaskTested), status) && due.Before(today)
}

// ShownStatus is the status to show for a task: TaskOverdue for an overdue
// one, else its stored status.
func ShownStatus(status string, due, today Day) string {
	if Overdue(status, due, today) {
		return TaskOverdue
	}
	return status
}

// Sampling is what an inspector records on taking a batch.
type Sampling struct {
	SampledOn Day      `json:"sampled_on"`
	BatchNo   string   `json:"batch_no"` // the enterprise's batch or lot number
	Quantity  int      `json:"quantity"` // pieces taken, test and backup portions together
	Seals     []string `json:"seals"`    // numbers of the seals on the sample packages
}

// FieldError is a problem with one field of a form or request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"` // in English
	// Key and Args give the reason in the inspector's language from the
	// i18n catalogue; Key is empty when there is no such text.
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// fieldError makes a FieldError whose reason is the catalogue's text of key,
// in English.
func fieldError(field, key string, args ...any) FieldError {
	return FieldError{Field: field, Reason: i18n.Format(i18n.EN, key, args...), Key: key, Args: args}
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// Check validates what the inspector reported of the sampling against
// today and the day the plan was made, listing every problem.
func (s Sampling) Check(today, planDay Day) []FieldError {
	var errs []FieldError
	if day := s.SampledOn; !day.Valid() {
		errs = append(errs, fieldError("sampled_on", "err_not_date", day))
	} else if day.After(today) {
		errs = append(errs, fieldError("sampled_on", "err_future", day, today))
	} else if day.Before(planDay) {
		errs = append(errs, fieldError("sampled_on", "err_before_plan", day, planDay))
	}
	if e := CheckText("batch_no", s.BatchNo); e != nil {
		errs = append(errs, *e)
	} else if strings.TrimSpace(s.BatchNo) == "" {
		errs = append(errs, fieldError("batch_no", "err_batch_missing"))
	}
	if s.Quantity <= 0 || s.Quantity > 100000 {
		errs = append(errs, fieldError("quantity", "err_quantity"))
	}
	if len(s.Seals) == 0 {
		errs = append(errs, fieldError("seals", "err_seals_missing"))
	}
	for _, seal := range s.Seals {
		if e := CheckText("seals", seal); e != nil {
			errs = append(errs, *e)
			break
		}
		if strings.TrimSpace(seal) == "" || len(seal) > 64 {
			errs = append(errs, fieldError("seals", "err_seal", seal))
			break
		}
	}
	return errs
}

// SplitSeals splits seal numbers written with commas, semicolons, spaces or
// the full-width comma into a list.
func SplitSeals(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '，' || r == '；' || r == '、' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	})
}

// Refusal reasons: why an enterprise was not sampled. All but
// RefusedWithoutReason are grounds the implementation rules accept; that one
// records an unlawful refusal, which the bureau follows up.
const (
	RefusalNoSuchProduct = "no_such_product"
	RefusalNotForSale    = "not_for_sale"
	RefusalStopped       = "production_stopped"
	RefusalClosed        = "enterprise_closed"
	RefusalInsufficient  = "insufficient_stock"
	RefusedWithoutReason = "refused_without_reason"
	RefusalOther         = "other"
)

// RefusalReasons lists the refusal reasons in display order.
func RefusalReasons() []string {
	return []string{RefusalNoSuchProduct, RefusalNotForSale, RefusalStopped, RefusalClosed, RefusalInsufficient, RefusedWithoutReason, RefusalOther}
}

// Refusal reports that a task's enterprise was not sampled.
type Refusal struct {
	Reason string `json:"reason"`
	Note   string `json:"note,omitempty"`
}

// Check validates the refusal, listing every problem.
func (r Refusal) Check() []FieldError {
	var errs []FieldError
	if !slices.Contains(RefusalReasons(), r.Reason) {
		errs = append(errs, fieldError("reason", "err_reason", r.Reason, strings.Join(RefusalReasons(), ", ")))
	}
	if (r.Reason == RefusalOther || r.Reason == RefusedWithoutReason) && strings.TrimSpace(r.Note) == "" {
		errs = append(errs, fieldError("note", "err_note_missing"))
	}
	if e := CheckText("note", r.Note); e != nil {
		errs = append(errs, *e)
	}
	return errs
}

// TaskEvent is one transition of a task: who moved it, when, from where to
// where.
type TaskEvent struct {
	TaskID int64     `json:"task_id"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}
