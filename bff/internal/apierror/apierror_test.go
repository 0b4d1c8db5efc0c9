package apierror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   shared.Code
	}{
		{"coded", New(shared.CodeRouteNotFound, "No such route."), 404, shared.CodeRouteNotFound},
		{"wrapped coded", fmt.Errorf("proxy: %w", ErrSessionExpired), 401, shared.CodeSessionExpired},
		{"with a cause", Wrap(shared.CodeUpstreamUnavailable, "The API did not answer.", errors.New("dial tcp 10.0.0.7:443: secret-internal-host")), 502, shared.CodeUpstreamUnavailable},
		{"internal", errors.New("store: redis at 10.0.0.9: token=abc"), 500, shared.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Write(rec, httptest.NewRequest(http.MethodGet, "/api/x", nil), tt.err)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d; want %d", rec.Code, tt.wantStatus)
			}
			var body shared.Error
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
			}
			if body.Code != tt.wantCode || body.Message == "" {
				t.Errorf("body = %+v; want code %q and a message", body, tt.wantCode)
			}
			for _, leak := range []string{"10.0.0", "token=", "dial tcp"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("body %q leaks %q", rec.Body.String(), leak)
				}
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q; want no-store", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestWriteNothingWhenTheClientLeft(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	Write(rec, httptest.NewRequest(http.MethodGet, "/api/x", nil).WithContext(ctx), errors.New("x"))
	if rec.Body.Len() != 0 {
		t.Errorf("wrote %q to a client that left", rec.Body.String())
	}
}

func TestRateLimited(t *testing.T) {
	for _, tt := range []struct {
		retry time.Duration
		want  int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {59 * time.Second, 59}} {
		rec := httptest.NewRecorder()
		Write(rec, httptest.NewRequest(http.MethodGet, "/api/x", nil), RateLimited(tt.retry))
		if rec.Code != http.StatusTooManyRequests {
			t.Errorf("retry %v: status %d; want 429", tt.retry, rec.Code)
		}
		if got := rec.Header().Get("Retry-After"); got != strconv.Itoa(tt.want) {
			t.Errorf("retry %v: Retry-After %q; want %d", tt.retry, got, tt.want)
		}
		var body shared.Error
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != shared.CodeRateLimited || body.RetryAfter != tt.want || body.Message == "" {
			t.Errorf("retry %v: body %s, %v; want rate_limited with retry_after %d", tt.retry, rec.Body, err, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	Write(rec, httptest.NewRequest(http.MethodGet, "/api/x", nil), ErrNotFound)
	if rec.Header().Get("Retry-After") != "" || strings.Contains(rec.Body.String(), "retry_after") {
		t.Errorf("a 404 carries a retry: %v %s", rec.Header(), rec.Body)
	}
}
