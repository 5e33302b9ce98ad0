package config

import "testing"

func TestCategoryName(t *testing.T) {
	c, err := Parse("test.yaml", []byte(`industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general, quantity: {test: 2, backup: 2}}
      - {id: socks, tier: general, quantity: {test: 4, backup: 1}}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ industry, category, want string }{
		{"textiles", "garments", "服装"},
		{"textiles", "socks", "socks"},
		{"textiles", "hats", "hats"},
		{"toys", "garments", "garments"},
	} {
		if got := c.CategoryName(tc.industry, tc.category); got != tc.want {
			t.Errorf("CategoryName(%s, %s) = %q, want %q", tc.industry, tc.category, got, tc.want)
		}
	}
	if got := c.Industry("textiles").Category("socks"); got == nil || got.Quantity.Test != 4 {
		t.Errorf("Category(socks) = %+v, want the socks category", got)
	}
	if got := c.Industry("textiles").Category("hats"); got != nil {
		t.Errorf("Category(hats) = %+v, want nil", got)
	}
}
