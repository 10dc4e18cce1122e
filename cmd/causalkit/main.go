// Command causalkit estimates causal effects from Parquet, CSV and Arrow IPC
// files: linear regression with robust, cluster and bootstrap inference
// today, IV, regression discontinuity, conjoint and invariance methods as
// they land. Run `causalkit --help` for the commands and docs/cli.md for the
// full reference.
//
// Exit status: 0 on success, 2 for bad input or usage (the message names the
// flag, column or row), 1 for internal errors, 130 when interrupted.
package main

import (
	"context"
	"errors"
	"fmt"
	stdio "io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/causalkit/causalkit/estimators"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit status. Output
// goes to stdout (results only) and stderr (everything else).
func run(ctx context.Context, args []string, stdout, stderr stdio.Writer) int {
	// A streaming command lowers the garbage collector's soft memory limit
	// (see streamFlags); it lasts for this run only.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil || errors.Is(err, errShardWritten) {
		return 0
	}
	code := exitCode(ctx, err)
	if code == 130 {
		fmt.Fprintln(stderr, "causalkit: interrupted; no output written")
	} else {
		fmt.Fprintf(stderr, "causalkit: %v\n", err)
	}
	return code
}

// usageError marks command-line usage errors (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func exitCode(ctx context.Context, err error) int {
	var u usageError
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return 130
	case errors.As(err, &u), errors.Is(err, estimators.ErrInput),
		errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		return 2
	}
	// Usage errors that cobra raises without the flag error hook.
	for _, prefix := range []string{"unknown command", "required flag", "accepts ", "if any flags in the group"} {
		if strings.HasPrefix(err.Error(), prefix) {
			return 2
		}
	}
	return 1
}
