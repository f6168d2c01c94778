package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// TestReadmeControlExample runs the README's sandbox-control commands (the
// curl lines aimed at $SB/_sandbox) against a sandbox, so the README cannot
// drift from the control routes: each must answer 200 with JSON (or JSON
// lines), and the aimed failure must hit POST /orders and nothing else.
func TestReadmeControlExample(t *testing.T) {
	raw, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^curl -s (-X(\w+) )?"?\$SB(/_sandbox[^ "']*)"?(?: -d '([^']*)')?`)
	cmds := line.FindAllStringSubmatch(string(raw), -1)
	if len(cmds) < 5 {
		t.Fatalf("found %d sandbox control commands in the README, want at least 5", len(cmds))
	}
	sb, srv := start(t, sandbox.Options{ControlRoutes: true})
	for range 30 { // the log the example reads from (it names request 24)
		getOK(t, srv, "/products?limit=1")
	}
	for _, c := range cmds {
		method, path, body := c[2], c[3], c[4]
		if method == "" {
			method = http.MethodGet
		}
		r := call(t, srv, method, path, "-", []byte(body))
		if r.status != http.StatusOK {
			t.Errorf("README: %s %s %s = %d %s", method, path, body, r.status, r.body)
			continue
		}
		for _, l := range bytes.Split(bytes.TrimSpace(r.body), []byte("\n")) {
			if len(l) > 0 && !json.Valid(l) {
				t.Errorf("README: %s %s answered a line that is not JSON: %s", method, path, l)
			}
		}
		if strings.Contains(body, `"path":"/orders"`) {
			// The aimed failure waits for the order create.
			getOK(t, srv, "/products?limit=1")
			getOK(t, srv, "/variants?limit=1")
			o := call(t, srv, http.MethodPost, "/orders", "-", []byte(`{"order":{}}`))
			if o.status != http.StatusServiceUnavailable {
				t.Errorf("POST /orders after the README's failure = %d, want 503", o.status)
			}
		}
	}
	if n := sb.RequestCount(); n != 33 {
		t.Errorf("RequestCount = %d: the control commands were recorded", n)
	}
}
