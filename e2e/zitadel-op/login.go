package main

import (
	"context"
	"crypto/rand"
	"html/template"
	"net/http"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// sessionCookie names the provider-session cookie. Cookies are not bound to
// a port (RFC 6265 §8.5): on localhost the BFF under test receives it too,
// and ignores it.
const sessionCookie = "zitadel-op-session"

// sessionTTL bounds a provider session.
const sessionTTL = time.Hour

// providerSession is a signed-in browser at the provider.
type providerSession struct {
	userID  string
	expires time.Time
}

type sessionCookieKey struct{}

// withProviderSession puts the provider-session cookie's value, when the
// request has one, in the request's context, where TerminateSession finds it.
func withProviderSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			r = r.WithContext(context.WithValue(r.Context(), sessionCookieKey{}, c.Value))
		}
		next.ServeHTTP(w, r)
	})
}

// login serves the sign-in page, /login/username?authRequestID=<id>, where
// the example's clients send the browser (their LoginURL). It is the
// example's page with a provider session: a browser
// that signed in before, and whose session no logout ended, is signed in
// again without the form, unless the request asks for a fresh
// authentication (prompt=login or max_age, OpenID Connect Core §3.1.2.1).
type login struct {
	store    *testStorage
	callback func(context.Context, string) string
	mux      *http.ServeMux
}

func newLogin(store *testStorage, callback func(context.Context, string) string, issuer *op.IssuerInterceptor) *login {
	l := &login{store: store, callback: callback, mux: http.NewServeMux()}
	l.mux.Handle("GET /username", issuer.HandlerFunc(l.form))
	l.mux.Handle("POST /username", issuer.HandlerFunc(l.check))
	return l
}

func (l *login) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.mux.ServeHTTP(w, r) }

// form shows the sign-in form, or finishes the sign-in at once for a
// browser with a live provider session.
func (l *login) form(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	if user := l.sessionUser(r, id); user != nil {
		// The example's storage marks a request authenticated only through
		// its password check; auth_time becomes now.
		if err := l.store.CheckUsernamePassword(user.Username, user.Password, id); err == nil {
			http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
			return
		}
	}
	render(w, id, "")
}

// check checks the form's username and password, starts a provider session
// and sends the browser back to the authorization endpoint.
func (l *login) check(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot parse the form", http.StatusBadRequest)
		return
	}
	id := r.FormValue("id")
	if err := l.store.CheckUsernamePassword(r.FormValue("username"), r.FormValue("password"), id); err != nil {
		render(w, id, err.Error())
		return
	}
	req, err := l.store.AuthRequestByID(r.Context(), id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	value := rand.Text()
	l.store.mu.Lock()
	l.store.sessions[value] = providerSession{userID: req.GetSubject(), expires: l.store.now().Add(sessionTTL)}
	l.store.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/",
		MaxAge: int(sessionTTL / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}

// sessionUser returns the user of r's live provider session when the auth
// request id may be answered from it, else nil.
func (l *login) sessionUser(r *http.Request, id string) *storage.User {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	l.store.mu.Lock()
	s, ok := l.store.sessions[c.Value]
	l.store.mu.Unlock()
	if !ok || !l.store.now().Before(s.expires) {
		return nil
	}
	req, err := l.store.AuthRequestByID(r.Context(), id)
	if err != nil {
		return nil
	}
	// op turns prompt=login into max_age=0.
	if ar, ok := req.(*storage.AuthRequest); !ok || ar.MaxAuthAge != nil {
		return nil
	}
	return l.store.users.GetUserByID(s.userID)
}

// page is the example's sign-in form, with
// its error in an alert.
var page = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Login</title>
</head>
<body style="display: flex; align-items: center; justify-content: center; height: 100vh;">
  <form method="POST" action="/login/username" style="height: 200px; width: 200px;">
    <input type="hidden" name="id" value="{{.ID}}">
    <div>
      <label for="username">Username:</label>
      <input id="username" name="username" autocomplete="username" style="width: 100%">
    </div>
    <div>
      <label for="password">Password:</label>
      <input id="password" name="password" type="password" autocomplete="current-password" style="width: 100%">
    </div>
    <p role="alert" style="color:red; min-height: 1rem;">{{.Error}}</p>
    <button type="submit">Login</button>
  </form>
</body>
</html>
`))

func render(w http.ResponseWriter, id, errText string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, struct{ ID, Error string }{id, errText})
}
