// Package redistest starts Redis servers for tests: a real redis-server on
// a free loopback port (the binary must be installed; under CI=true its
// absence fails the test, elsewhere it skips), or an in-process miniredis.
//
// It is for tests only and must never be imported by production code.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Server is a running Redis for one test.
type Server struct {
	Addr string
}

// Client returns a new client of the server, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Real starts redis-server on a free loopback port for the test, with
// persistence off and the data directory in t.TempDir().
func Real(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed (CI installs it in .ci/run): %v", err)
		}
		t.Skip("redis-server is not installed; install it (apt-get install redis-server) to run this test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"), "--protected-mode", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := redis.NewClient(&redis.Options{Addr: addr})
		err := c.Ping(context.Background()).Err()
		_ = c.Close()
		if err == nil {
			return &Server{Addr: addr}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer: %v\n%s", addr, err, tail(filepath.Join(dir, "redis.log")))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Mini starts an in-process miniredis for the test.
func Mini(t testing.TB) (*Server, *miniredis.Miniredis) {
	t.Helper()
	m := miniredis.RunT(t)
	return &Server{Addr: m.Addr()}, m
}

func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
