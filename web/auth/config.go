package auth

import (
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Config configures the kit for one app (see [Register]).
type Config struct {
	// BaseURL is the BFF's origin, "https://bff.example.com": scheme, host
	// and port only, no path, query or fragment. Sign-in, sign-out, the
	// session check and [Fetch] go there.
	//
	// Empty (the default) means the page's own origin: the BFF serves the
	// app. When BaseURL names another origin (the app on a static host), the
	// kit's requests carry credentials: 'include', so the BFF must allow the
	// app's origin (CORS with credentials): GATEHOUSE_SPA_URL (or
	// bff.Config.SPAURL) set to it, plus GATEHOUSE_ALLOWED_ORIGINS for any
	// further origin of the app. The two must still be the same site for
	// the BFF's SameSite=Strict cookie to travel.
	BaseURL string

	// Texts are the words the kit's components show. A zero field keeps the
	// value of [DefaultTexts]; the zero Texts is the defaults.
	Texts Texts
}

// settings is a validated Config, shared with Async goroutines.
type settings struct {
	baseURL string // "" or scheme://host[:port]
	texts   Texts  // complete: every field set
}

var current atomic.Pointer[settings]

func init() {
	current.Store(&settings{texts: DefaultTexts()})
}

// cfg returns the settings of the last Register (the defaults before it).
func cfg() *settings { return current.Load() }

// Register configures the kit and registers its go-app action handlers. Call
// it once in the WASM main before app.RunWhenOnBrowser, and once in the
// server before it serves the app's go-app handler (go-app prerenders pages
// there, with the same texts). A later call replaces the configuration.
//
// It returns an error, and changes nothing, when Config.BaseURL is not empty
// and not an http or https origin.
func Register(c Config) error {
	base, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	current.Store(&settings{baseURL: base, texts: c.Texts.withDefaults()})
	for name, h := range actionHandlers() {
		app.Handle(name, h)
	}
	return nil
}

// parseBaseURL checks a Config.BaseURL and returns it without a trailing
// slash.
func parseBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("auth: Config.BaseURL %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("auth: Config.BaseURL %q: want an http or https origin such as https://bff.example.com", raw)
	case u.Host == "" || u.User != nil:
		return "", fmt.Errorf("auth: Config.BaseURL %q: want a host and no user info", raw)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", errors.New("auth: Config.BaseURL " + fmt.Sprintf("%q", raw) + ": want an origin only, without path, query or fragment")
	}
	return u.Scheme + "://" + u.Host, nil
}

// bffURL is path on the BFF: cfg's base URL + path.
func bffURL(path string) string {
	return cfg().baseURL + path
}
