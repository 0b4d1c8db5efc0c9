package provider

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// authParamRules are the authorization request parameters that
// ParseAuthParams accepts, each with its check.
var authParamRules = map[string]func(values []string) error{
	// Auth0's API identifier: the access token's audience.
	"audience": one(nonEmpty),
	// RFC 8707 §2: the resource servers the access token is for; absolute
	// URIs without a fragment, any number.
	"resource": func(values []string) error {
		for _, v := range values {
			u, err := url.Parse(v)
			if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(v, "#") {
				return fmt.Errorf("%q is not an absolute URI without a fragment (RFC 8707 §2)", v)
			}
		}
		return nil
	},
	// OpenID Connect Core §3.1.2.1.
	"acr_values": one(nonEmpty),
	"prompt": one(func(v string) error {
		for p := range strings.FieldsSeq(v) {
			switch p {
			case "login", "consent", "select_account":
			case "none":
				return errors.New(`"none" would make every sign-in of a user without a session at the provider fail with login_required`)
			default:
				return fmt.Errorf("%q is not login, consent or select_account", p)
			}
		}
		return nonEmpty(strings.TrimSpace(v))
	}),
	"max_age": one(func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return fmt.Errorf("%q is not a number of seconds", v)
		}
		return nil
	}),
	"login_hint": one(nonEmpty),
	"ui_locales": one(nonEmpty),
}

// reservedAuthParams are set by Gatehouse on every authorization request.
var reservedAuthParams = []string{
	"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "response_mode", "request", "request_uri",
}

func one(check func(string) error) func([]string) error {
	return func(values []string) error {
		if len(values) != 1 {
			return fmt.Errorf("is given %d times; give it once", len(values))
		}
		return check(values[0])
	}
}

func nonEmpty(v string) error {
	if v == "" {
		return errors.New("is empty")
	}
	return nil
}

// AuthParamNames returns the parameters ParseAuthParams accepts, sorted.
func AuthParamNames() []string {
	return slices.Sorted(maps.Keys(authParamRules))
}

// ParseAuthParams parses s, extra parameters of every authorization
// request written as a URL query ("audience=https://api.example.com&prompt=login"),
// and checks each against its rule: audience (Auth0: the API the access
// token is for), resource (RFC 8707 §2; repeatable), acr_values, prompt
// (login, consent, select_account; not none), max_age (seconds),
// login_hint and ui_locales (OpenID Connect Core §3.1.2.1). Any other name
// is refused, those Gatehouse sets itself (state, scope, …) with a word to
// say so. An empty s is no parameters.
func ParseAuthParams(s string) (url.Values, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, fmt.Errorf("is not a URL query (name=value&name=value): %w", err)
	}
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(v)) {
		rule, ok := authParamRules[name]
		switch {
		case slices.Contains(reservedAuthParams, name):
			problems = append(problems, fmt.Sprintf("%s is set by Gatehouse itself", name))
		case !ok:
			problems = append(problems, fmt.Sprintf("%s is not one of %s", name, strings.Join(AuthParamNames(), ", ")))
		default:
			if err := rule(v[name]); err != nil {
				problems = append(problems, fmt.Sprintf("%s %v", name, err))
			}
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return v, nil
}

// AuthCodeURL returns the authorization request's URL (RFC 6749 §4.1.1)
// for state and opts, with AuthParams added, and loginHint as login_hint
// when it is not empty (it overrides a configured one: OpenID Connect Core
// §3.1.2.1).
func (p *Provider) AuthCodeURL(state, loginHint string, opts ...oauth2.AuthCodeOption) string {
	for name, values := range p.AuthParams {
		if len(values) == 1 && !(name == "login_hint" && loginHint != "") {
			opts = append(opts, oauth2.SetAuthURLParam(name, values[0]))
		}
	}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	target := p.OAuth2.AuthCodeURL(state, opts...)
	if resources := p.AuthParams["resource"]; len(resources) > 1 {
		// x/oauth2 sets one value per name; RFC 8707 §2 repeats it.
		u, err := url.Parse(target)
		if err == nil {
			q := u.Query()
			q["resource"] = slices.Clone(resources)
			u.RawQuery = q.Encode()
			target = u.String()
		}
	}
	return target
}

// ExchangeOptions returns what the code exchange sends besides the code and
// the code_verifier: the resource, when AuthParams has exactly one (RFC 8707
// §2.2; with several, the provider issues the token for all of those the
// authorization request named).
func (p *Provider) ExchangeOptions() []oauth2.AuthCodeOption {
	if r := p.AuthParams["resource"]; len(r) == 1 {
		return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("resource", r[0])}
	}
	return nil
}
