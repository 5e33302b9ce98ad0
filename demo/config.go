package demo

import (
	_ "embed"

	"spotcheck/config"
)

// configYAML is the demo configuration, kept as a file so that it reads
// like a user's and is validated by the same code.
//
//go:embed config.yaml
var configYAML []byte

// Config returns the demo configuration: the default tiers and windows in
// Asia/Shanghai, five industries of Suzhou with schedules that fire every 10
// to 15 seconds, 15 to 25 batches a plan and two inspectors a task. Each call
// returns a new Config that the caller may change.
func Config() *config.Config {
	// The embedded file is valid by construction: TestConfig parses it, so
	// the error can only be nil here.
	c, _ := config.Parse("demo/config.yaml", configYAML)
	return c
}
