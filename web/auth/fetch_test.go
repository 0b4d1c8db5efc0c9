package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth/internal/browser"
)

func TestDecodeResponse(t *testing.T) {
	type answer struct {
		Owner string `json:"owner"`
	}
	tests := []struct {
		name       string
		res        browser.Response
		wantOwner  string
		wantStatus int
		wantCode   shared.Code
		wantMsg    string
		wantErr    bool
	}{
		{name: "ok", res: browser.Response{Status: 200, Body: []byte(`{"owner":"alice@example.com"}`)}, wantOwner: "alice@example.com"},
		{name: "ok but not JSON", res: browser.Response{Status: 200, Body: []byte(`<html>`)}, wantErr: true},
		{
			name:       "session ended",
			res:        browser.Response{Status: 401, Body: []byte(`{"error":"session_expired","message":"Your session has ended. Sign in again."}`)},
			wantStatus: 401, wantCode: shared.CodeSessionExpired, wantMsg: "Your session has ended. Sign in again.", wantErr: true,
		},
		{
			name:       "code without message",
			res:        browser.Response{Status: 403, Body: []byte(`{"error":"csrf_required"}`)},
			wantStatus: 403, wantCode: shared.CodeCSRFRequired, wantMsg: "The server refused this request.", wantErr: true,
		},
		{
			name:       "provider unavailable",
			res:        browser.Response{Status: 503, Body: []byte(`{"error":"provider_unavailable","message":"Your sign-in provider is not answering, so your session could not be renewed. Try again in a moment."}`)},
			wantStatus: 503, wantCode: shared.CodeProviderUnavailable, wantMsg: "Your sign-in provider is not answering, so your session could not be renewed. Try again in a moment.", wantErr: true,
		},
		{
			name:       "provider unavailable without message",
			res:        browser.Response{Status: 503, Body: []byte(`{"error":"provider_unavailable"}`)},
			wantStatus: 503, wantCode: shared.CodeProviderUnavailable, wantMsg: "Your sign-in provider is not answering. Your session is kept; try again in a moment.", wantErr: true,
		},
		{
			name:       "session store unavailable",
			res:        browser.Response{Status: 503, Body: []byte(`{"error":"session_store_unavailable","message":"Sign-in is temporarily unavailable. You are still signed in; try again in a moment."}`)},
			wantStatus: 503, wantCode: shared.CodeSessionStoreUnavailable, wantMsg: "Sign-in is temporarily unavailable. You are still signed in; try again in a moment.", wantErr: true,
		},
		{
			name:       "session store unavailable without message",
			res:        browser.Response{Status: 503, Body: []byte(`{"error":"session_store_unavailable"}`)},
			wantStatus: 503, wantCode: shared.CodeSessionStoreUnavailable, wantMsg: "Sign-in is temporarily unavailable: Gatehouse's session store is not answering. You are still signed in; try again in a moment.", wantErr: true,
		},
		{
			name:       "proxy error page",
			res:        browser.Response{Status: 502, Body: []byte(`<html>Bad Gateway</html>`)},
			wantStatus: 502, wantMsg: "The server had a problem. Try again in a moment.", wantErr: true,
		},
		{
			name:       "JSON without a code is not a shared.Error",
			res:        browser.Response{Status: 500, Body: []byte(`{"message":"stack trace here"}`)},
			wantStatus: 500, wantMsg: "The server had a problem. Try again in a moment.", wantErr: true,
		},
		{
			name:       "another status",
			res:        browser.Response{Status: 409, Body: nil},
			wantStatus: 409, wantMsg: "The server answered with an error (HTTP 409).", wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got answer
			err := decodeResponse(tt.res, &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("decodeResponse(%d, %q) error = %v; want error %v", tt.res.Status, tt.res.Body, err, tt.wantErr)
			}
			if got.Owner != tt.wantOwner {
				t.Errorf("decodeResponse(%d, %q) owner = %q; want %q", tt.res.Status, tt.res.Body, got.Owner, tt.wantOwner)
			}
			status, code := errorStatus(err)
			if status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("errorStatus(decodeResponse(%d, %q)) = %d, %q; want %d, %q", tt.res.Status, tt.res.Body, status, code, tt.wantStatus, tt.wantCode)
			}
			if tt.wantMsg != "" {
				if got := Message(err); got != tt.wantMsg {
					t.Errorf("Message(decodeResponse(%d, %q)) = %q; want %q", tt.res.Status, tt.res.Body, got, tt.wantMsg)
				}
				var se *shared.Error
				if !errors.As(err, &se) || se.Code != tt.wantCode {
					t.Errorf("errors.As(decodeResponse(...), *shared.Error) = %v, %+v; want the body", errors.As(err, &se), se)
				}
			}
		})
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"network", fmt.Errorf("browser: GET /auth/me: %w: TypeError: Failed to fetch", ErrNoAnswer), "The server could not be reached. Check your connection and try again."},
		{"timeout", fmt.Errorf("browser: GET /auth/me: %w", context.DeadlineExceeded), "The server took too long to answer. Try again."},
		{"internal detail never shown", errors.New("json: cannot unmarshal number into Go struct field"), "The answer from the server could not be read. Try again."},
		{"the BFF's message", fmt.Errorf("wrapped: %w", errStoreDown), storeDownMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message(tt.err); got != tt.want {
				t.Errorf("Message(%v) = %q; want %q", tt.err, got, tt.want)
			}
		})
	}
}

// The texts for the two outages that keep the session name what is down,
// say the session is kept, offer to try again, and leave out internals.
func TestCodeMessageOutages(t *testing.T) {
	tests := []struct {
		code    shared.Code
		want    []string
		notWant []string
	}{
		{
			code:    shared.CodeProviderUnavailable,
			want:    []string{"sign-in provider", "session is kept", "try again"},
			notWant: []string{"session store"},
		},
		{
			code:    shared.CodeSessionStoreUnavailable,
			want:    []string{"Sign-in is temporarily unavailable", "Gatehouse's session store", "still signed in", "try again"},
			notWant: []string{"provider", "Redis", "bbolt", "file", "GATEHOUSE_", "Sign in again"},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			got := codeMessage(DefaultTexts(), tt.code, tt.code.HTTPStatus())
			mustContain(t, fmt.Sprintf("codeMessage(%q)", tt.code), got, tt.want...)
			mustNotContain(t, fmt.Sprintf("codeMessage(%q)", tt.code), got, tt.notWant...)
		})
	}
}

// Outside the browser, fetch is a clear error, never a panic or a net/http
// call, and people read "could not be reached".
func TestCallBFFOutsideBrowser(t *testing.T) {
	err := callBFF(context.Background(), http.MethodGet, shared.PathMe, false, nil, nil)
	if !errors.Is(err, browser.ErrNoBrowser) {
		t.Errorf("callBFF outside the browser = %v; want browser.ErrNoBrowser", err)
	}
	if got, want := Message(err), DefaultTexts().NoAnswerMessage; got != want {
		t.Errorf("Message(%v) = %q; want %q", err, got, want)
	}
}

// Fetch sends what the BFF needs: the CSRF header, the cookie (credentials
// by origin), JSON in and out, on the configured base URL; and refuses a
// path that would leave the BFF.
func TestFetchRequest(t *testing.T) {
	tests := []struct {
		name, base      string
		method, path    string
		in              any
		wantURL         string
		wantCredentials string
		wantBody        string
	}{
		{name: "same origin GET", method: "GET", path: "/api/orders/orders", wantURL: "/api/orders/orders", wantCredentials: "same-origin"},
		{name: "BFF on another origin", base: "https://bff.example.com", method: "GET", path: "/api/orders/orders",
			wantURL: "https://bff.example.com/api/orders/orders", wantCredentials: "include"},
		{name: "JSON body", method: "POST", path: "/api/orders/orders", in: map[string]int{"quantity": 2},
			wantURL: "/api/orders/orders", wantCredentials: "same-origin", wantBody: `{"quantity":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t, 1)
			if err := Register(Config{BaseURL: tt.base}); err != nil {
				t.Fatal(err)
			}
			k.bff.api = map[string]browser.Response{tt.path: {Status: 200, Body: []byte(`{"owner":"alice@example.com"}`)}}
			var out struct{ Owner string }
			if err := Fetch(k.ctx(0), tt.method, tt.path, tt.in, &out); err != nil || out.Owner != "alice@example.com" {
				t.Fatalf("Fetch(%s %s) = %v, %+v; want the owner", tt.method, tt.path, err, out)
			}
			req := k.bff.last()
			if req.Method != tt.method || req.URL != tt.wantURL || req.Credentials != tt.wantCredentials {
				t.Errorf("request = %s %s credentials %q; want %s %s credentials %q", req.Method, req.URL, req.Credentials, tt.method, tt.wantURL, tt.wantCredentials)
			}
			if got := req.Header[shared.HeaderCSRF]; got != shared.CSRFValue {
				t.Errorf("request header %s = %q; want %q", shared.HeaderCSRF, got, shared.CSRFValue)
			}
			if string(req.Body) != tt.wantBody {
				t.Errorf("request body = %q; want %q", req.Body, tt.wantBody)
			}
			if tt.wantBody != "" && req.Header["Content-Type"] != "application/json" {
				t.Errorf("request Content-Type = %q; want application/json", req.Header["Content-Type"])
			}
		})
	}
	k := newKit(t, 1)
	for _, path := range []string{"api/x", "//evil.example/x", `/\evil.example`, "https://evil.example/x"} {
		if err := Fetch(k.ctx(0), "GET", path, nil, nil); err == nil || len(k.bff.requests) != 0 {
			t.Errorf("Fetch(GET %q) = %v after %d requests; want an error and no request", path, err, len(k.bff.requests))
		}
	}
}

// A 401 from an API call changes the app-wide session at once: the BFF's
// codes end it, another 401 has the kit ask again; an outage changes
// nothing.
func TestFetchAnswersReachTheSession(t *testing.T) {
	tests := []struct {
		name       string
		answer     browser.Response
		wantStatus Status
		wantMe     int // extra shared.PathMe requests
	}{
		{"401 session_expired", browser.Response{Status: 401, Body: []byte(`{"error":"session_expired","message":"Your session has ended."}`)}, StatusEnded, 0},
		{"401 unauthenticated", browser.Response{Status: 401, Body: []byte(`{"error":"unauthenticated"}`)}, StatusSignedOut, 0},
		{"401 from the API itself", browser.Response{Status: 401, Body: []byte(`{"detail":"bad token"}`)}, StatusSignedIn, 1},
		{"503 session_store_unavailable", browser.Response{Status: 503, Body: []byte(`{"error":"session_store_unavailable"}`)}, StatusSignedIn, 0},
		{"503 provider_unavailable", browser.Response{Status: 503, Body: []byte(`{"error":"provider_unavailable"}`)}, StatusSignedIn, 0},
		{"403 csrf_required", browser.Response{Status: 403, Body: []byte(`{"error":"csrf_required"}`)}, StatusSignedIn, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t, 1)
			k.bff.signIn(alice)
			k.app.SetState(stateKey, State{Status: StatusSignedIn, Session: alice})
			k.settle()
			k.bff.api = map[string]browser.Response{"/api/orders/orders": tt.answer}
			err := Fetch(k.ctx(0), "GET", "/api/orders/orders", nil, nil)
			k.settle()
			var re *ResponseError
			if !errors.As(err, &re) || re.Status != tt.answer.Status {
				t.Fatalf("Fetch = %v; want a *ResponseError with status %d", err, tt.answer.Status)
			}
			if got := k.state().Status; got != tt.wantStatus {
				t.Errorf("session after %s = %v; want %v", tt.name, got, tt.wantStatus)
			}
			if got := k.bff.meCalls(); got != tt.wantMe {
				t.Errorf("%s asked %s %d times; want %d", tt.name, shared.PathMe, got, tt.wantMe)
			}
			if strings.Contains(Message(err), "{") {
				t.Errorf("Message(%v) = %q; want a sentence", err, Message(err))
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		res  browser.Response
		want time.Duration
	}{
		{"from the body", browser.Response{Status: 429, RetryAfter: "7", Body: []byte(`{"error":"rate_limited","message":"Too many requests.","retry_after":12}`)}, 12 * time.Second},
		{"from the header", browser.Response{Status: 429, RetryAfter: " 7 ", Body: []byte(`<html>Too Many Requests</html>`)}, 7 * time.Second},
		{"a date is not read", browser.Response{Status: 503, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"}, 0},
		{"nothing said", browser.Response{Status: 429, Body: []byte(`{"error":"rate_limited"}`)}, 0},
		{"nonsense", browser.Response{Status: 429, RetryAfter: "-5"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var re *ResponseError
			if err := decodeResponse(tt.res, nil); !errors.As(err, &re) {
				t.Fatalf("decodeResponse = %v; want a *ResponseError", err)
			}
			if got := re.RetryAfter(); got != tt.want {
				t.Errorf("RetryAfter() = %v; want %v", got, tt.want)
			}
		})
	}
	limited := decodeResponse(browser.Response{Status: 429, Body: []byte(`{"error":"rate_limited"}`)}, nil)
	if got := Message(limited); got != DefaultTexts().RateLimitedMessage {
		t.Errorf("Message(429 without a message) = %q; want Texts.RateLimitedMessage", got)
	}
}
