package sampling

import (
	"bytes"
	"cmp"
	"slices"
)

// Units is a population held compactly, for a frame of millions of units:
// the credit codes back to back in one byte slice, and the other fields as
// indices into one table of their distinct values (a registry has a few
// dozen counties, categories and risk classes). A unit then costs its
// code's bytes and a row of six numbers, and the collector sees no
// per-unit objects at all; a []Unit of a million units is a million
// strings and six string headers each.
//
// The zero value is empty and ready to use. The draw reads a population in
// either form (Record.Population or Record.Units) and makes the same plan
// of both.
type Units struct {
	codes  []byte
	rows   []unitRow
	values []string          // the distinct field values; index 0 is ""
	index  map[string]uint32 // of values
	// names are the enterprise names, nil until a unit has one: the draw
	// does not need them, and a registry's population leaves them out.
	names []string
	// digest is the units' digest when it was computed while they were
	// read (Ahead).
	digest *unitsDigest
}

// unitRow is a unit's row of Units: where its code ends in codes, and its
// other fields as indices into values.
type unitRow struct {
	end                              uint32
	county, category, industry, risk uint32
}

// UnitsOf returns units in compact form, in the same order.
func UnitsOf(units []Unit) *Units {
	p := &Units{}
	p.Grow(len(units), 0)
	for i := range units {
		p.Append(units[i])
	}
	return p
}

// Grow makes room for n more units with codes of codeBytes bytes in all.
func (p *Units) Grow(n, codeBytes int) {
	p.rows = slices.Grow(p.rows, n)
	p.codes = slices.Grow(p.codes, codeBytes)
}

// Len returns the number of units.
func (p *Units) Len() int {
	if p == nil {
		return 0
	}
	return len(p.rows)
}

// Append adds u.
func (p *Units) Append(u Unit) {
	if u.Enterprise != "" && p.names == nil {
		p.names = make([]string, len(p.rows), cap(p.rows))
	}
	if p.names != nil {
		p.names = append(p.names, u.Enterprise)
	}
	p.codes = append(p.codes, u.CreditCode...)
	p.rows = append(p.rows, unitRow{end: uint32(len(p.codes)), county: p.value(u.County), category: p.value(u.Category),
		industry: p.value(u.Industry), risk: p.value(u.Risk)})
}

// AppendBytes adds a unit of industry, with no enterprise name, from its
// fields as a database driver returns them, without allocating for fields
// seen before.
func (p *Units) AppendBytes(code, category, county, risk []byte, industry string) {
	if p.names != nil {
		p.names = append(p.names, "")
	}
	// A unit's county, risk and industry are mostly the unit's before
	// (an enterprise's units come together, in key order): compared with
	// those first, they are found without a lookup.
	var prev unitRow
	if n := len(p.rows); n > 0 {
		prev = p.rows[n-1]
	}
	p.codes = append(p.codes, code...)
	p.rows = append(p.rows, unitRow{end: uint32(len(p.codes)), county: p.valueBytes(county, prev.county),
		category: p.valueBytes(category, prev.category), industry: p.valueHint(industry, prev.industry), risk: p.valueBytes(risk, prev.risk)})
}

// value returns the index of v in the values, adding it when new.
func (p *Units) value(v string) uint32 {
	if v == "" {
		return 0
	}
	if i, ok := p.index[v]; ok {
		return i
	}
	return p.add(v)
}

// valueHint is value, looked up only when v is not the value of index
// hint.
func (p *Units) valueHint(v string, hint uint32) uint32 {
	if hint != 0 && p.values[hint] == v {
		return hint
	}
	return p.value(v)
}

// valueBytes is valueHint of a byte slice.
func (p *Units) valueBytes(v []byte, hint uint32) uint32 {
	if len(v) == 0 {
		return 0
	}
	if hint != 0 && p.values[hint] == string(v) { // no allocation: a comparison
		return hint
	}
	if i, ok := p.index[string(v)]; ok { // no allocation: a lookup
		return i
	}
	return p.add(string(v))
}

func (p *Units) add(v string) uint32 {
	if p.index == nil {
		p.index = map[string]uint32{}
		p.values = append(p.values[:0], "")
	}
	i := uint32(len(p.values))
	p.values = append(p.values, v)
	p.index[v] = i
	return i
}

// code returns the credit code of unit i, as a view of p's bytes: the
// caller does not keep it.
func (p *Units) code(i int32) []byte {
	start := uint32(0)
	if i > 0 {
		start = p.rows[i-1].end
	}
	return p.codes[start:p.rows[i].end]
}

// field returns the value with index v.
func (p *Units) field(v uint32) string {
	if v == 0 {
		return ""
	}
	return p.values[v]
}

// CreditCode returns the credit code of unit i.
func (p *Units) CreditCode(i int) string { return string(p.code(int32(i))) }

// Category returns the category of unit i.
func (p *Units) Category(i int) string { return p.field(p.rows[i].category) }

// County returns the county of unit i.
func (p *Units) County(i int) string { return p.field(p.rows[i].county) }

// Risk returns the risk class of unit i.
func (p *Units) Risk(i int) string { return p.field(p.rows[i].risk) }

// Enterprise returns the enterprise name of unit i, if it has one.
func (p *Units) Enterprise(i int) string {
	if p.names == nil {
		return ""
	}
	return p.names[i]
}

// Unit returns unit i.
func (p *Units) Unit(i int) Unit {
	r := &p.rows[i]
	return Unit{CreditCode: p.CreditCode(i), Enterprise: p.Enterprise(i), County: p.field(r.county),
		Industry: p.field(r.industry), Category: p.field(r.category), Risk: p.field(r.risk)}
}

// Slice returns the units as a []Unit.
func (p *Units) Slice() []Unit {
	if p.Len() == 0 {
		return nil
	}
	out := make([]Unit, p.Len())
	for i := range out {
		out[i] = p.Unit(i)
	}
	return out
}

// compare orders units i and j by key: credit code, then category.
func (p *Units) compare(i, j int32) int {
	return cmp.Or(bytes.Compare(p.code(i), p.code(j)), cmp.Compare(p.Category(int(i)), p.Category(int(j))))
}

// appendKey appends the key of unit i (see Unit.Key) to b.
func (p *Units) appendKey(b []byte, i int32) []byte {
	b = append(b, p.code(i)...)
	b = append(b, '/')
	return append(b, p.Category(int(i))...)
}

// Key returns the key of unit i (see Unit.Key).
func (p *Units) Key(i int) string { return string(p.AppendKey(nil, i)) }

// AppendKey appends the key of unit i (see Unit.Key) to b.
func (p *Units) AppendKey(b []byte, i int) []byte { return p.appendKey(b, int32(i)) }
