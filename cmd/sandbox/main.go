// Command sandbox serves the three backends' sandboxes (TradeGecko,
// TradeGlobal, SimpleConsign: adapters/*/sandbox) on their own loopback
// ports, without a gateway, so that something other than our gateway can be
// pointed at the same fake APIs: another gateway in `make bench-peers`
// (bench/peers), a script, curl. It prints one line per sandbox on stdout,
// "name URL" (tradegecko http://127.0.0.1:PORT), once all three listen,
// and serves until interrupted. The sandboxes' control routes (/_sandbox/…:
// the request log, faults, stock changes) are on, without auth.
//
// It is for development and benchmarks only, never production: it serves
// seeded demo data and accepts the sandboxes' well-known credentials
// (Bearer sandbox-token), so it must never listen on anything but loopback
// (it refuses any other host) and must never be linked into the gateway,
// shipped in its image or pointed at by a production configuration.
//
//	go run ./cmd/sandbox -tradegecko-rate-limit 1000000
//	tradegecko http://127.0.0.1:41234
//	tradeglobal http://127.0.0.1:41235
//	simpleconsign http://127.0.0.1:41236
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	scsandbox "github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	tgsandbox "github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	tgcsandbox "github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(2)
	}
}

// run parses args, starts the sandboxes, writes their URLs to stdout and
// serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "loopback address to listen on (anything but loopback is refused)")
	tgPort := fs.Int("tradegecko-port", envInt("SANDBOX_TRADEGECKO_PORT"), "TradeGecko sandbox port; 0: a free one (env SANDBOX_TRADEGECKO_PORT)")
	tgcPort := fs.Int("tradeglobal-port", envInt("SANDBOX_TRADEGLOBAL_PORT"), "TradeGlobal sandbox port; 0: a free one (env SANDBOX_TRADEGLOBAL_PORT)")
	scPort := fs.Int("simpleconsign-port", envInt("SANDBOX_SIMPLECONSIGN_PORT"), "SimpleConsign sandbox port; 0: a free one (env SANDBOX_SIMPLECONSIGN_PORT)")
	rateLimit := fs.Int("tradegecko-rate-limit", tgsandbox.DefaultRateLimit, "TradeGecko requests allowed per window (the real API's 300; raise it for benchmarks)")
	rateWindow := fs.Duration("tradegecko-rate-window", tgsandbox.DefaultRateWindow, "TradeGecko rate-limit window")
	products := fs.Int("tradegecko-products", tgsandbox.DefaultProducts, "seeded TradeGecko products")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if ip := net.ParseIP(*host); *host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-host %q is not a loopback address: the sandboxes accept well-known credentials and must never be reachable from elsewhere", *host)
	}

	tg := tgsandbox.New(tgsandbox.Options{
		ControlRoutes: true, RateLimit: *rateLimit, RateWindow: *rateWindow, Products: *products,
	})
	defer tg.Close()
	sandboxes := []struct {
		name string
		port int
		h    http.Handler
	}{
		{"tradegecko", *tgPort, tg},
		{"tradeglobal", *tgcPort, tgcsandbox.New(tgcsandbox.Options{ControlRoutes: true})},
		{"simpleconsign", *scPort, scsandbox.New(scsandbox.Options{ControlRoutes: true})},
	}
	var servers []*http.Server
	defer func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}()
	lns := make([]net.Listener, 0, len(sandboxes))
	for _, sb := range sandboxes {
		ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(sb.port)))
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return fmt.Errorf("%s sandbox: %w", sb.name, err)
		}
		lns = append(lns, ln)
	}
	errc := make(chan error, len(sandboxes))
	for i, sb := range sandboxes {
		srv := &http.Server{Handler: sb.h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func(ln net.Listener) { errc <- srv.Serve(ln) }(lns[i])
		fmt.Fprintf(stdout, "%s http://%s\n", sb.name, lns[i].Addr())
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// envInt is the integer in the environment variable name, or 0.
func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}
