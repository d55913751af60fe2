// Package toolmain ends the development tools' mains (infra/*) the same
// way: the work runs under a context that ends on Ctrl-C or SIGTERM, and a
// failure is printed on stderr under the tool's name before the process
// exits with the tool's status.
package toolmain

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Run runs fn under a context that ends on an interrupt or SIGTERM (fn
// must watch it); an error is printed as "name: error" on stderr and the
// process exits with status code.
func Run(name string, code int, fn func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := fn(ctx)
	stop()
	Exit(name, code, err)
}

// Exit prints a non-nil err as "name: err" on stderr and exits with status
// code; a nil err does nothing.
func Exit(name string, code int, err error) {
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, name+":", err)
	os.Exit(code)
}
