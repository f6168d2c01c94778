//go:build sandbox

package main

import (
	"github.com/commercegateway/gateway/server"
	"github.com/commercegateway/gateway/server/sandboxmode"
)

// sandboxOptions supplies the in-process sandboxes: this file is built only
// with -tags sandbox (make run), so only that binary links them.
func sandboxOptions(server.Config) ([]server.Option, error) {
	return []server.Option{server.WithSandboxes(sandboxmode.New(sandboxmode.Options{}))}, nil
}
