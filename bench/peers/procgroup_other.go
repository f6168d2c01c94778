//go:build !linux

package main

import (
	"os"
	"os/exec"
)

// Elsewhere the process alone is signalled (and RSS reads as 0: it comes
// from Linux's /proc).
func setProcessGroup(*exec.Cmd) {}

func terminateGroup(cmd *exec.Cmd) { _ = cmd.Process.Signal(os.Interrupt) }

func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
