package accesstoken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxFormPeek is how much of a form-encoded request body the middleware
// reads to refuse an access_token parameter in it (RFC 6750 §2.2): 64 KiB.
// The body is given back to the next handler whole.
const maxFormPeek = 64 << 10

// RFC 6750 §3.1 error codes, used in WWW-Authenticate challenges and in the
// JSON error bodies the middleware writes.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
)

type ctxKey struct{}

// authInfo is what the middleware puts in the request context.
type authInfo struct {
	claims *Claims
	realm  string
}

// ClaimsFromContext returns the claims that Verifier.Middleware put in a
// request's context, and whether there are any.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	info, ok := ctx.Value(ctxKey{}).(*authInfo)
	if !ok {
		return nil, false
	}
	return info.claims, true
}

// errorBody is the JSON body of every error the middleware writes, in the
// shape of RFC 6750 §3 / RFC 6749 §5.2.
type errorBody struct {
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"`
}

// Middleware authenticates every request with a bearer access token and
// passes it on to next with the token's Claims in its context
// (ClaimsFromContext). The token is taken from the Authorization header
// only (RFC 6750 §2.1). It answers, with Cache-Control: no-store and a JSON
// body {"error": code, "error_description": text} (never the token, never
// internal detail):
//
//   - 401 and just WWW-Authenticate: Bearer realm="…" when there is no
//     bearer token at all (RFC 6750 §3.1), including another scheme;
//   - 400 invalid_request when the token is in the query or in a
//     form-encoded body (RFC 6750 §2.2 and §2.3 are not supported), more
//     than one method or Authorization header is used, or the header's
//     token is empty or not b64token syntax (RFC 6750 §2.1);
//   - 401 invalid_token when Verify refuses the token;
//   - 503 temporarily_unavailable, with Retry-After, when the token's key
//     is unknown and the issuer's JWKS cannot be fetched
//     (ErrKeySetUnavailable).
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, problem := bearerToken(r)
		switch {
		case problem == errNoToken:
			writeError(w, http.StatusUnauthorized, v.realm, "", "a bearer access token is required", "")
			return
		case problem != nil:
			writeError(w, http.StatusBadRequest, v.realm, CodeInvalidRequest, problem.Error(), "")
			return
		}
		claims, err := v.Verify(r.Context(), token)
		if err != nil {
			if errors.Is(err, ErrKeySetUnavailable) {
				v.log.LogAttrs(r.Context(), slog.LevelWarn, "accesstoken: cannot verify a token", slog.String("error", err.Error()))
				w.Header().Set("Retry-After", strconv.Itoa(v.retryAfter))
				writeJSON(w, http.StatusServiceUnavailable, errorBody{"temporarily_unavailable", "the issuer's signing keys cannot be fetched; try again later"})
				return
			}
			v.log.LogAttrs(r.Context(), slog.LevelDebug, "accesstoken: token refused", slog.String("error", err.Error()))
			writeError(w, http.StatusUnauthorized, v.realm, CodeInvalidToken, describe(err), "")
			return
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, &authInfo{claims: claims, realm: v.realm})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// RequireScope returns middleware, for use inside Verifier.Middleware,
// that passes a request on only when its token has every one of scopes
// (RFC 6749 §3.3 scope-tokens, matched exactly), and otherwise answers 403
// with WWW-Authenticate: Bearer realm="…", error="insufficient_scope",
// scope="<scopes>" (RFC 6750 §3.1). Without claims in the context (the
// verifier's middleware is missing) it answers 500. It panics when scopes
// is empty or a scope is not a scope-token: that is a programming error.
func RequireScope(scopes ...string) func(http.Handler) http.Handler {
	if len(scopes) == 0 {
		panic("accesstoken: RequireScope needs at least one scope")
	}
	for _, s := range scopes {
		if !validScopeToken(s) {
			panic("accesstoken: RequireScope: " + strconv.Quote(s) + " is not a scope-token (RFC 6749 §3.3)")
		}
	}
	want := strings.Join(scopes, " ")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, ok := r.Context().Value(ctxKey{}).(*authInfo)
			if !ok {
				missingMiddleware(w, r, "RequireScope")
				return
			}
			for _, s := range scopes {
				if !info.claims.HasScope(s) {
					writeError(w, http.StatusForbidden, info.realm, CodeInsufficientScope, "the access token lacks a scope this resource requires", want)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireGroup returns middleware, for use inside Verifier.Middleware,
// that passes a request on only when its token's "groups" claim has at
// least one of groups (exact match), and otherwise answers 403 with
// WWW-Authenticate: Bearer realm="…", error="insufficient_scope" (RFC 6750
// §3.1: the token lacks the privileges). Without claims in the context it
// answers 500. It panics when groups is empty or has an empty group.
func RequireGroup(groups ...string) func(http.Handler) http.Handler {
	if len(groups) == 0 {
		panic("accesstoken: RequireGroup needs at least one group")
	}
	for _, g := range groups {
		if g == "" {
			panic("accesstoken: RequireGroup: empty group")
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, ok := r.Context().Value(ctxKey{}).(*authInfo)
			if !ok {
				missingMiddleware(w, r, "RequireGroup")
				return
			}
			for _, g := range groups {
				if info.claims.InGroup(g) {
					next.ServeHTTP(w, r)
					return
				}
			}
			writeError(w, http.StatusForbidden, info.realm, CodeInsufficientScope, "the token's user is not in a group this resource requires", "")
		})
	}
}

func missingMiddleware(w http.ResponseWriter, r *http.Request, name string) {
	slog.Default().LogAttrs(r.Context(), slog.LevelError, "accesstoken: "+name+" used without Verifier.Middleware in front of it",
		slog.String("path", r.URL.Path))
	writeJSON(w, http.StatusInternalServerError, errorBody{"server_error", "the server is misconfigured"})
}

// errNoToken: the request carries no bearer token at all.
var errNoToken = errors.New("no bearer token")

// bearerToken returns the request's bearer token from its Authorization
// header (RFC 6750 §2.1), errNoToken when there is none, or an error whose
// text is safe to send (an invalid_request).
func bearerToken(r *http.Request) (string, error) {
	raw := r.URL.RawQuery
	inQuery := (strings.Contains(raw, "access_token") || strings.Contains(raw, "%")) && queryHasToken(raw)
	inForm := formHasToken(r)
	if inQuery || inForm {
		return "", errors.New("send the access token in the Authorization header only, not in the query or the body")
	}
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", errNoToken
	case 1:
	default:
		return "", errors.New("more than one Authorization header")
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errNoToken
	}
	token = strings.TrimLeft(token, " ")
	if !isB64Token(token) {
		return "", errors.New("the Authorization header's bearer token is empty or malformed")
	}
	return token, nil
}

// isB64Token reports whether s matches b64token: 1*( ALPHA / DIGIT / "-" /
// "." / "_" / "~" / "+" / "/" ) *"=" (RFC 6750 §2.1).
func isB64Token(s string) bool {
	end := len(strings.TrimRight(s, "="))
	if end == 0 {
		return false
	}
	for i := 0; i < end; i++ {
		c := s[i]
		if !(b64url[c] || c == '.' || c == '~' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

func queryHasToken(rawQuery string) bool {
	q, _ := url.ParseQuery(rawQuery)
	return q.Has("access_token")
}

// formHasToken reports whether a form-encoded body has an access_token
// parameter (RFC 6750 §2.2), reading at most maxFormPeek bytes of it and
// giving the body back whole to the next handler.
func formHasToken(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return false
	}
	if r.PostForm != nil {
		return r.PostForm.Has("access_token")
	}
	peek, err := io.ReadAll(io.LimitReader(r.Body, maxFormPeek))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(peek), r.Body), r.Body}
	if err != nil {
		return false
	}
	q, _ := url.ParseQuery(string(peek))
	return q.Has("access_token")
}

type readCloser struct {
	io.Reader
	io.Closer
}

// describe returns the error_description for a Verify error: which rule
// failed, in words safe to send (no claim values, no token).
func describe(err error) string {
	switch {
	case errors.Is(err, ErrExpired):
		return "the access token expired"
	case errors.Is(err, ErrNotYetValid):
		return "the access token is not valid yet"
	case errors.Is(err, ErrIssuer):
		return "the access token is from another issuer"
	case errors.Is(err, ErrAudience):
		return "the access token is not for this audience"
	case errors.Is(err, ErrClientID):
		return "the access token was issued to a client this resource does not accept"
	case errors.Is(err, ErrTokenType):
		return "the token is not an access token"
	case errors.Is(err, ErrAlgorithm):
		return "the access token's signature algorithm is not accepted"
	case errors.Is(err, ErrUnknownKey), errors.Is(err, ErrSignature):
		return "the access token's signature is not valid"
	case errors.Is(err, ErrMalformed):
		return "the access token is malformed"
	}
	return "the access token is not valid"
}

// writeError answers status with a Bearer challenge (RFC 6750 §3) and the
// same code and description as JSON. code empty: a bare challenge.
func writeError(w http.ResponseWriter, status int, realm, code, description, scope string) {
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	b.WriteString(realm)
	b.WriteByte('"')
	if code != "" {
		b.WriteString(`, error="` + code + `"`)
		if description != "" {
			b.WriteString(`, error_description="` + description + `"`)
		}
		if scope != "" {
			b.WriteString(`, scope="` + scope + `"`)
		}
	}
	w.Header().Set("WWW-Authenticate", b.String())
	writeJSON(w, status, errorBody{code, description})
}

func writeJSON(w http.ResponseWriter, status int, body errorBody) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
