// Package redistest starts Redis servers for tests: a real redis-server on
// a free loopback port, or a Redis Cluster of several (the binary must be
// installed; under CI=true its absence fails the test, elsewhere it
// skips), or an in-process miniredis.
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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Server is a running Redis for one test.
type Server struct {
	Addr string
	proc *os.Process // the redis-server process (nil for miniredis)
}

// Stall stops the redis-server process (SIGSTOP) until the returned
// function resumes it (SIGCONT; also when the test ends): the port still
// accepts connections and buffers commands, but nothing answers, as with
// a Redis stuck on a slow disk or a paused VM. Commands sent meanwhile run
// when it resumes.
func (s *Server) Stall(t testing.TB) (resume func()) {
	t.Helper()
	if s.proc == nil {
		t.Fatal("redistest: Stall needs a real redis-server")
	}
	if err := s.proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("stop redis-server: %v", err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if err := s.proc.Signal(syscall.SIGCONT); err != nil {
				t.Errorf("resume redis-server: %v", err)
			}
		})
	}
	t.Cleanup(resume)
	return resume
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
	bin := binary(t)
	// Not t.TempDir: a save child redis-server forked (a test may ask for
	// one) can outlive the killed server for a moment and write into the
	// directory, which t.TempDir's cleanup reports as a failure.
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	n := start(t, bin, dir, "redis.log", freePorts(t, 1)[0])
	n.await(t, time.Now().Add(10*time.Second))
	return &Server{Addr: n.addr, proc: n.proc}
}

// Mini starts an in-process miniredis for the test.
func Mini(t testing.TB) (*Server, *miniredis.Miniredis) {
	t.Helper()
	m := miniredis.RunT(t)
	return &Server{Addr: m.Addr()}, m
}

// binary is the redis-server to run; without one the test skips, or
// fails under CI=true.
func binary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed (CI installs it in .ci/run): %v", err)
		}
		t.Skip("redis-server is not installed; install it (apt-get install redis-server) to run this test")
	}
	return bin
}

// freePorts returns n distinct loopback ports that were free a moment ago
// (all held at once, so none is handed out twice).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	lns := make([]net.Listener, n)
	defer func() {
		for _, ln := range lns {
			if ln != nil {
				_ = ln.Close()
			}
		}
	}()
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i], ports[i] = ln, ln.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// node is a started redis-server.
type node struct {
	addr string
	log  string // its log file
	proc *os.Process
}

// start runs redis-server on 127.0.0.1:port with persistence off, its
// files in dir and its log in dir/logName, plus extra arguments; the
// process is killed when the test ends.
func start(t testing.TB, bin, dir, logName string, port int, extra ...string) node {
	t.Helper()
	log := filepath.Join(dir, logName)
	args := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", log, "--protected-mode", "no"}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return node{addr: fmt.Sprintf("127.0.0.1:%d", port), log: log, proc: cmd.Process}
}

// await waits until the node answers PING, failing the test at deadline.
func (n node) await(t testing.TB, deadline time.Time) {
	t.Helper()
	for {
		c := redis.NewClient(&redis.Options{Addr: n.addr})
		err := c.Ping(context.Background()).Err()
		_ = c.Close()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer: %v\n%s", n.addr, err, tail(n.log))
		}
		time.Sleep(20 * time.Millisecond)
	}
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
