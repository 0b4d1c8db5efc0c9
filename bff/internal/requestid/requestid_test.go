package requestid

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, id := range []string{"a", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "Root=1-5759e988-bd862e3fe1be46a994272793", strings.Repeat("x", MaxLen)} {
		if !Valid(id) {
			t.Errorf("Valid(%q) = false", id)
		}
	}
	for _, id := range []string{"", strings.Repeat("x", MaxLen+1), "a b", "a\nlevel=ERROR", `a"b`, "a\x00", "é", "a,b", "a;b"} {
		if Valid(id) {
			t.Errorf("Valid(%q) = true", id)
		}
	}
	if id := New(); !Valid(id) || id == New() {
		t.Errorf("New() = %q: not valid, or not new each time", id)
	}
}

// Two X-Request-ID lines from a trusted proxy are not one id: a new one is
// made.
func TestMiddlewareTakesOneHeaderLine(t *testing.T) {
	var got string
	h := Middleware(func(*http.Request) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = FromContext(r.Context()) }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add(Header, "one")
	r.Header.Add(Header, "two")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got == "one" || got == "two" || got == "" || w.Header().Get(Header) != got {
		t.Errorf("id %q, answer header %q; want one new id in both", got, w.Header().Get(Header))
	}
}

func TestHandlerAddsTheID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil))).With("k", "v")
	log.InfoContext(NewContext(context.Background(), "rid-1"), "with")
	log.Info("without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var with, without map[string]any
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &with) != nil || json.Unmarshal([]byte(lines[1]), &without) != nil {
		t.Fatalf("log = %q", buf.String())
	}
	if with["request_id"] != "rid-1" || with["k"] != "v" {
		t.Errorf("line with a context = %v; want request_id rid-1 and k v", with)
	}
	if _, ok := without["request_id"]; ok {
		t.Errorf("line without a context = %v; want no request_id", without)
	}
}
