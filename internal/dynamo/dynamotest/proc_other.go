//go:build !unix

package dynamotest

import (
	"os/exec"
	"syscall"
)

// sysProcAttr returns no special attributes where process groups are not
// available.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the started command.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
