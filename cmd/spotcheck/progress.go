package main

import (
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Long work (imports, rates rebuild, plan run) shows its progress on stderr
// when stderr is a terminal (env.terminal), and nothing otherwise, so that
// scripts and logs see only the result.

// progressOptions are the options of every bar: on stderr, redrawn at most
// ten times a second, cleared when done.
func progressOptions(e env, what string) []progressbar.Option {
	return []progressbar.Option{
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	}
}

// readProgress wraps r, of size bytes (-1 when unknown), with a bar of the
// bytes read; done clears it (once, however often it is called). Not on a
// terminal, r is returned as it is.
func readProgress(e env, r io.Reader, size int64, what string) (wrapped io.Reader, done func()) {
	if !e.terminal {
		return r, func() {}
	}
	bar := progressbar.NewOptions64(size, append(progressOptions(e, what),
		progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true))...)
	pr := progressbar.NewReader(r, bar)
	return &pr, sync.OnceFunc(func() { bar.Finish() })
}

// spin shows a spinner with the elapsed time while work of unknown length
// runs; done clears it.
func spin(e env, what string) (done func()) {
	if !e.terminal {
		return func() {}
	}
	bar := progressbar.NewOptions64(-1, append(progressOptions(e, what), progressbar.OptionSpinnerType(14))...)
	return func() { bar.Finish() }
}
