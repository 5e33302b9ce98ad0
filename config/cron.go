package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronFields accepts five fields, or six with seconds first, and the
// descriptors such as @daily.
const cronFields = cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor

// ParseCron parses a schedule's cron spec, evaluated in loc. It rejects
// @every, whose fire times depend on when a process started so that replicas
// could not agree on them, and a TZ= prefix (use the schedule's timezone key).
// Inputs on which the cron library panics are returned as errors.
func ParseCron(spec string, loc *time.Location) (s cron.Schedule, err error) {
	trimmed := strings.TrimSpace(spec)
	switch {
	case trimmed == "":
		return nil, fmt.Errorf("cron spec is empty")
	case strings.HasPrefix(trimmed, "@every"):
		return nil, fmt.Errorf("cron spec %q: @every is not supported: its fire times depend on when a process started, so replicas could not agree on them; write a cron spec such as \"*/10 * * * *\"", spec)
	case strings.HasPrefix(trimmed, "TZ=") || strings.HasPrefix(trimmed, "CRON_TZ="):
		return nil, fmt.Errorf("cron spec %q: set the schedule's timezone key instead of a TZ= prefix", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("cron spec %q: %v", spec, r)
		}
	}()
	s, err = cron.NewParser(cronFields).Parse(trimmed)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("cron spec %q: not a calendar spec", spec)
	}
	ss.Location = loc
	return ss, nil
}
