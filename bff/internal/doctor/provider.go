package doctor

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
)

// maxBody bounds what is read of an answer of the provider: a discovery
// document is a few KiB, an error page a few dozen.
const maxBody = 1 << 20

// discoveryDoc is what the checks read of the discovery document (OpenID
// Connect Discovery 1.0 §3, RFC 8414 §2).
type discoveryDoc struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	ScopesSupported               []string `json:"scopes_supported"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
}

// Okta Admin Console paths, for the fixes.
const (
	oktaApp            = "Applications > Applications > your app integration > General"
	oktaAuthServers    = "Security > API > Authorization Servers"
	oktaGrantTypes     = "in Okta: " + oktaApp + " > General Settings > Edit > Grant type: tick Authorization Code (and Refresh Token)"
	oktaAccessPolicies = "in Okta: " + oktaAuthServers + " > your server > Access Policies: add a policy assigned to this app integration, with a rule that allows the Authorization Code grant (and Refresh Token) for the users and scopes you want"
)

// issuerFix says how to find the right issuer, after what first says.
func issuerFix(issuer, first string) string {
	fix := first + "set OKTA_OAUTH2_ISSUER to the Issuer URI of your authorization server, in Okta: " + oktaAuthServers +
		" (e.g. https://dev-123.okta.com/oauth2/default for the custom server named default)"
	if u, err := url.Parse(issuer); err == nil && strings.Contains(u.Hostname(), "-admin.") {
		fix = fmt.Sprintf("%s is the Admin Console's host: use your org's host, without -admin; ", u.Hostname()) + fix
	}
	return fix
}

// checkDiscovery fetches the discovery document, and notes the provider's
// clock from the answer's Date (and Age, for an answer a cache kept).
func (r *run) checkDiscovery(ctx context.Context) {
	r.discoveryURL = provider.DiscoveryURL(r.cfg.Issuer)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.discoveryURL, nil)
	if err != nil {
		r.add(Fail, "discovery", err.Error(), issuerFix(r.cfg.Issuer, ""))
		return
	}
	req.Header.Set("Accept", "application/json")
	start := r.opt.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		r.add(Fail, "discovery", fmt.Sprintf("%s: %s", r.discoveryURL, r.failure(err)),
			issuerFix(r.cfg.Issuer, "start the provider, or make it reachable from here (a proxy, a firewall); if the URL is wrong, "))
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	end := r.opt.Now()
	switch {
	case err != nil:
		r.add(Fail, "discovery", fmt.Sprintf("%s: %s", r.discoveryURL, r.failure(err)), "is the provider up and reachable from here?")
		return
	case resp.StatusCode != http.StatusOK:
		r.add(Fail, "discovery", fmt.Sprintf("%s answered %s: there is no authorization server at OKTA_OAUTH2_ISSUER %s", r.discoveryURL, resp.Status, r.cfg.Issuer),
			issuerFix(r.cfg.Issuer, ""))
		return
	}
	if err := json.Unmarshal(body, &r.doc); err != nil {
		r.add(Fail, "discovery", fmt.Sprintf("%s is not a discovery document (JSON): %v", r.discoveryURL, err), issuerFix(r.cfg.Issuer, ""))
		return
	}
	r.local = start.Add(end.Sub(start) / 2)
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		// Date is in whole seconds (RFC 9110 §6.6.1), well within
		// MaxClockSkew. Age is how long a cache has kept the answer
		// (RFC 9111 §5.1).
		r.date = date
		if age, err := strconv.Atoi(resp.Header.Get("Age")); err == nil && age > 0 {
			r.date = r.date.Add(time.Duration(age) * time.Second)
		}
	}
	r.add(OK, "discovery", r.discoveryURL+" answers", "")
}

// checkIssuer compares discovery's issuer with OKTA_OAUTH2_ISSUER, and says
// when it is Okta's org authorization server. It reports whether the issuer
// will do (no Fail).
func (r *run) checkIssuer() bool {
	got, want := r.doc.Issuer, r.cfg.Issuer
	exact := "set OKTA_OAUTH2_ISSUER=" + got + ", exactly as the provider writes it (in Okta: " + oktaAuthServers + ", the server's Issuer URI)"
	switch {
	case got == want:
		r.add(OK, "issuer", fmt.Sprintf("discovery names %s, exactly OKTA_OAUTH2_ISSUER", got), "")
	case got == "":
		r.add(Fail, "issuer", fmt.Sprintf("the discovery document at %s names no issuer", r.discoveryURL), issuerFix(want, ""))
		return false
	case strings.TrimSuffix(got, "/") == strings.TrimSuffix(want, "/"):
		r.add(Warn, "issuer", fmt.Sprintf("discovery names %q, and OKTA_OAUTH2_ISSUER is %q: they differ by a trailing slash. Gatehouse takes the provider's form, but an access-token check of your APIs that compares iss with OKTA_OAUTH2_ISSUER will refuse every token", got, want), exact)
	default:
		r.add(Fail, "issuer", fmt.Sprintf("discovery at %s names the issuer %q, not OKTA_OAUTH2_ISSUER %q: every ID token (its iss) would be refused", r.discoveryURL, got, want), exact)
		return false
	}
	if org, ok := oktaOrgServer(got, r.doc.AuthorizationEndpoint); ok {
		r.add(Warn, "authorization server", fmt.Sprintf("%s is Okta's org authorization server: sign-in works, but its access tokens are for Okta's own APIs (your APIs cannot verify them), and it has no custom scopes, claims or access policies", got),
			fmt.Sprintf("use a custom authorization server: in Okta, %s, copy the Issuer URI of default (%s/oauth2/default) or of your own server into OKTA_OAUTH2_ISSUER", oktaAuthServers, org))
	}
	return true
}

// oktaOrgServer reports whether issuer is an Okta org authorization server:
// no path, and its authorization endpoint at /oauth2/v1/authorize (a custom
// server's issuer is <org>/oauth2/<id>, its endpoints under it). It returns
// the org's origin.
func oktaOrgServer(issuer, authorizationEndpoint string) (string, bool) {
	iu, err := url.Parse(issuer)
	if err != nil || strings.Trim(iu.Path, "/") != "" {
		return "", false
	}
	au, err := url.Parse(authorizationEndpoint)
	if err != nil || au.Host != iu.Host || au.Path != "/oauth2/v1/authorize" {
		return "", false
	}
	return iu.Scheme + "://" + iu.Host, true
}

// checkClock compares this machine's clock with the provider's, read from
// the discovery answer.
func (r *run) checkClock() {
	const fix = "synchronise this machine's clock (NTP: `timedatectl set-ntp true`, chrony, or the container host's clock)"
	if r.date.IsZero() {
		r.add(Warn, "clock", "the provider's discovery answer has no Date header: this machine's clock cannot be compared with the provider's", fix)
		return
	}
	skew := r.date.Sub(r.local)
	off := skew.Abs().Round(time.Second)
	if skew.Abs() <= MaxClockSkew {
		r.add(OK, "clock", fmt.Sprintf("within %v of the provider's (the Date of its discovery answer)", max(off, time.Second)), "")
		return
	}
	dir := "behind"
	if skew < 0 {
		dir = "ahead of"
	}
	r.add(Fail, "clock", fmt.Sprintf("this machine's clock is %v %s the provider's (the Date of its discovery answer), more than %v: token times (exp, iat) are checked against it, back-channel logout tokens are refused once 2 minutes old by it, and private_key_jwt assertions are dated by it", off, dir, MaxClockSkew), fix)
}

// checkKeys discovers the provider as bff.New does: the document, its
// endpoints, the signing keys and the client authentication method.
func (r *run) checkKeys(ctx context.Context) {
	idp, err := provider.Discover(ctx, provider.Config{
		Issuer:       r.cfg.Issuer,
		ClientID:     r.cfg.ClientID,
		ClientSecret: r.cfg.ClientSecret,
		ClientAuth:   r.cfg.ClientAuth,
		ClientKey:    r.cfg.ClientKey,
		RedirectURL:  r.cfg.RedirectURL(),
		Scopes:       r.cfg.Scopes,
		AuthParams:   r.cfg.AuthParams,
		HTTPClient:   r.client,
		Now:          r.opt.Now,
		Log:          slog.New(slog.DiscardHandler),
	})
	if err != nil {
		text := strings.TrimPrefix(err.Error(), "provider: ")
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			text = r.failure(err)
		}
		r.add(Fail, "provider metadata", text+" (start-up stops on this too)",
			"fix it at the provider (in Okta: "+oktaAuthServers+" > your server), or point OKTA_OAUTH2_ISSUER at an authorization server that has it")
		return
	}
	r.idp = idp
	r.add(OK, "provider metadata", "the endpoints and the signing keys (jwks_uri) read as at start-up", "")
	how := "chosen from the provider's token_endpoint_auth_methods_supported"
	if r.cfg.ClientAuth != "" {
		how = "set by GATEHOUSE_CLIENT_AUTH"
	}
	if idp.ClientAuth == provider.PrivateKeyJWT && r.cfg.ClientKey != nil {
		how += ", key " + r.cfg.ClientKey.KeyID()
	}
	r.add(OK, "client authentication", fmt.Sprintf("%s (%s)", idp.ClientAuth, how), "")
	for _, w := range idp.Warnings {
		if w.Feature == provider.FeatureClientAuth {
			r.add(Warn, w.Feature, w.Text, "")
		}
	}
}

// checkClientCredentials redeems a made-up authorization code at the token
// endpoint, with the client authentication the BFF uses
// (golang.org/x/oauth2's Exchange through the provider's HTTP client, as the
// callback does): a provider checks the client before the code, so
// invalid_grant means it took the client's credentials, invalid_client (or
// 401) that it did not.
func (r *run) checkClientCredentials(ctx context.Context) {
	const check = "client credentials"
	code := "gatehouse-check-" + rand.Text() // no provider issues a code like this
	opts := append(r.idp.ExchangeOptions(), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	_, err := r.idp.OAuth2.Exchange(r.idp.Context(ctx), code, opts...)
	method := r.idp.ClientAuth
	var re *oauth2.RetrieveError
	switch {
	case err == nil:
		r.add(Warn, check, "the token endpoint issued tokens for a made-up authorization code: it does not check codes, and says nothing of the client's credentials", "")
		return
	case !errors.As(err, &re) || re.Response == nil:
		r.add(Fail, check, fmt.Sprintf("the token endpoint %s: %s", r.idp.OAuth2.Endpoint.TokenURL, r.failure(err)), "is the provider reachable from here?")
		return
	}
	status := re.Response.StatusCode
	said := re.ErrorCode
	if said == "" {
		said = "no error code"
	}
	said += fmt.Sprintf(", HTTP %d", status)
	if re.ErrorDescription != "" {
		said += ": " + re.ErrorDescription
	}
	switch {
	case re.ErrorCode == "invalid_grant":
		r.add(OK, check, fmt.Sprintf("the token endpoint took the client's credentials (%s) and refused only a made-up authorization code (invalid_grant)", method), "")
	case re.ErrorCode == "invalid_client" || status == http.StatusUnauthorized:
		r.add(Fail, check, fmt.Sprintf("the token endpoint refused the client (%s): OKTA_OAUTH2_CLIENT_ID or its %s is not the app's", said, credential(method)), r.clientFix(method))
	case re.ErrorCode == "unauthorized_client":
		r.add(Fail, check, fmt.Sprintf("the token endpoint says the client may not use the authorization code grant (%s)", said), oktaGrantTypes)
	case status >= 500:
		r.add(Fail, check, fmt.Sprintf("the token endpoint failed (%s)", said), "the provider is failing: try again later")
	default:
		r.add(Warn, check, fmt.Sprintf("the token endpoint answered a made-up authorization code with %s, neither invalid_grant nor invalid_client: this says nothing of the client's credentials", said), "")
	}
}

// credential names what authenticates the client with method.
func credential(method string) string {
	if method == provider.PrivateKeyJWT {
		return "key (GATEHOUSE_CLIENT_KEY or GATEHOUSE_CLIENT_KEY_FILE)"
	}
	return "secret (OKTA_OAUTH2_CLIENT_SECRET or OKTA_OAUTH2_CLIENT_SECRET_FILE)"
}

// clientFix says where the client's credentials are in Okta.
func (r *run) clientFix(method string) string {
	if method == provider.PrivateKeyJWT {
		kid := ""
		if r.cfg.ClientKey != nil {
			kid = " (kid " + r.cfg.ClientKey.KeyID() + ")"
		}
		return fmt.Sprintf("in Okta: %s > Client Credentials: Client authentication \"Public key / Private key\", and under Public Keys the key that `gatehouse public-jwk` prints%s; OKTA_OAUTH2_CLIENT_ID is that page's Client ID", oktaApp, kid)
	}
	return fmt.Sprintf("in Okta: %s > Client Credentials: copy the Client ID into OKTA_OAUTH2_CLIENT_ID, and under Client Secrets the active secret into OKTA_OAUTH2_CLIENT_SECRET (or the file OKTA_OAUTH2_CLIENT_SECRET_FILE names); Client authentication there is \"Client secret\"", oktaApp)
}

// checkRedirectURI sends the authorization request the BFF sends at
// sign-in, with prompt=none, and reads where the provider sends the
// browser: back to the redirect URI means it is registered; an error page
// at the provider means it is not. Redirects within the provider's origin
// are followed (Okta may hop through its own pages), with cookies.
func (r *run) checkRedirectURI(ctx context.Context) {
	const check = "redirect URI"
	redirect := r.cfg.RedirectURL()
	authURL := r.idp.OAuth2.Endpoint.AuthURL
	target, err := url.Parse(r.idp.AuthCodeURL(rand.Text(), "", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oidc.Nonce(rand.Text())))
	if err != nil {
		r.add(Fail, check, fmt.Sprintf("authorization_endpoint %q: %v", authURL, err), "")
		return
	}
	q := target.Query()
	q.Set("prompt", "none")
	target.RawQuery = q.Encode()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{
		Transport: r.opt.Transport,
		Timeout:   r.opt.CheckTimeout,
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 || req.URL.Scheme != target.Scheme || req.URL.Host != target.Host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		r.add(Fail, check, err.Error(), "")
		return
	}
	req.Header.Set("Accept", "text/html")
	resp, err := client.Do(req)
	if err != nil {
		r.add(Fail, check, fmt.Sprintf("the authorization endpoint %s: %s", authURL, r.failure(err)), "is the provider reachable from here?")
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	register := fmt.Sprintf("in Okta: %s > LOGIN > Sign-in redirect URIs: add %s, exactly (scheme, host, port, path, no trailing slash); or set GATEHOUSE_PUBLIC_URL to the origin whose /auth/callback is registered there", oktaApp, redirect)

	switch status := resp.StatusCode; {
	case status >= 300 && status < 400:
		loc, err := resp.Location()
		if err != nil {
			r.add(Warn, check, fmt.Sprintf("the authorization endpoint answered %s without a usable Location: cannot tell whether %s is registered", resp.Status, redirect), "")
			return
		}
		where := *loc
		where.RawQuery, where.Fragment = "", ""
		if where.String() != redirect {
			where.RawQuery = ""
			r.add(Warn, check, fmt.Sprintf("the provider answered an authorization request with prompt=none by sending the browser to %s, not back to %s: cannot tell whether it is registered", where.String(), redirect),
				"sign in once through Gatehouse: an error page at the provider that names the redirect_uri means it is not registered ("+register+")")
			return
		}
		r.redirectedBack(redirect, loc.Query())
	case status >= 400 && status < 500:
		page := pageText(body)
		lower := strings.ToLower(page)
		switch {
		case strings.Contains(lower, "redirect"):
			r.add(Fail, check, fmt.Sprintf("%s is not registered for the client: the provider answered the authorization request with an error page (%s) instead of sending the browser back%s", redirect, resp.Status, quote(page)), register)
		case strings.Contains(lower, "client"):
			r.add(Fail, "client ID", fmt.Sprintf("the provider does not know the client: it answered the authorization request with an error page (%s)%s", resp.Status, quote(page)),
				fmt.Sprintf("in Okta: %s > Client Credentials: copy the Client ID into OKTA_OAUTH2_CLIENT_ID", oktaApp))
		default:
			r.add(Fail, check, fmt.Sprintf("the provider answered the authorization request with an error page (%s) instead of sending the browser back to %s; most often the redirect URI is not registered%s", resp.Status, redirect, quote(page)), register)
		}
	case status >= 500:
		r.add(Fail, check, fmt.Sprintf("the authorization endpoint %s failed (%s)", authURL, resp.Status), "the provider is failing: try again later")
	default:
		r.add(Warn, check, fmt.Sprintf("the provider answered an authorization request with prompt=none with a page (%s) instead of sending the browser back: cannot tell whether %s is registered", resp.Status, redirect),
			"sign in once through Gatehouse: an error page at the provider that names the redirect_uri means it is not registered ("+register+")")
	}
}

// redirectedBack reads the authorization response (RFC 6749 §4.1.2) that
// came back to the redirect URI: the URI is registered, and the error says
// whether the rest of the request was right.
func (r *run) redirectedBack(redirect string, params url.Values) {
	const check = "redirect URI"
	code, desc := params.Get("error"), params.Get("error_description")
	said := code
	if desc != "" {
		said += ": " + desc
	}
	r.cameBack = true
	registered := fmt.Sprintf("%s is registered: the provider sent the browser back to it", redirect)
	switch code {
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		r.add(OK, check, fmt.Sprintf("%s with error=%s, as it does for prompt=none when no one is signed in", registered, code), "")
	case "":
		r.add(OK, check, registered, "")
	case "invalid_scope":
		r.add(OK, check, registered+" (with error=invalid_scope: see scopes)", "")
		r.scopesRefused = said
	case "unauthorized_client":
		r.add(OK, check, registered, "")
		r.add(Fail, "grant type", fmt.Sprintf("the provider says the client may not use the authorization code flow (%s)", said), oktaGrantTypes)
	case "access_denied":
		r.add(OK, check, registered, "")
		r.add(Fail, "access policy", fmt.Sprintf("the provider refused the sign-in before anyone signed in (%s)", said), oktaAccessPolicies)
	default:
		r.add(OK, check, registered, "")
		r.add(Fail, "authorization request", fmt.Sprintf("the provider refused the authorization request Gatehouse sends at sign-in (%s)", said),
			"check GATEHOUSE_AUTH_PARAMS and GATEHOUSE_SCOPES against what the provider accepts; in Okta, the app integration's settings ("+oktaApp+")")
	}
	if iss := params.Get("iss"); iss != "" && iss != r.idp.Issuer {
		r.add(Fail, "issuer", fmt.Sprintf("the authorization response names the issuer %q, not %q as discovery does: every sign-in would be refused (RFC 9207)", iss, r.idp.Issuer), "")
	}
}

var (
	hiddenElements = regexp.MustCompile(`(?is)<(script|style|head|noscript|template)\b.*?</(script|style|head|noscript|template)\s*>`)
	blockTags      = regexp.MustCompile(`(?i)</?(p|div|h[1-6]|br|hr|li|dt|dd|tr|td|th|title|main|section|article|header|footer|form|ul|ol|dl|table|body|html|pre|blockquote)\b[^>]*>`)
	tags           = regexp.MustCompile(`(?s)<[^>]*>`)
)

// pageText returns what an HTML error page says is wrong: its lines (one a
// block) that name a redirect URI, an error or the client, at most three,
// or else its first three lines; at most 300 characters.
func pageText(body []byte) string {
	text := hiddenElements.ReplaceAllString(string(body), "\n")
	text = html.UnescapeString(tags.ReplaceAllString(blockTags.ReplaceAllString(text, "\n"), ""))
	var all, wrong []string
	for l := range strings.SplitSeq(text, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l == "" {
			continue
		}
		all = append(all, l)
		lower := strings.ToLower(l)
		if strings.Contains(lower, "redirect") || strings.Contains(lower, "error") || strings.Contains(lower, "client") {
			wrong = append(wrong, l)
		}
	}
	if len(wrong) == 0 {
		wrong = all
	}
	out := strings.Join(wrong[:min(3, len(wrong))], "; ")
	if len(out) > 300 {
		out = strings.ToValidUTF8(out[:300], "") + "…"
	}
	return out
}

// quote returns ": the page says «page»", or "" for an empty page.
func quote(page string) string {
	if page == "" {
		return ""
	}
	return ": the page says «" + page + "»"
}

// checkScopes compares GATEHOUSE_SCOPES with scopes_supported, and says
// when the authorization request was refused for them.
func (r *run) checkScopes() {
	const check = "scopes"
	asked := strings.Join(r.cfg.Scopes, " ")
	fix := func(scopes string) string {
		return fmt.Sprintf("in Okta: %s > your server > Scopes: add %s (a custom scope is listed in discovery only with \"Include in public metadata\" ticked), or take it out of GATEHOUSE_SCOPES", oktaAuthServers, scopes)
	}
	var missing []string
	for _, s := range r.cfg.Scopes {
		// offline_access has a warning of its own (silent refresh).
		if s != "offline_access" && len(r.doc.ScopesSupported) > 0 && !slices.Contains(r.doc.ScopesSupported, s) {
			missing = append(missing, s)
		}
	}
	switch {
	case r.scopesRefused != "":
		names := strings.Join(missing, " ")
		if names == "" {
			names = "the scopes it refused"
		}
		r.add(Fail, check, fmt.Sprintf("the provider refused GATEHOUSE_SCOPES (%s) in the authorization request (%s)", asked, r.scopesRefused), fix(names))
	case len(r.doc.ScopesSupported) == 0:
		r.add(Warn, check, fmt.Sprintf("the provider lists no scopes_supported: GATEHOUSE_SCOPES (%s) cannot be checked before a sign-in", asked), "")
	case len(missing) > 0:
		tried := "the authorization request was not refused for it, so it may be granted all the same"
		if !r.cameBack {
			tried = "whether the provider grants it is not known: the authorization request failed before"
		}
		r.add(Warn, check, fmt.Sprintf("GATEHOUSE_SCOPES asks for %s, which the provider does not list in scopes_supported (%s)", strings.Join(missing, " "), tried), fix(strings.Join(missing, " ")))
	default:
		r.add(OK, check, fmt.Sprintf("the provider lists every scope of GATEHOUSE_SCOPES (%s) in scopes_supported", asked), "")
	}
}

// checkPKCE looks for S256 in code_challenge_methods_supported.
func (r *run) checkPKCE() {
	methods := r.doc.CodeChallengeMethodsSupported
	switch {
	case slices.Contains(methods, "S256"):
		r.add(OK, "PKCE", "the provider lists S256 in code_challenge_methods_supported; every sign-in sends an S256 challenge", "")
	case len(methods) == 0:
		r.add(Warn, "PKCE", "the provider does not list code_challenge_methods_supported: every sign-in sends an S256 challenge all the same, but the provider may not check it",
			"in Okta (which lists S256), make it required: "+oktaApp+" > Client Credentials > Require PKCE as additional verification")
	default:
		// provider.Discover refuses this: not reached.
		r.add(Fail, "PKCE", fmt.Sprintf("the provider lists code_challenge_methods_supported %v, without S256", methods), "use a provider that supports PKCE with S256")
	}
}

// checkEndpoints says whether sign-out can end the provider's session and
// revoke the refresh token, and what else the provider's metadata says will
// not work (provider.Warning).
func (r *run) checkEndpoints() {
	if e := r.idp.RevocationEndpoint; e != "" {
		r.add(OK, provider.FeatureRevocation, "revocation_endpoint "+e+": sign-out revokes the refresh token", "")
	}
	if e := r.idp.EndSessionEndpoint; e != "" {
		r.add(OK, provider.FeatureSignOut, "end_session_endpoint "+e+": sign-out ends the provider's session too", "")
	}
	for _, w := range r.idp.Warnings {
		fix := ""
		switch w.Feature {
		case provider.FeatureClientAuth:
			continue // with the client authentication
		case provider.FeatureSignOut, provider.FeatureRevocation:
			fix = "every Okta authorization server has one: is OKTA_OAUTH2_ISSUER an Okta authorization server? Another provider may not offer it"
			if r.idp.RevocationEndpoint != "" && w.Feature == provider.FeatureRevocation {
				fix = "" // the revocation endpoint's client authentication: the text says
			}
		}
		r.add(Warn, w.Feature, w.Text, fix)
	}
}
