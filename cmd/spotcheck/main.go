// Command spotcheck draws randomized spot-check plans on a schedule, records
// inspection results and exports pass rates against quality targets. See the
// README for the commands, or run spotcheck --help.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], env{
		getenv: os.Getenv,
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		now:    time.Now,
		// Progress bars only for a person watching.
		terminal: term.IsTerminal(int(os.Stderr.Fd())),
	})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "spotcheck:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a process exit code: 2 for usage and bad input, 1 for
// other failures (the default).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's input being wrong: exit code 2.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 2, err: err}
}

// usageError reports a wrong command line: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}
