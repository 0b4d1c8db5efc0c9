package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// testStorage is the example's storage with what the e2e suite needs on top:
// post_logout_redirect_uris for the clients, a shorter access-token
// lifetime, provider sessions that RP-initiated logout ends, and counts of
// what the token endpoint did. Every op.Storage method it does not override
// is the example's.
type testStorage struct {
	*storage.Storage
	users                  storage.UserStore
	postLogoutRedirectURIs []string
	accessTokenTTL         time.Duration
	now                    func() time.Time // the clock of the shortened expiry and of provider sessions

	mu            sync.Mutex
	accessTokens  []issuedToken // newest last
	tokenRequests map[string]int
	sessions      map[string]providerSession // by the provider-session cookie's value
}

var _ op.Storage = (*testStorage)(nil)

// issuedToken is one access token the provider issued, as /__dev/tokens lists
// it. The token itself is not listed: its id and times are enough to tell
// tokens apart and to wait for one to expire.
type issuedToken struct {
	ID        string `json:"id"`
	Subject   string `json:"sub"`
	Grant     string `json:"grant,omitempty"` // authorization_code or refresh_token, when a refresh token came with it
	IssuedAt  int64  `json:"issued_at"`
	ExpiresAt int64  `json:"expires_at"`
	expiry    time.Time
}

func newTestStorage(s *storage.Storage, users storage.UserStore, postLogoutRedirectURIs []string, accessTokenTTL time.Duration, now func() time.Time) *testStorage {
	return &testStorage{
		Storage:                s,
		users:                  users,
		postLogoutRedirectURIs: postLogoutRedirectURIs,
		accessTokenTTL:         accessTokenTTL,
		now:                    now,
		tokenRequests:          map[string]int{},
		sessions:               map[string]providerSession{},
	}
}

// GetClientByClientID returns the example's client with the configured
// post_logout_redirect_uris: the example's clients register none, so its
// end_session endpoint refuses every post_logout_redirect_uri (RP-Initiated
// Logout 1.0 §3).
func (s *testStorage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return clientWithLogoutURIs{Client: c, uris: s.postLogoutRedirectURIs}, nil
}

type clientWithLogoutURIs struct {
	op.Client
	uris []string
}

func (c clientWithLogoutURIs) PostLogoutRedirectURIs() []string { return slices.Clone(c.uris) }

// CreateAccessToken and CreateAccessAndRefreshTokens shorten the example's
// access-token lifetime (5 min) to accessTokenTTL: the expiry they return
// becomes the token response's expires_in (RFC 6749 §5.1), and
// SetUserinfoFromToken and SetIntrospectionFromToken refuse the token after it.
func (s *testStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, exp, err := s.Storage.CreateAccessToken(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	return id, s.issued(id, req.GetSubject(), "", exp), nil
}

func (s *testStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, currentRefreshToken string) (string, string, time.Time, error) {
	id, refreshToken, exp, err := s.Storage.CreateAccessAndRefreshTokens(ctx, req, currentRefreshToken)
	if err != nil {
		return "", "", time.Time{}, err
	}
	grant := string(oidc.GrantTypeCode)
	if currentRefreshToken != "" {
		grant = string(oidc.GrantTypeRefreshToken)
	}
	return id, refreshToken, s.issued(id, req.GetSubject(), grant, exp), nil
}

// issued records access token id and returns its shortened expiry.
func (s *testStorage) issued(id, subject, grant string, exp time.Time) time.Time {
	now := s.now()
	if short := now.Add(s.accessTokenTTL); short.Before(exp) {
		exp = short
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessTokens = append(s.accessTokens, issuedToken{
		ID: id, Subject: subject, Grant: grant,
		IssuedAt: now.Unix(), ExpiresAt: exp.Unix(), expiry: exp,
	})
	return exp
}

// errTokenExpired refuses an access token past its (shortened) expiry.
var errTokenExpired = errors.New("token is expired")

func (s *testStorage) expired(tokenID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.accessTokens {
		if t.ID == tokenID {
			return !s.now().Before(t.expiry)
		}
	}
	return false // not ours: the example's storage decides
}

// SetUserinfoFromToken answers the userinfo endpoint (OpenID Connect Core
// §5.3) as the example does, for an access token that has not expired.
func (s *testStorage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if s.expired(tokenID) {
		return errTokenExpired
	}
	return s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin)
}

// SetIntrospectionFromToken answers introspection (RFC 7662) as the example
// does, for an access token that has not expired.
func (s *testStorage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	if s.expired(tokenID) {
		return errTokenExpired
	}
	return s.Storage.SetIntrospectionFromToken(ctx, resp, tokenID, subject, clientID)
}

// TerminateSession is RP-initiated logout (RP-Initiated Logout 1.0 §2): the
// example deletes the user's tokens for that client; the provider session of
// the browser that sent the logout request ends too, so that its next
// sign-in asks for the password again.
func (s *testStorage) TerminateSession(ctx context.Context, userID, clientID string) error {
	if err := s.Storage.TerminateSession(ctx, userID, clientID); err != nil {
		return err
	}
	if id, ok := ctx.Value(sessionCookieKey{}).(string); ok {
		s.mu.Lock()
		delete(s.sessions, id)
		s.mu.Unlock()
	}
	return nil
}

// countTokenRequests counts the token endpoint's requests by grant_type
// (RFC 6749 §4.1.3, §6) for /__dev/stats, then hands them to next.
func countTokenRequests(s *testStorage, tokenPath string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == tokenPath {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				http.Error(w, "cannot read the request body", http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, err := url.ParseQuery(string(body)); err == nil && form.Get("grant_type") != "" {
				s.mu.Lock()
				s.tokenRequests[form.Get("grant_type")]++
				s.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
}

// serveStats answers GET /__dev/stats: {"token_requests": {grant_type: n}},
// the shape of the dev provider's /__dev/stats.
func (s *testStorage) serveStats(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, map[string]any{"token_requests": s.tokenRequests})
}

// serveTokens answers GET /__dev/tokens: the access tokens issued, newest
// first (id, sub, grant, issued_at, expires_at in Unix seconds).
func (s *testStorage) serveTokens(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := slices.Clone(s.accessTokens)
	slices.Reverse(list)
	if list == nil {
		list = []issuedToken{}
	}
	writeJSON(w, list)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
