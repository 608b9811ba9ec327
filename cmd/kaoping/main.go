// Command kaoping is the Kaoping server and its administration CLI: serve,
// migrate, seed, user and token management, staff import. main only parses
// flags, wires the parts together and handles signals.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // centers name IANA zones; do not depend on the host's tzdata
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "kaoping:", err)
		os.Exit(1)
	}
}

// exitError ends the process with a code after its message was printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run executes one command line. It never calls os.Exit, so tests drive it
// directly with their own environment, input and outputs.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := newRoot(ctx, getenv, stdin, stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
