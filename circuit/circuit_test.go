package circuit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/ratelimit"
)

// backend answers /status/{code} with that status, and /slow when its
// request ends (the client's deadline or cancellation).
func backend(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if code, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
			n, _ := strconv.Atoi(code)
			w.WriteHeader(n)
			return
		}
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func newBreaker(t *testing.T, opts ...circuit.Option) *circuit.Breaker {
	t.Helper()
	b, err := circuit.New("test", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// send makes one request through c; ctx may be nil.
func send(c *http.Client, ctx context.Context, method, url string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// refuseMarked stands for the rate limiter between Guard and Outcomes: it
// refuses requests carrying X-Refuse without sending them.
type refuseMarked struct{ next http.RoundTripper }

var errRefused = errors.New("budget spent")

func (r refuseMarked) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Refuse") != "" {
		return nil, errRefused
	}
	return r.next.RoundTrip(req)
}

// What counts as a failure: each case runs after one 503 on a breaker that
// opens at two consecutive failures, and is followed by another 503. A
// failure opens the breaker at once; a success resets the count (still
// closed after the next 503); an uncounted request leaves it (open after
// the next 503).
func TestWhatCounts(t *testing.T) {
	t.Parallel()
	srv, _ := backend(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // connection refused

	type outcome int
	const (
		failure outcome = iota
		success
		uncounted
	)
	tests := []struct {
		name string
		do   func(c *http.Client) error
		want outcome
	}{
		{"200", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/200") }, success},
		{"204", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/204") }, success},
		{"400", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/400") }, success},
		{"404", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/404") }, success},
		{"429 (the limiter's business)", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/429") }, success},
		{"500", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/500") }, failure},
		{"502", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/502") }, failure},
		{"503", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/503") }, failure},
		{"504", func(c *http.Client) error { return send(c, nil, "GET", srv.URL+"/status/504") }, failure},
		{"connection refused", func(c *http.Client) error { return send(c, nil, "GET", closed.URL+"/x") }, failure},
		{"the attempt's timeout", func(c *http.Client) error {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			return send(c, ctx, "GET", srv.URL+"/slow")
		}, failure},
		{"cancelled by the caller", func(c *http.Client) error {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return send(c, ctx, "GET", srv.URL+"/slow")
		}, uncounted},
		{"refused behind the guard (the limiter)", func(c *http.Client) error {
			req, _ := http.NewRequest("GET", srv.URL+"/status/200", nil)
			req.Header.Set("X-Refuse", "1")
			_, err := c.Do(req)
			return err
		}, uncounted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBreaker(t, circuit.WithFailures(2), circuit.WithOpenFor(time.Hour))
			c := &http.Client{Transport: b.Guard(refuseMarked{b.Outcomes(http.DefaultTransport)})}
			fail := func() { _ = send(c, nil, "GET", srv.URL+"/status/503") }
			fail()
			_ = tt.do(c)
			got := b.State(circuit.Read)
			if tt.want == failure {
				if got != circuit.Open {
					t.Fatalf("after a 503 and %s: %s, want open", tt.name, got)
				}
				return
			}
			if got != circuit.Closed {
				t.Fatalf("after a 503 and %s: %s, want closed", tt.name, got)
			}
			fail()
			want := circuit.Closed
			if tt.want == uncounted {
				want = circuit.Open
			}
			if got := b.State(circuit.Read); got != want {
				t.Errorf("after a 503, %s and a 503: %s, want %s", tt.name, got, want)
			}
			if got := b.State(circuit.Write); got != circuit.Closed {
				t.Errorf("reads moved the write breaker: %s", got)
			}
		})
	}
}

// Guard alone (no Outcomes behind it) counts every error behind it.
func TestGuardAloneCountsEveryError(t *testing.T) {
	t.Parallel()
	srv, _ := backend(t)
	b := newBreaker(t, circuit.WithFailures(1), circuit.WithOpenFor(time.Hour))
	c := &http.Client{Transport: b.Guard(refuseMarked{http.DefaultTransport})}
	req, _ := http.NewRequest("GET", srv.URL+"/status/200", nil)
	req.Header.Set("X-Refuse", "1")
	if _, err := c.Do(req); !errors.Is(err, errRefused) {
		t.Fatalf("err = %v, want the refusal", err)
	}
	if got := b.State(circuit.Read); got != circuit.Open {
		t.Errorf("state = %s, want open", got)
	}
}

// An open breaker sends nothing, answers an *OpenError (not something the
// adapters take for the rate limiter's refusal), and counts the refusal.
func TestOpenRefusesWithoutSending(t *testing.T) {
	t.Parallel()
	srv, hits := backend(t)
	b := newBreaker(t, circuit.WithFailures(3), circuit.WithOpenFor(time.Minute))
	c := &http.Client{Transport: b.Guard(b.Outcomes(nil))}
	for range 3 {
		if err := send(c, nil, "GET", srv.URL+"/status/503"); err != nil {
			t.Fatal(err)
		}
	}
	before := hits.Load()
	for i := range 10 {
		err := send(c, nil, "GET", srv.URL+"/status/200")
		var oe *circuit.OpenError
		if !errors.As(err, &oe) {
			t.Fatalf("request %d with the breaker open: %v, want an *OpenError", i, err)
		}
		if oe.Backend != "test" || oe.Kind != circuit.Read || oe.State != circuit.Open || oe.RetryAfter < 59*time.Second || oe.RetryAfter > time.Minute {
			t.Errorf("OpenError = %+v", oe)
		}
		var budget *ratelimit.Refusal
		if errors.As(err, &budget) {
			t.Errorf("an *OpenError looks like the shared budget's refusal")
		}
	}
	if n := hits.Load() - before; n != 0 {
		t.Errorf("the open breaker sent %d requests", n)
	}
	if got := b.Refused(circuit.Read); got != 10 {
		t.Errorf("Refused(read) = %d, want 10", got)
	}
	// Writes have their own breaker.
	if err := send(c, nil, "POST", srv.URL+"/status/201"); err != nil {
		t.Errorf("a write with the read breaker open: %v", err)
	}
}

// Reads and writes: the method, or commerce.WithWrite on a GET.
func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method string
		write  bool // commerce.WithWrite
		want   circuit.Kind
	}{
		{"GET", false, circuit.Read},
		{"HEAD", false, circuit.Read},
		{"GET", true, circuit.Write},
		{"POST", false, circuit.Write},
		{"PUT", false, circuit.Write},
		{"DELETE", false, circuit.Write},
	}
	for _, tt := range tests {
		ctx := context.Background()
		if tt.write {
			ctx = commerce.WithWrite(ctx)
		}
		req, _ := http.NewRequestWithContext(ctx, tt.method, "http://x/", nil)
		if got := circuit.KindOf(req); got != tt.want {
			t.Errorf("KindOf(%s, write %v) = %s, want %s", tt.method, tt.write, got, tt.want)
		}
	}
}

// A read made for a write failing opens the write breaker, not the read one.
func TestReadsForWritesCountAsWrites(t *testing.T) {
	t.Parallel()
	srv, _ := backend(t)
	b := newBreaker(t, circuit.WithFailures(1), circuit.WithOpenFor(time.Hour))
	c := &http.Client{Transport: b.Guard(b.Outcomes(nil))}
	_ = send(c, commerce.WithWrite(context.Background()), "GET", srv.URL+"/status/500")
	if r, w := b.State(circuit.Read), b.State(circuit.Write); r != circuit.Closed || w != circuit.Open {
		t.Errorf("read %s, write %s; want closed, open", r, w)
	}
}

// fakeBackend is a transport whose answers the test hands out one by one.
type fakeBackend struct {
	mu    sync.Mutex
	sent  int
	reply chan int // a status, or 0 for a network error
}

func (f *fakeBackend) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.sent++
	f.mu.Unlock()
	select {
	case code := <-f.reply:
		if code == 0 {
			return nil, errors.New("connection reset")
		}
		return &http.Response{StatusCode: code, Body: http.NoBody, Request: req}, nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

func (f *fakeBackend) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent
}

// The half-open breaker lets one probe through at a time: while it is in
// flight the others are refused; a success closes the breaker, a failure
// opens it for another interval, a cancelled probe frees its place.
func TestHalfOpenSingleProbe(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const openFor = 5 * time.Second
		var changes []string
		fb := &fakeBackend{reply: make(chan int)}
		b := newBreaker(t, circuit.WithFailures(2), circuit.WithOpenFor(openFor),
			circuit.WithStateChange(func(backend string, k circuit.Kind, from, to circuit.State) {
				changes = append(changes, backend+" "+k.String()+" "+from.String()+"→"+to.String())
			}))
		c := &http.Client{Transport: b.Guard(b.Outcomes(fb))}
		start := func(ctx context.Context) chan error {
			ch := make(chan error, 1)
			go func() { ch <- send(c, ctx, "GET", "http://backend/x") }()
			synctest.Wait()
			return ch
		}
		refused := func(want circuit.State, retryAfter time.Duration) {
			t.Helper()
			var oe *circuit.OpenError
			if err := send(c, nil, "GET", "http://backend/x"); !errors.As(err, &oe) {
				t.Fatalf("err = %v, want an *OpenError", err)
			}
			if oe.State != want || oe.RetryAfter != retryAfter {
				t.Errorf("OpenError state %s, retry after %s; want %s, %s", oe.State, oe.RetryAfter, want, retryAfter)
			}
		}
		for range 2 {
			ch := start(nil)
			fb.reply <- 503
			<-ch
		}
		if got := b.State(circuit.Read); got != circuit.Open {
			t.Fatalf("after two 503s: %s", got)
		}
		time.Sleep(2 * time.Second)
		refused(circuit.Open, 3*time.Second)
		time.Sleep(3*time.Second + time.Millisecond)
		if got := b.State(circuit.Read); got != circuit.HalfOpen {
			t.Fatalf("after the open interval: %s", got)
		}

		// A probe the caller cancels does not count and frees its place.
		ctx, cancel := context.WithCancel(context.Background())
		probe := start(ctx)
		refused(circuit.HalfOpen, time.Second)
		cancel()
		<-probe
		if got := b.State(circuit.Read); got != circuit.HalfOpen {
			t.Fatalf("after a cancelled probe: %s", got)
		}

		// A failing probe opens it again for the whole interval.
		probe = start(nil)
		refused(circuit.HalfOpen, time.Second)
		fb.reply <- 0
		<-probe
		if got := b.State(circuit.Read); got != circuit.Open {
			t.Fatalf("after a failed probe: %s", got)
		}
		refused(circuit.Open, openFor)
		time.Sleep(openFor + time.Millisecond)

		// A succeeding probe closes it.
		probe = start(nil)
		sent := fb.count()
		for range 5 {
			refused(circuit.HalfOpen, time.Second)
		}
		if fb.count() != sent {
			t.Errorf("requests were sent while the probe was in flight")
		}
		fb.reply <- 200
		if err := <-probe; err != nil {
			t.Fatal(err)
		}
		if got := b.State(circuit.Read); got != circuit.Closed {
			t.Fatalf("after a successful probe: %s", got)
		}
		ch := start(nil)
		fb.reply <- 200
		if err := <-ch; err != nil {
			t.Errorf("closed again: %v", err)
		}
		want := []string{
			"test read closed→open", "test read open→half-open", "test read half-open→open",
			"test read open→half-open", "test read half-open→closed",
		}
		if strings.Join(changes, "; ") != strings.Join(want, "; ") {
			t.Errorf("state changes:\n got %q\nwant %q", changes, want)
		}
		if got := b.Refused(circuit.Read); got != 9 {
			t.Errorf("Refused = %d, want 9", got)
		}
	})
}

// Options are checked: nonsense is refused, naming the problem.
func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		backend string
		opts    []circuit.Option
		want    string
	}{
		{"no name", "", nil, "backend name"},
		{"no failures", "x", []circuit.Option{circuit.WithFailures(0)}, "failures must be at least 1"},
		{"zero interval", "x", []circuit.Option{circuit.WithOpenFor(0)}, "open interval must be positive"},
		{"nil rule", "x", []circuit.Option{circuit.WithKind(nil)}, "WithKind(nil)"},
	}
	for _, tt := range tests {
		_, err := circuit.New(tt.backend, tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error about %q", tt.name, err, tt.want)
		}
	}
}
