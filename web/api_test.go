package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestDecodeResponse(t *testing.T) {
	type answer struct {
		Owner string `json:"owner"`
	}
	tests := []struct {
		name       string
		res        fetchResponse
		wantOwner  string
		wantStatus int
		wantCode   shared.Code
		wantMsg    string
		wantErr    bool
	}{
		{name: "ok", res: fetchResponse{200, []byte(`{"owner":"alice@example.com"}`)}, wantOwner: "alice@example.com"},
		{name: "ok but not JSON", res: fetchResponse{200, []byte(`<html>`)}, wantErr: true},
		{
			name:       "session ended",
			res:        fetchResponse{401, []byte(`{"error":"session_expired","message":"Your session has ended. Sign in again."}`)},
			wantStatus: 401, wantCode: shared.CodeSessionExpired, wantMsg: "Your session has ended. Sign in again.", wantErr: true,
		},
		{
			name:       "code without message",
			res:        fetchResponse{403, []byte(`{"error":"csrf_required"}`)},
			wantStatus: 403, wantCode: shared.CodeCSRFRequired, wantMsg: "The server refused this request.", wantErr: true,
		},
		{
			name:       "provider unavailable",
			res:        fetchResponse{503, []byte(`{"error":"provider_unavailable","message":"Your sign-in provider is not answering, so your session could not be renewed. Try again in a moment."}`)},
			wantStatus: 503, wantCode: shared.CodeProviderUnavailable, wantMsg: "Your sign-in provider is not answering, so your session could not be renewed. Try again in a moment.", wantErr: true,
		},
		{
			name:       "provider unavailable without message",
			res:        fetchResponse{503, []byte(`{"error":"provider_unavailable"}`)},
			wantStatus: 503, wantCode: shared.CodeProviderUnavailable, wantMsg: "Your sign-in provider is not answering. Your session is kept; try again in a moment.", wantErr: true,
		},
		{
			name:       "session store unavailable",
			res:        fetchResponse{503, []byte(`{"error":"session_store_unavailable","message":"Sign-in is temporarily unavailable. You are still signed in; try again in a moment."}`)},
			wantStatus: 503, wantCode: shared.CodeSessionStoreUnavailable, wantMsg: "Sign-in is temporarily unavailable. You are still signed in; try again in a moment.", wantErr: true,
		},
		{
			name:       "session store unavailable without message",
			res:        fetchResponse{503, []byte(`{"error":"session_store_unavailable"}`)},
			wantStatus: 503, wantCode: shared.CodeSessionStoreUnavailable, wantMsg: "Sign-in is temporarily unavailable: Gatehouse's session store is not answering. You are still signed in; try again in a moment.", wantErr: true,
		},
		{
			name:       "proxy error page",
			res:        fetchResponse{502, []byte(`<html>Bad Gateway</html>`)},
			wantStatus: 502, wantMsg: "The server had a problem. Try again in a moment.", wantErr: true,
		},
		{
			name:       "JSON without a code is not a shared.Error",
			res:        fetchResponse{500, []byte(`{"message":"stack trace here"}`)},
			wantStatus: 500, wantMsg: "The server had a problem. Try again in a moment.", wantErr: true,
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
				if got := userMessage(err); got != tt.wantMsg {
					t.Errorf("userMessage(decodeResponse(%d, %q)) = %q; want %q", tt.res.Status, tt.res.Body, got, tt.wantMsg)
				}
				var se *shared.Error
				if !errors.As(err, &se) {
					t.Errorf("errors.As(decodeResponse(...), *shared.Error) = false; want true")
				}
			}
		})
	}
}

func TestUserMessage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"network", fmt.Errorf("web: GET /auth/me: %w: TypeError: Failed to fetch", errNetwork), "The server could not be reached. Check your connection and try again."},
		{"timeout", fmt.Errorf("web: GET /auth/me: %w", context.DeadlineExceeded), "The server took too long to answer. Try again."},
		{"internal detail never shown", errors.New("json: cannot unmarshal number into Go struct field"), "The answer from the server could not be read. Try again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := userMessage(tt.err); got != tt.want {
				t.Errorf("userMessage(%v) = %q; want %q", tt.err, got, tt.want)
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
			got := codeMessage(tt.code, tt.code.HTTPStatus())
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("codeMessage(%q, %d) = %q; want it to contain %q", tt.code, tt.code.HTTPStatus(), got, w)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(got, nw) {
					t.Errorf("codeMessage(%q, %d) = %q; want it without %q", tt.code, tt.code.HTTPStatus(), got, nw)
				}
			}
		})
	}
}
