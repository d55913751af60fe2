// Package dynalite starts and stops dynalite, the in-memory
// DynamoDB-compatible server from npm that the tests and the local stack
// use (installed in infra/node_modules by `npm ci --prefix infra`).
package dynalite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// Process is a running dynalite.
type Process struct {
	// Endpoint is its URL, e.g. http://127.0.0.1:8000.
	Endpoint string
	cmd      *exec.Cmd
	done     chan error
}

// Bin returns the path of the dynalite executable in infra/node_modules.
func Bin() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "infra", "node_modules", ".bin", "dynalite")
}

// Start runs dynalite on addr ("127.0.0.1:0" picks a free port) and waits
// until it accepts connections.
func Start(ctx context.Context, addr string) (*Process, error) {
	bin := Bin()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("dynalite is not installed (%s): run `npm ci --prefix infra`: %w", bin, err)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dynalite address %q: %w", addr, err)
	}
	if port == "0" {
		if port, err = freePort(host); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(bin, "--host", host, "--port", port, "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	p := &Process{Endpoint: "http://" + net.JoinHostPort(host, port), cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("dynalite exited at start (is %s:%s in use?): %v", host, port, err)
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, errors.New("dynalite did not start listening within 20s")
		}
	}
}

// Stop ends dynalite and its child processes.
func (p *Process) Stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func freePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}
