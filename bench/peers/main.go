// Command peers is `make bench-peers`: it measures our gateway beside Hive
// Gateway (GraphQL Mesh's OpenAPI source, a gateway a team would otherwise
// pick) over the same TradeGecko sandbox, on loopback, in one run, and prints
// the table README's "Measured" section holds.
//
// It builds and starts cmd/sandbox (the three sandboxes, no gateway), then,
// one after the other so they never compete for the cores:
//   - our gateway, the production build (go build ./cmd/gateway, no sandbox
//     linked), configured from the environment against the sandbox's URLs,
//     with a storefront key and the client limits raised for the load;
//   - Hive Gateway serving the supergraph Mesh Compose makes from
//     tradegecko.openapi.yaml (mesh.config.ts), with its response cache
//     (gateway.config.ts), once with its default single process and once
//     with one worker per core (--fork).
//
// For each it sends the storefront grid query once on a cold cache and once
// warm, counting the requests the sandbox received (its request log,
// GET/DELETE /_sandbox/requests), then runs closed-loop clients for a fixed
// time, reporting req/s, p50 and p99 and the upstream requests the load
// caused, and the resident memory of the gateway's processes (VmRSS, from
// /proc) after the load. It needs node and `npm ci` in bench/peers (the
// Makefile target does both), Linux for /proc, and listens on loopback only.
//
// It is a benchmark tool: it must never be run against real backends (it
// points both gateways at the sandbox it starts, and nothing else).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The storefront grid: 50 products, their variants, prices and stock.
const ourQuery = `{ products(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id name variants { id sku retailPrice { amount currencyCode } inventory { available displayQuantity canSell } } } } }`

// The closest the OpenAPI-derived schema allows: the same page of 50
// products and their variants (Product.variants is mesh.config.ts's batched
// @resolveTo), raw TradeGecko fields instead of money, inventory and
// connection types. No totals or cursors: those are in the X-Pagination
// header, which the schema does not expose.
const peerQuery = `{ products(limit: 50, page: 1) { products { id name variants { id sku retail_price available_stock stock_on_hand keep_selling manage_stock sellable } } } }`

const benchKey = "bench-peers-storefront-key"

func main() {
	log := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench-peers: "+format+"\n", args...) }
	duration := flag.Duration("duration", 10*time.Second, "how long each load run lasts")
	warmup := flag.Duration("warmup", 2*time.Second, "load before each measured run (not counted)")
	concurrency := flag.Int("concurrency", 8, "closed-loop clients, the same for every gateway")
	forks := flag.String("hive-forks", "1,"+strconv.Itoa(runtime.NumCPU()), "Hive Gateway --fork values to measure, comma-separated")
	flag.Parse()
	if err := run(log, *duration, *warmup, *concurrency, *forks); err != nil {
		log("%v", err)
		os.Exit(1)
	}
}

type result struct {
	name                 string
	bytes                int
	coldUpstream         int
	coldLatency          time.Duration
	warmUpstream         int
	loadQueries          int
	loadUpstream         int
	reqPerSec            float64
	p50, p99             time.Duration
	idleRSSKiB           int // after the cold and warm queries, before the load
	rssKiB, processCount int
}

func run(log func(string, ...any), duration, warmup time.Duration, concurrency int, forks string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	peersDir := filepath.Join(root, "bench", "peers")
	if _, err := os.Stat(filepath.Join(peersDir, "node_modules", ".bin", "hive-gateway")); err != nil {
		return errors.New("bench/peers/node_modules is not installed: run `make bench-peers` (npm ci in bench/peers)")
	}
	tmp, err := os.MkdirTemp("", "bench-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	log("building cmd/sandbox and cmd/gateway (the production build)")
	for _, b := range [][2]string{{"sandbox", "./cmd/sandbox"}, {"gateway", "./cmd/gateway"}} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(tmp, b[0]), b[1])
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", b[1], err)
		}
	}

	sb, urls, err := startSandbox(filepath.Join(tmp, "sandbox"))
	if err != nil {
		return err
	}
	defer sb.stop()
	tg := urls["tradegecko"]
	log("sandbox: %v", urls)

	var results []result
	measure := func(name string, p *proc, url string, header http.Header, query string) error {
		r, err := bench(name, p, url, header, query, tg, duration, warmup, concurrency)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		log("%s: cold %d upstream, warm %d; %.0f req/s, p50 %s, p99 %s; %d upstream in %d queries under load; RSS %d MiB (%d processes)",
			name, r.coldUpstream, r.warmUpstream, r.reqPerSec, r.p50, r.p99, r.loadUpstream, r.loadQueries, r.rssKiB/1024, r.processCount)
		results = append(results, r)
		return nil
	}

	// Our gateway, from its environment, as in production but for the backends' URLs.
	ourPort, err := freePort()
	if err != nil {
		return err
	}
	ours := exec.Command(filepath.Join(tmp, "gateway"))
	ours.Env = append(os.Environ(),
		"GATEWAY_ADDR=127.0.0.1:"+ourPort,
		"GATEWAY_API_KEYS="+benchKey+"=storefront",
		"TRADEGECKO_BASE_URL="+tg,
		"TRADEGECKO_ACCESS_TOKEN=sandbox-token", // adapters/tradegecko/sandbox.DefaultAccessToken
		"TRADEGECKO_RATE_LIMIT=100000000",       // the sandbox's budget (cmd/sandbox -tradegecko-rate-limit)
		"TRADEGECKO_POLL_INTERVAL=0",            // no background polling: every upstream request counted is the query's
		"TRADEGECKO_REFRESH_INTERVAL=0",         // account, currencies, locations: loaded once at start
		"TRADEGLOBAL_BASE_URL="+urls["tradeglobal"],
		"TRADEGLOBAL_MERCHANT_CODE=TGCSANDBOX",
		"SIMPLECONSIGN_BASE_URL="+urls["simpleconsign"],
		"SIMPLECONSIGN_API_KEY=sandbox-key",
		"GATEWAY_CLIENT_RATE_LIMIT=100000000", // one client (key + address) makes all the load
		"GATEWAY_CLIENT_UPSTREAM_SHARE=1",
	)
	ourURL := "http://127.0.0.1:" + ourPort + "/graphql"
	p, err := start(ours, filepath.Join(tmp, "gateway.log"))
	if err != nil {
		return err
	}
	err = waitReady("http://127.0.0.1:"+ourPort+"/readyz", nil, "")
	if err == nil {
		err = measure("our gateway", p, ourURL, http.Header{"Authorization": {"Bearer " + benchKey}}, ourQuery)
	}
	p.stop()
	if err != nil {
		return err
	}

	// Hive Gateway over Mesh Compose's supergraph of the same sandbox.
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node is not on PATH")
	}
	supergraph := filepath.Join(tmp, "supergraph.graphql")
	compose := exec.Command(node, filepath.Join(peersDir, "node_modules", ".bin", "mesh-compose"), "-o", supergraph)
	compose.Dir, compose.Env = peersDir, append(os.Environ(), "TRADEGECKO_BASE_URL="+tg)
	if out, err := compose.CombinedOutput(); err != nil {
		return fmt.Errorf("mesh-compose: %w\n%s", err, out)
	}
	for _, f := range strings.Split(forks, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-hive-forks: %q is not a worker count", f)
		}
		port, err := freePort()
		if err != nil {
			return err
		}
		hive := exec.Command(node, filepath.Join(peersDir, "node_modules", ".bin", "hive-gateway"),
			"supergraph", supergraph, "--host", "127.0.0.1", "--port", port, "--fork", strconv.Itoa(n))
		hive.Dir = peersDir
		hive.Env = append(os.Environ(), "TRADEGECKO_ACCESS_TOKEN=sandbox-token")
		url := "http://127.0.0.1:" + port + "/graphql"
		p, err := start(hive, filepath.Join(tmp, "hive.log"))
		if err != nil {
			return err
		}
		err = waitReady(url, http.Header{"Content-Type": {"application/json"}}, `{"query":"{ __typename }"}`)
		if err == nil {
			name := "Hive Gateway"
			if n > 1 {
				name = fmt.Sprintf("Hive Gateway, --fork %d", n)
			}
			err = measure(name, p, url, nil, peerQuery)
		}
		p.stop()
		if err != nil {
			return err
		}
	}

	printTable(os.Stdout, results, duration, concurrency)
	return nil
}

// bench measures one gateway: cold, warm, then under load.
func bench(name string, p *proc, url string, header http.Header, query, sandbox string, duration, warmup time.Duration, concurrency int) (result, error) {
	r := result{name: name}
	body, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		return r, err
	}
	// No Accept-Encoding: both answer uncompressed (Hive Gateway compresses
	// only when configured to; ours would gzip for a client that asks), so
	// neither the client's decompression nor the encoding is measured.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: concurrency * 2, MaxIdleConnsPerHost: concurrency * 2, IdleConnTimeout: time.Minute,
		DisableCompression: true,
	}}
	defer client.CloseIdleConnections()
	ask := func() (int, time.Duration, error) {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil {
			return 0, 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("%s: %.300s", resp.Status, b)
		}
		var out struct {
			Data   json.RawMessage   `json:"data"`
			Errors []json.RawMessage `json:"errors"`
		}
		if err := json.Unmarshal(b, &out); err != nil || len(out.Errors) > 0 || len(out.Data) < 1000 {
			return 0, 0, fmt.Errorf("not a whole answer (%v): %.300s", err, b)
		}
		if enc := resp.Header.Get("Content-Encoding"); enc != "" {
			return 0, 0, fmt.Errorf("answered with Content-Encoding %q, not asked for", enc)
		}
		return len(b), d, nil
	}

	if err := resetRequests(sandbox); err != nil {
		return r, err
	}
	n, d, err := ask()
	if err != nil {
		return r, fmt.Errorf("cold query: %w", err)
	}
	r.bytes, r.coldLatency = n, d
	if r.coldUpstream, err = countRequests(sandbox); err != nil {
		return r, err
	}
	if err := resetRequests(sandbox); err != nil {
		return r, err
	}
	if _, _, err := ask(); err != nil {
		return r, fmt.Errorf("warm query: %w", err)
	}
	if r.warmUpstream, err = countRequests(sandbox); err != nil {
		return r, err
	}
	r.idleRSSKiB, _ = p.rss()

	load := func(d time.Duration) ([]time.Duration, time.Duration, error) {
		var (
			mu        sync.Mutex
			latencies []time.Duration
			firstErr  error
			wg        sync.WaitGroup
		)
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		t0 := time.Now()
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				for ctx.Err() == nil {
					_, lat, err := ask()
					if err != nil {
						mu.Lock()
						firstErr = cmpErr(firstErr, err)
						mu.Unlock()
						cancel()
						return
					}
					mine = append(mine, lat)
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return latencies, time.Since(t0), firstErr
	}
	if _, _, err := load(warmup); err != nil {
		return r, fmt.Errorf("warm-up: %w", err)
	}
	if err := resetRequests(sandbox); err != nil {
		return r, err
	}
	lats, elapsed, err := load(duration)
	if err != nil {
		return r, fmt.Errorf("load: %w", err)
	}
	r.rssKiB, r.processCount = p.rss()
	if r.loadUpstream, err = countRequests(sandbox); err != nil {
		return r, err
	}
	slices.Sort(lats)
	r.loadQueries = len(lats)
	r.reqPerSec = float64(len(lats)) / elapsed.Seconds()
	r.p50, r.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
	return r, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * q)
	return sorted[i]
}

func printTable(w io.Writer, rs []result, duration time.Duration, concurrency int) {
	fmt.Fprintf(w, "\nstorefront grid query, %d closed-loop clients for %s, loopback, %d CPUs (GOMAXPROCS %d)\n\n",
		concurrency, duration, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintln(w, "| | upstream requests, cold | warm | under load (per 1,000 queries) | warm req/s | p50 | p99 | cold latency | RSS before the load | RSS after it | answer |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	base := rs[0]
	for i, r := range rs {
		ratio := ""
		if i > 0 && r.reqPerSec > 0 {
			ratio = fmt.Sprintf(" (ours %.2f×)", base.reqPerSec/r.reqPerSec)
		}
		rssRatio := ""
		if i > 0 && r.rssKiB > 0 {
			rssRatio = fmt.Sprintf(" (ours %.2f×)", float64(base.rssKiB)/float64(r.rssKiB))
		}
		procs := ""
		if r.processCount > 1 {
			procs = fmt.Sprintf(", %d processes", r.processCount)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.2f | %s%s | %s | %s | %s | %.0f MiB | %.0f MiB%s%s | %.1f KB |\n",
			r.name, r.coldUpstream, r.warmUpstream, 1000*float64(r.loadUpstream)/float64(max(r.loadQueries, 1)),
			thousands(r.reqPerSec), ratio, round(r.p50), round(r.p99), round(r.coldLatency),
			float64(r.idleRSSKiB)/1024, float64(r.rssKiB)/1024, procs, rssRatio, float64(r.bytes)/1000)
	}
}

func round(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func thousands(f float64) string {
	s := strconv.Itoa(int(f + 0.5))
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// proc is a started process; stop ends it and its children.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func start(cmd *exec.Cmd, logPath string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if cmd.Stdout == nil {
		cmd.Stdout = logf
	}
	cmd.Stderr = logf
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	return p, nil
}

func (p *proc) stop() {
	terminateGroup(p.cmd)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		killGroup(p.cmd)
		<-p.done
	}
}

// rss is the VmRSS of the process and its descendants (Hive Gateway's
// workers), in KiB, and how many processes that is.
func (p *proc) rss() (kib, n int) {
	pids := descendants(p.cmd.Process.Pid)
	for _, pid := range pids {
		if v, ok := vmRSS(pid); ok {
			kib += v
			n++
		}
	}
	return kib, n
}

func vmRSS(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, err := strconv.Atoi(f[0])
				return v, err == nil
			}
		}
	}
	return 0, false
}

// descendants is pid and every process below it, from /proc/*/stat.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], child)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

type sandboxProc struct{ *proc }

// startSandbox runs cmd/sandbox on free loopback ports, with a budget no
// benchmark reaches, and reads its URLs.
func startSandbox(bin string) (*sandboxProc, map[string]string, error) {
	cmd := exec.Command(bin, "-tradegecko-rate-limit", "100000000")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	p, err := start(cmd, os.DevNull)
	if err != nil {
		return nil, nil, err
	}
	urls := map[string]string{}
	sc := bufio.NewScanner(out)
	for len(urls) < 3 && sc.Scan() {
		if name, url, ok := strings.Cut(sc.Text(), " "); ok {
			urls[name] = url
		}
	}
	if len(urls) < 3 {
		p.stop()
		return nil, nil, fmt.Errorf("cmd/sandbox printed %v, want three URLs", urls)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &sandboxProc{p}, urls, nil
}

func resetRequests(sandbox string) error {
	req, _ := http.NewRequest(http.MethodDelete, sandbox+"/_sandbox/requests", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("DELETE /_sandbox/requests: %s", resp.Status)
	}
	return nil
}

// countRequests is how many API requests the sandbox logged (one JSON line
// each) since the last reset.
func countRequests(sandbox string) (int, error) {
	resp, err := http.Get(sandbox + "/_sandbox/requests")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /_sandbox/requests: %s", resp.Status)
	}
	n := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	return n, sc.Err()
}

// waitReady polls url (GET, or POST with body) until it answers 200.
func waitReady(url string, header http.Header, body string) error {
	deadline := time.Now().Add(90 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		method, rd := http.MethodGet, io.Reader(nil)
		if body != "" {
			method, rd = http.MethodPost, strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, url, rd)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after 90 s: %v", url, last)
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// repoRoot is the module root (go env GOMOD's directory).
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the gateway's module")
	}
	return filepath.Dir(mod), nil
}
