package sampling

// SRSInputs are everything a draw of the first generation (DrawSRS) was
// made from besides its seed: the schedule's spec, the frame and the
// inspectors as they stood. Stored with
// the plan and published with its results, they let anyone re-derive the
// plan with Redraw.
type SRSInputs struct {
	Spec       SRSSpec
	Frame      []Unit
	Inspectors []Inspector
}

// Redraw makes the draw again from the inputs and seed.
func (in SRSInputs) Redraw(seed []byte) (Plan, error) {
	return DrawSRS(in.Spec, seed, in.Frame, in.Inspectors)
}
