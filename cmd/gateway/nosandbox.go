//go:build !sandbox

package main

import "github.com/commercegateway/gateway/server"

// sandboxOptions refuses sandbox mode: the production binary (make build,
// the Dockerfile) is built without -tags sandbox and links no sandbox.
func sandboxOptions(cfg server.Config) ([]server.Option, error) {
	if cfg.Sandbox {
		return nil, server.ErrNoSandboxes
	}
	return nil, nil
}
