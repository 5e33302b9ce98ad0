package config

import (
	"fmt"
	"strings"
	"time"
)

// LoadZone loads an IANA time zone by its Area/Location name (such as
// Asia/Shanghai), or UTC. It refuses what would let replicas on differently
// set hosts disagree on fire times or days: Local (the host's TZ), an empty
// name, and abbreviations or legacy names without an area (EST, CST, CET,
// PRC), which name no region's rules or are ambiguous.
func LoadZone(name string) (*time.Location, error) {
	switch {
	case name == "":
		return nil, fmt.Errorf("time zone is empty: give an IANA name such as Asia/Shanghai")
	case name == "Local":
		return nil, fmt.Errorf("time zone %q follows each host's TZ setting, so replicas could disagree on fire times: give an IANA name such as Asia/Shanghai", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Asia/Shanghai)", name)
	}
	if name != "UTC" && !strings.Contains(name, "/") {
		return nil, fmt.Errorf("time zone %q is an abbreviation or legacy name, not an IANA Area/Location name: give one such as Asia/Shanghai (or UTC)", name)
	}
	return loc, nil
}

// firesSoon reports an error when the spec has no fire within five years,
// such as "0 0 9 30 2 *" (30 February): a schedule that never fires is a
// mistake.
func (c *Cron) firesSoon(spec string) error {
	// Cron specs have no year, so one that fires at all fires within five
	// years of any instant (29 February in all but a century's gap); a
	// fixed start keeps validation independent of the clock.
	if c.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return fmt.Errorf("cron spec %q never fires: no date matches it in five years (such as 30 February or 31 April)", spec)
	}
	return nil
}
