package sampling

// DrawInputs are everything a draw was made from besides its seed: the
// schedule's spec, the frame and the inspectors as they stood. Stored with
// the plan and published with its results, they let anyone re-derive the
// plan with Redraw.
type DrawInputs struct {
	Spec       DrawSpec
	Frame      []Unit
	Inspectors []Inspector
}

// Redraw makes the draw again from the inputs and seed.
func (in DrawInputs) Redraw(seed []byte) (Plan, error) {
	return Draw(in.Spec, seed, in.Frame, in.Inspectors)
}
