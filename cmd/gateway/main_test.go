package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The production binary (built without -tags sandbox) links no sandbox:
// none of adapters/*/sandbox, nor server/sandboxmode, is among its
// dependencies; built with the tag (make run), all are.
func TestProductionBinaryLinksNoSandbox(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	sandboxes := []string{
		"github.com/commercegateway/gateway/adapters/tradegecko/sandbox",
		"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox",
		"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox",
		"github.com/commercegateway/gateway/server/sandboxmode",
	}
	deps := func(args ...string) map[string]bool {
		out, err := exec.Command(goCmd, append([]string{"list", "-deps"}, append(args, ".")...)...).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", strings.Join(args, " "), err)
		}
		m := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			m[p] = true
		}
		return m
	}
	prod, tagged := deps(), deps("-tags", "sandbox")
	for _, p := range sandboxes {
		if prod[p] {
			t.Errorf("the production binary links %s", p)
		}
		if !tagged[p] {
			t.Errorf("the -tags sandbox binary does not link %s", p)
		}
	}
	for p := range prod {
		if strings.HasSuffix(p, "/sandbox") {
			t.Errorf("the production binary links %s", p)
		}
	}
}
