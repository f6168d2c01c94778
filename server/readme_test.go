package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/server"
	"github.com/commercegateway/gateway/server/sandboxmode"
)

// TestReadmeExamples runs the README as a newcomer would, against the
// gateway in sandbox mode (what make run starts, no key needed): every
// GraphQL example in order, feeding each the variables the text says come
// from an earlier answer ($id: the order createOrder made; $lineId: the
// line fulfilOrder shipped), then every curl line of the shell examples
// ($SB is the TradeGecko sandbox). An answer the README shows (a "# →"
// comment after a GraphQL example, a "#" line after a curl) must match:
// "…" in a string stands for any text there, ",…}" for more members, and
// the request log's "seq" and "ms" may be any number. An example without
// a shown answer must answer without errors, with empty userErrors and no
// null in its payloads, so the README cannot drift from the API.
func TestReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(readme, -1)
	if len(blocks) < 8 {
		t.Fatalf("found %d GraphQL examples in the README, want at least 8", len(blocks))
	}
	gatewayURL, sbURL := newcomerGateway(t)
	g := &gateway{t: t, url: gatewayURL}

	vars := map[string]any{}
	learn := map[string][]string{ // a variable, and the path of the answer it comes from
		"id":     {"createOrder", "order", "id"},
		"lineId": {"fulfilOrder", "order", "lineItems", "0", "id"},
	}
	declared := regexp.MustCompile(`\$(\w+)\s*:`)
	again := map[string]bool{} // the examples the README says to run again
	for _, m := range regexp.MustCompile("run `(\\w+)` again").FindAllStringSubmatch(readme, -1) {
		again[m[1]] = true
	}
	if len(again) == 0 {
		t.Error("the README no longer says which example to run again")
	}
	for _, b := range blocks {
		doc, shown, _ := strings.Cut(b[1], "\n# →")
		name, _, _ := strings.Cut(strings.TrimSpace(doc), "(")
		name = strings.Join(strings.Fields(name), " ")
		var want any
		if shown != "" {
			if want, err = readShown(shown); err != nil {
				t.Fatalf("%s: the answer the README shows is not JSON: %v\n%s", name, err, shown)
			}
		}
		v := map[string]any{}
		for _, m := range declared.FindAllStringSubmatch(doc, -1) {
			val, ok := vars[m[1]]
			if !ok {
				t.Fatalf("%s: $%s is not known from an earlier example", name, m[1])
			}
			v[m[1]] = val
		}
		r := g.query("", doc, v)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: errors: %+v\n%s", name, r.Errors, doc)
		}
		var data map[string]any
		if err := json.Unmarshal(r.Data, &data); err != nil || len(data) == 0 {
			t.Fatalf("%s: no data (%v): %s", name, err, r.Data)
		}
		if want != nil {
			if why := match(want, data, ""); why != "" {
				t.Errorf("%s: answered %s\nwhere the README shows %s: %s", name, r.Data, strings.TrimSpace(shown), why)
			}
		} else {
			checkPayloads(t, data, name)
		}
		for k, path := range learn {
			if x, ok := dig(data, path); ok {
				vars[k] = x
			}
		}
		if again[strings.TrimPrefix(name, "mutation ")] {
			// "run `ShipIt` again and each step answers the order as it
			// now is, sending TradeGecko no write."
			var r2 gqlResponse
			writes := sandboxWrites(t, sbURL, func() { r2 = g.query("", doc, v) })
			var data2 map[string]any
			if err := json.Unmarshal(r2.Data, &data2); err != nil || len(r2.Errors) > 0 || len(writes) > 0 {
				t.Errorf("%s again: answered %s %+v and sent %v; want no write", name, r2.Data, r2.Errors, writes)
			}
			checkPayloads(t, data2, name+" again")
			last := func(d map[string]any) string { // the last step answers the same
				keys := regexp.MustCompile(`(?m)^\s*(\w+)\(`).FindAllStringSubmatch(doc, -1)
				return mustJSON(d[keys[len(keys)-1][1]])
			}
			if a, b := last(data), last(data2); a != b {
				t.Errorf("%s again: the last step answered %s, first %s", name, b, a)
			}
		}
	}
	for _, k := range []string{"id", "lineId"} {
		if vars[k] == nil {
			t.Errorf("no README example answered $%s", k)
		}
	}

	shells := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme, -1)
	sh := &shellRun{t: t, vars: map[string]string{"SB": sbURL}, gateway: gatewayURL, seqs: map[float64]float64{}}
	ran := 0
	for _, b := range shells {
		// The examples against make run's gateway and sandboxes: not the
		// make targets, nor those that configure a gateway of their own
		// (go run, export) or talk to a live one (gateway.example.com).
		if strings.Contains(b[1], "curl ") && !strings.Contains(b[1], "go run") && !strings.Contains(b[1], "export ") &&
			!strings.Contains(b[1], "gateway.example.com") {
			ran += sh.run(b[1])
		}
	}
	if ran < 8 {
		t.Errorf("ran %d curl commands from the README, want at least 8", ran)
	}
}

// newcomerGateway starts the gateway as make run does (SANDBOX=1, every
// backend a sandbox on loopback, no keys) and answers its URL and the
// TradeGecko sandbox's.
func newcomerGateway(t *testing.T) (gatewayURL, sandboxURL string) {
	t.Helper()
	cfg, err := server.LoadConfig(env(map[string]string{"SANDBOX": "1", "GATEWAY_ADDR": "127.0.0.1:0", "TRADEGECKO_REFRESH_INTERVAL": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, testLogger(t), server.WithSandboxes(sandboxmode.New(sandboxmode.Options{})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- srv.Run(ctx, func(addr string) { addrc <- addr }) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case addr := <-addrc:
		return "http://" + addr, srv.SandboxURL(backend.TradeGecko)
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway did not start")
	}
	return "", ""
}

// shellRun runs the curl lines of a README shell example with net/http,
// as curl would send them.
type shellRun struct {
	t       *testing.T
	vars    map[string]string
	gateway string
	// seqs maps the request numbers the README shows to the ones this run
	// got, so a later "requests/24" asks for the request it means.
	seqs map[float64]float64
	// failedIDs are the request_ids of the failed attempts the log showed.
	failedIDs map[string]bool
	last      *curlAnswer
}

type curlAnswer struct {
	cmd    string
	status int
	body   []byte
}

// run runs each curl command of a shell block, checking each against the
// answer shown after it, and returns how many it ran.
func (s *shellRun) run(block string) int {
	n := 0
	var cmd string
	check := func(shown string) {
		if s.last != nil {
			s.check(s.last, shown)
			s.last = nil
		}
	}
	for _, line := range strings.Split(block, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cmd != "":
			cmd += "\n" + line
		case strings.HasPrefix(trimmed, "# "):
			check(strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
			continue
		case strings.HasPrefix(trimmed, "SB="):
			continue // the sandbox's address differs in every run
		case strings.HasPrefix(trimmed, "curl "):
			check("")
			cmd = line
		case trimmed == "":
			continue
		default:
			s.t.Fatalf("README shell line %q is neither a curl, a comment nor SB=", line)
		}
		if words, rest, ok := shellWords(cmd, s.vars); ok {
			s.last = s.curl(cmd, words, rest)
			cmd = ""
			n++
		}
	}
	check("")
	if cmd != "" {
		s.t.Fatalf("an unfinished command in the README: %s", cmd)
	}
	return n
}

// curl sends what `curl -s [-X M] URL [-H h]… [-d body]` sends; rest is what
// follows on the line (a pipe).
func (s *shellRun) curl(cmd string, words []string, rest string) *curlAnswer {
	t := s.t
	method, target, body := "", "", ""
	header := http.Header{}
	hasBody := false
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-s":
		case strings.HasPrefix(w, "-X"):
			method = strings.TrimPrefix(w, "-X")
		case w == "-H" && i+1 < len(words):
			k, v, _ := strings.Cut(words[i+1], ":")
			header.Add(k, strings.TrimSpace(v))
			i++
		case w == "-d" && i+1 < len(words):
			body, hasBody = words[i+1], true
			i++
		case strings.HasPrefix(w, "-"):
			t.Fatalf("%s: the test does not know curl's %s", cmd, w)
		default:
			target = w
		}
	}
	if method == "" {
		method = map[bool]string{true: http.MethodPost, false: http.MethodGet}[hasBody]
	}
	if hasBody && header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/x-www-form-urlencoded") // curl's own, for -d
	}
	if strings.HasPrefix(target, "localhost:8080") {
		target = s.gateway + strings.TrimPrefix(target, "localhost:8080")
	}
	if m := regexp.MustCompile(`/_sandbox/requests/(\d+)$`).FindStringSubmatch(target); m != nil {
		shown, _ := strconv.ParseFloat(m[1], 64)
		got, ok := s.seqs[shown]
		if !ok {
			t.Fatalf("%s: request %s is not one an earlier answer showed", cmd, m[1])
		}
		target = strings.TrimSuffix(target, m[1]) + strconv.FormatFloat(got, 'f', -1, 64)
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	switch rest {
	case "":
	case "| tail -5":
		lines := bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n"))
		if len(lines) < 5 {
			t.Errorf("%s: %d lines, want at least 5", cmd, len(lines))
		}
		out = bytes.Join(lines[max(0, len(lines)-5):], []byte("\n"))
	default:
		t.Fatalf("%s: the test does not know %q", cmd, rest)
	}
	return &curlAnswer{cmd: strings.Join(strings.Fields(cmd), " "), status: resp.StatusCode, body: out}
}

// check compares an answer with the one the README shows ("" when it
// shows none: then a 2xx whose every line is JSON, without GraphQL
// errors).
func (s *shellRun) check(a *curlAnswer, shown string) {
	t := s.t
	var lines []any
	for _, l := range bytes.Split(bytes.TrimSpace(a.body), []byte("\n")) {
		var v any
		if err := json.Unmarshal(l, &v); err != nil && len(l) > 0 {
			t.Errorf("%s: answered %d, a line that is not JSON: %s", a.cmd, a.status, l)
			return
		}
		lines = append(lines, v)
	}
	if shown == "" {
		if a.status/100 != 2 {
			t.Errorf("%s: answered %d %s", a.cmd, a.status, a.body)
		}
		if m, ok := lines[0].(map[string]any); ok && m["errors"] != nil {
			t.Errorf("%s: GraphQL errors %s", a.cmd, a.body)
		}
		return
	}
	want, err := readShown(shown)
	if err != nil {
		t.Fatalf("%s: the answer the README shows is not JSON: %v\n%s", a.cmd, err, shown)
	}
	if w, ok := want.(map[string]any); ok {
		if status, ok := w["status"].(float64); ok && w["title"] != nil && int(status) != a.status { // problem+json
			t.Errorf("%s: HTTP %d, the README shows %v", a.cmd, a.status, status)
		}
		if seq, ok := w["seq"].(float64); ok {
			if got, ok := lines[0].(map[string]any); ok {
				s.seqs[seq], _ = got["seq"].(float64)
			}
		}
	}
	if len(lines) == 0 {
		t.Errorf("%s: no answer, the README shows %s", a.cmd, shown)
	}
	for _, l := range lines { // a log answers a line per request: each must match
		if why := match(want, l, ""); why != "" {
			t.Errorf("%s: answered %s\nwhere the README shows %s: %s", a.cmd, a.body, shown, why)
			return
		}
		if m, ok := l.(map[string]any); ok {
			if m["failed"] == true {
				if s.failedIDs == nil {
					s.failedIDs = map[string]bool{}
				}
				s.failedIDs[fmt.Sprint(m["request_id"])] = true
			}
			// "The requestId of the gateway's answer is the sandbox's
			// request_id of the attempt that failed."
			if id, ok := m["requestId"].(string); ok && m["code"] == "UPSTREAM_UNAVAILABLE" {
				s.vars["failedRequestId"] = id
			}
		}
	}
	if id := s.vars["failedRequestId"]; id != "" && s.failedIDs != nil && !s.failedIDs[id] {
		t.Errorf("the gateway's requestId %s is none of the failed attempts' request_id %v", id, s.failedIDs)
	}
}

// readShown reads an answer as the README shows it: JSON, after "#"
// comment marks, where ",…}" stands for more members.
func readShown(shown string) (any, error) {
	var b strings.Builder
	for _, l := range strings.Split(shown, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "#")
		b.WriteString(strings.TrimSpace(l))
	}
	text := strings.ReplaceAll(b.String(), ",…}", "}")
	var v any
	err := json.Unmarshal([]byte(text), &v)
	return v, err
}

// match says how got differs from want ("" when it matches): objects
// match on want's members, arrays element by element, a string with "…"
// on the text around it.
func match(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s is %v, want an object", path, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return path + "." + k + " is missing"
			}
			if _, num := wv.(float64); num && (k == "seq" || k == "ms") {
				if _, ok := gv.(float64); !ok {
					return fmt.Sprintf("%s.%s is %v, want a number", path, k, gv)
				}
				continue
			}
			if why := match(wv, gv, path+"."+k); why != "" {
				return why
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s is %v, want %d elements", path, got, len(w))
		}
		for i := range w {
			if why := match(w[i], g[i], path+"."+strconv.Itoa(i)); why != "" {
				return why
			}
		}
		return ""
	case string:
		g, ok := got.(string)
		before, after, wild := strings.Cut(w, "…")
		switch {
		case !ok:
			return fmt.Sprintf("%s is %v, want %q", path, got, w)
		case wild && strings.HasPrefix(g, before) && strings.HasSuffix(g[len(before):], after):
			return ""
		case !wild && g == w:
			return ""
		}
		return fmt.Sprintf("%s is %q, want %q", path, g, w)
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		return fmt.Sprintf("%s is %v, want %v", path, got, want)
	}
	return ""
}

// dig follows path (object keys, array indexes) into v.
func dig(v any, path []string) (any, bool) {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// shellWords splits a shell command as sh would (single and double
// quotes, $VAR from vars outside single quotes, a trailing # comment), answering
// ok false while a quote is still open. rest is what follows a pipe.
func shellWords(cmd string, vars map[string]string) (words []string, rest string, ok bool) {
	var cur strings.Builder
	inWord := false
	var quote rune
	flush := func() {
		if inWord {
			words = append(words, cur.String())
		}
		cur.Reset()
		inWord = false
	}
	if strings.HasSuffix(strings.TrimRight(cmd, " \t"), "\\") {
		return nil, "", false // continued on the next line
	}
	runes := []rune(cmd)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"' && r == '"':
			quote = 0
		case quote == '"' && r == '\\' && i+1 < len(runes) && strings.ContainsRune(`"\$`, runes[i+1]):
			i++
			cur.WriteRune(runes[i])
		case r == '$' && quote != '\'':
			j := i + 1
			for j < len(runes) && (runes[j] == '_' || runes[j] >= 'A' && runes[j] <= 'Z' || runes[j] >= 'a' && runes[j] <= 'z') {
				j++
			}
			cur.WriteString(vars[string(runes[i+1:j])])
			inWord = true
			i = j - 1
		case quote == '"':
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\' && i+1 < len(runes) && runes[i+1] == '\n':
			i++
			flush()
		case r == ' ' || r == '\t' || r == '\n':
			flush()
		case r == '#' && !inWord:
			flush()
			return words, "", true
		case r == '|':
			flush()
			rest = strings.TrimSpace(string(runes[i:]))
			if c := strings.Index(rest, "#"); c >= 0 {
				rest = strings.TrimSpace(rest[:c])
			}
			return words, rest, true
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, "", false
	}
	flush()
	return words, "", true
}

// checkPayloads fails on any payload (an object with userErrors) that has
// user errors or no result.
func checkPayloads(t *testing.T, v any, path string) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if ue, ok := v["userErrors"]; ok {
			if errs, _ := ue.([]any); len(errs) > 0 {
				t.Errorf("%s: userErrors %v", path, errs)
			}
			for k, x := range v {
				if k != "userErrors" && x == nil {
					t.Errorf("%s.%s is null", path, k)
				}
			}
		}
		for k, x := range v {
			checkPayloads(t, x, path+"."+k)
		}
	case []any:
		for _, x := range v {
			checkPayloads(t, x, path)
		}
	}
}
