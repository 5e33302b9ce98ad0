package sampling

import (
	"slices"
	"testing"
)

// TestSplitSealsEachSeparator: seal numbers are split at each separator
// an inspector may type (comma, semicolon, their full-width forms, the
// enumeration comma, space, newline, tab, carriage return) and at nothing
// else; empty pieces are dropped.
func TestSplitSealsEachSeparator(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"A-1,B-2;C-3，D-4；E-5、F-6 G-7\nH-8\tI-9\rJ-10", []string{"A-1", "B-2", "C-3", "D-4", "E-5", "F-6", "G-7", "H-8", "I-9", "J-10"}},
		{"封-001/2026", []string{"封-001/2026"}},
		{" ,; ", nil},
	} {
		if got := SplitSeals(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitSeals(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRefusalCheckNoteRequired: a refusal needs one of the listed reasons;
// "other" and "refused without reason" also need a note that is not blank,
// the other reasons do not; a note is checked as text.
func TestRefusalCheckNoteRequired(t *testing.T) {
	for _, tt := range []struct {
		refusal Refusal
		want    []string
	}{
		{Refusal{Reason: RefusalStopped}, nil},
		{Refusal{Reason: RefusalOther, Note: "moved away"}, nil},
		{Refusal{Reason: RefusedWithoutReason, Note: "the manager sent us off"}, nil},
		{Refusal{Reason: RefusalOther}, []string{"note: give a note that explains the reason"}},
		{Refusal{Reason: RefusedWithoutReason, Note: " \t"}, []string{"note: give a note that explains the reason"}},
		{Refusal{Reason: "bored"}, []string{`reason: "bored" is not one of no_such_product, not_for_sale, production_stopped, enterprise_closed, insufficient_stock, refused_without_reason, other`}},
		{Refusal{Reason: RefusalStopped, Note: "a\x00b"}, []string{"note: NUL character at byte 1"}},
	} {
		if got := fieldErrorTexts(tt.refusal.Check()); !slices.Equal(got, tt.want) {
			t.Errorf("%+v.Check() = %q, want %q", tt.refusal, got, tt.want)
		}
	}
}

// TestRateOptionsFiltered: options narrow the batches when an industry or
// a county is set, either or both.
func TestRateOptionsFiltered(t *testing.T) {
	for _, tt := range []struct {
		opts RateOptions
		want bool
	}{
		{RateOptions{}, false},
		{RateOptions{By: ByCounty, MinBatches: 5}, false},
		{RateOptions{Industry: "textiles"}, true},
		{RateOptions{County: "姑苏区"}, true},
		{RateOptions{Industry: "textiles", County: "姑苏区"}, true},
	} {
		if got := tt.opts.Filtered(); got != tt.want {
			t.Errorf("%+v.Filtered() = %v, want %v", tt.opts, got, tt.want)
		}
	}
}
