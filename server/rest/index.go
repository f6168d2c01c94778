package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// index is the answer to GET /v1: where the document, the docs and the
// collections are, so the link the banner prints (cmd/gateway/main.go)
// leads somewhere.
type index struct {
	Title   string `json:"title"`
	Version string `json:"version"`
	OpenAPI string `json:"openapi"`
	Docs    string `json:"docs"`
	// Auth says how to send a key; the collections need one unless the
	// gateway runs open (sandbox mode without keys).
	Auth string `json:"auth"`
	// Collections maps a collection's name to its path: every GET
	// operation with no path parameter and no required query parameter,
	// read from the OpenAPI document, so the list cannot drift from it.
	Collections map[string]string `json:"collections"`
	// Streams maps an event stream's name to its path (events.go): every
	// GET operation answering text/event-stream, read from the document.
	Streams map[string]string `json:"streams"`
}

type indexCache struct {
	once sync.Once
	body []byte
}

func (a *API) serveIndex(c echo.Context) error {
	a.index.once.Do(func() {
		doc := a.huma.OpenAPI()
		ix := index{
			Title: doc.Info.Title, Version: doc.Info.Version, OpenAPI: OpenAPIPath, Docs: DocsPath,
			Auth:        "Authorization: Bearer <key>, or X-API-Key: <key>",
			Collections: map[string]string{}, Streams: map[string]string{},
		}
		paths := make([]string, 0, len(doc.Paths))
		for p := range doc.Paths {
			paths = append(paths, p)
		}
		sort.Strings(paths)
	next:
		for _, p := range paths {
			op := doc.Paths[p].Get
			if op == nil || strings.Contains(p, "{") || !strings.HasPrefix(p, BasePath+"/") {
				continue
			}
			if ok := op.Responses["200"]; ok != nil && ok.Content["text/event-stream"] != nil {
				ix.Streams[strings.TrimPrefix(p, BasePath+"/")] = p
				continue
			}
			for _, prm := range op.Parameters {
				if prm.Required {
					continue next
				}
			}
			ix.Collections[strings.TrimPrefix(p, BasePath+"/")] = p
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // "<key>" reads as written
		if err := enc.Encode(ix); err != nil {
			panic("rest: the index does not marshal: " + err.Error())
		}
		a.index.body = b.Bytes()
	})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(a.index.body))
	return nil
}
