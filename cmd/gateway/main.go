// Command gateway serves the commerce gateway: GraphQL and REST over
// TradeGecko, TradeGlobal and SimpleConsign. Configuration comes from the
// environment (see README.md). SANDBOX=1 runs every backend in-process, in
// a binary built with -tags sandbox (make run: sandbox.go); the production
// build (make build, the Dockerfile) links no sandbox and refuses SANDBOX=1
// (nosandbox.go).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/server"
	"github.com/commercegateway/gateway/server/rest"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(context.Background(), log, os.Getenv); err != nil {
		log.Error("gateway stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	opts, err := sandboxOptions(cfg)
	if err != nil {
		return err
	}
	log.Info("starting", "config", cfg)
	srv, err := server.New(cfg, log, opts...)
	if err != nil {
		return err
	}
	return srv.Run(ctx, func(addr string) {
		base := "http://" + displayAddr(addr)
		log.Info("listening", "addr", addr, "playground", base+"/playground", "graphql", base+"/graphql")
		fmt.Fprintf(os.Stdout, "\n  Commerce gateway is up.\n  Playground: %s/playground\n  GraphQL:    %s/graphql\n  REST:       %s%s (docs: %s%s, OpenAPI: %s%s)\n",
			base, base, base, rest.BasePath, base, rest.DocsPath, base, rest.OpenAPIPath)
		for _, b := range []struct {
			name  backend.Name
			title string
		}{
			{backend.TradeGecko, "TradeGecko"}, {backend.TradeGlobal, "TradeGlobal"}, {backend.SimpleConsign, "SimpleConsign"},
		} {
			if u := srv.SandboxURL(b.name); u != "" {
				fmt.Fprintf(os.Stdout, "  %-14s sandbox: %s (control: %s/_sandbox/requests)\n", b.title, u, u)
			}
		}
		if loopbackOnly(cfg, addr) {
			log.Warn("sandbox mode without API keys: listening on loopback only; set GATEWAY_ADDR (e.g. :8080) to listen elsewhere", "addr", addr)
			fmt.Fprintf(os.Stdout, "  Listening on %s only: sandbox mode without API keys is open to anyone who can reach it\n  (set GATEWAY_ADDR=:8080 to listen on every interface).\n", addr)
		}
		fmt.Fprintln(os.Stdout)
	})
}

// loopbackOnly reports whether the loopback default of an open sandbox
// (server.DefaultSandboxAddr, chosen in server.LoadConfig) applies.
func loopbackOnly(cfg server.Config, addr string) bool {
	if !cfg.Sandbox || len(cfg.APIKeys) > 0 {
		return false
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// displayAddr turns ":8080" or "[::]:8080" into "localhost:8080".
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
