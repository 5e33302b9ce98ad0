package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// version returns the module version and VCS revision the binary was built
// from, as far as the build recorded them.
func version() (v, revision string) {
	v, revision = "devel", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v, revision
	}
	if info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			revision = s.Value
		}
	}
	return v, revision
}

func cmdVersion(args []string, e env) error {
	c := newCommand("version", "version", e)
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	v, rev := version()
	fmt.Fprintf(e.stdout, "spotcheck %s (revision %s, %s)\n", v, rev, runtime.Version())
	return nil
}

func buildInfo() prometheus.Collector {
	v, rev := version()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "spotcheck_build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": v, "revision": rev, "goversion": runtime.Version()},
	})
	g.Set(1)
	return g
}
