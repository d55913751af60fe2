package dynamotest

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts dynalite in its own process group and has the kernel
// kill it if the test binary dies first (a panic or a test timeout).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process group of a started command.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
