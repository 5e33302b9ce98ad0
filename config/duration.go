package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a length of time written with one unit: "30d", "12h", "90m"
// or "45s".
type Duration time.Duration

// ParseDuration parses a duration such as "30d", "12h", "90m" or "45s".
func ParseDuration(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("duration %q: want a number and a unit, such as 30d, 12h, 90m or 45s", s)
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}[s[len(s)-1]]
	n, err := strconv.Atoi(strings.TrimSpace(s[:len(s)-1]))
	if unit == 0 || err != nil || n < 0 {
		return 0, fmt.Errorf("duration %q: want a non-negative whole number and a unit d, h, m or s, such as 30d", s)
	}
	return time.Duration(n) * unit, nil
}

// UnmarshalYAML decodes a duration written as "30d".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		// A *yaml.TypeError lets the decoder go on and report the other
		// problems of the file too; any other error would stop it here.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*d = Duration(v)
	return nil
}

// String formats the duration in the largest whole unit.
func (d Duration) String() string {
	v := time.Duration(d)
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if v%u.unit == 0 && v != 0 {
			return strconv.Itoa(int(v/u.unit)) + u.name
		}
	}
	return strconv.Itoa(int(v/time.Second)) + "s"
}
