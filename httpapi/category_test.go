package httpapi

import (
	"testing"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// A category without a name shows its id, in the API as in notifications.
func TestViewTaskCategoryWithoutName(t *testing.T) {
	cfg, err := config.Parse("test.yaml", []byte(`timezone: Asia/Shanghai
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general, quantity: {test: 2, backup: 2}}
      - {id: socks, tier: general, quantity: {test: 4, backup: 1}}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Config: cfg}
	today := sampling.Day("2026-11-05")
	for _, tc := range []struct {
		category, wantName string
		wantTest           int
	}{
		{"garments", "服装", 2},
		{"socks", "socks", 4},
		{"hats", "hats", 0}, // no longer configured
	} {
		task := storage.TaskDetail{}
		task.Industry, task.Category, task.Due = "textiles", tc.category, "2026-11-30"
		v := viewTask(d, task, today)
		if v.CategoryName != tc.wantName || v.Quantity.Test != tc.wantTest {
			t.Errorf("viewTask(%s) = name %q, test %d, want %q, %d", tc.category, v.CategoryName, v.Quantity.Test, tc.wantName, tc.wantTest)
		}
	}
}
