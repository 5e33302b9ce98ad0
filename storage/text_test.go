package storage_test

import (
	"errors"
	"strings"
	"testing"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storagetest"
)

// TestRegistryTextRules checks that the store refuses units and inspectors
// whose text breaks sampling's rules, whoever calls it, naming each field,
// and changes no table.
func TestRegistryTextRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		good := sampling.Unit{CreditCode: code(t, "91320500MA0000001"), Enterprise: "苏州纺织", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"}
		if err := s.UpsertUnits(ctx, []sampling.Unit{good}); err != nil {
			t.Fatal(err)
		}
		before := storagetest.Dump(t, s)
		nul, long := good, good
		nul.Enterprise = "苏州\x00纺织"
		long.County = strings.Repeat("区", 101)
		err := s.UpsertUnits(ctx, []sampling.Unit{good, nul, long})
		var fe *storage.FieldsError
		if !errors.As(err, &fe) || fe.Error() != "units[1].name: NUL character at byte 6; units[2].county: 101 characters, at most 100" {
			t.Errorf("UpsertUnits(bad units) = %v, want the NUL and the length named", err)
		}
		spaced := sampling.Inspector{ID: "I 01", Name: "张伟\x1b", County: "姑苏区", Industries: []string{"textiles"}}
		err = s.UpsertInspectors(ctx, []sampling.Inspector{spaced})
		if !errors.As(err, &fe) || fe.Error() != `inspectors[0].id: id "I 01": use letters, digits, '_', '.' and '-', starting with a letter or digit; inspectors[0].name: control character U+001B at byte 6` {
			t.Errorf("UpsertInspectors(bad inspector) = %v, want the id and the name named", err)
		}
		if after := storagetest.Dump(t, s); after != before {
			t.Errorf("tables changed after rejected registry writes:\n%s\nwas\n%s", after, before)
		}
	})
}
