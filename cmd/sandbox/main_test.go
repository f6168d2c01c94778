package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	tgsandbox "github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// run on free ports prints the three URLs; the TradeGecko one answers
// GET /products with the sandbox's default token, 200 and X-Pagination.
func TestRunServesTheSandboxes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-tradegecko-rate-limit", "1000"}, pw, io.Discard)
		_ = pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	urls := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(urls) < 3 && sc.Scan() {
		name, url, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("line %q: want \"name http://127.0.0.1:PORT\"", sc.Text())
		}
		urls[name] = url
	}
	for _, name := range []string{"tradegecko", "tradeglobal", "simpleconsign"} {
		if urls[name] == "" {
			t.Fatalf("no URL printed for %s (got %v)", name, urls)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, urls["tradegecko"]+"/products?limit=2", nil)
	req.Header.Set("Authorization", "Bearer "+tgsandbox.DefaultAccessToken)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /products: %s", resp.Status)
	}
	var pg struct {
		TotalRecords int `json:"total_records"`
	}
	if err := json.Unmarshal([]byte(resp.Header.Get("X-Pagination")), &pg); err != nil || pg.TotalRecords == 0 {
		t.Fatalf("X-Pagination %q: %v", resp.Header.Get("X-Pagination"), err)
	}
	if got := resp.Header.Get("X-Rate-Limit-Limit"); got != "1000" {
		t.Errorf("X-Rate-Limit-Limit = %q, want the flag's 1000", got)
	}
}

// Anything but loopback is refused.
func TestRunRefusesOtherHosts(t *testing.T) {
	err := run(context.Background(), []string{"-host", "0.0.0.0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("run -host 0.0.0.0: %v, want a refusal", err)
	}
}
