package server

import (
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// ContentSecurityPolicy is sent with every page and file the BFF serves. It
// allows only the BFF's own origin, plus WebAssembly compilation
// ('wasm-unsafe-eval') that a go-app SPA needs; no inline script or style, no
// framing (OWASP ASVS 5 V3.4). Config.FormActions adds origins to its
// form-action (contentSecurityPolicy).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// contentSecurityPolicy is ContentSecurityPolicy with formActions (origins)
// added to form-action: the sign-out form posts to the BFF, whose 303 leads
// to the provider's end_session_endpoint, and browsers check form-action on
// a form's redirects too (e2e: sign-out ends the session at the BFF and at
// the provider).
func contentSecurityPolicy(formActions []string) string {
	if len(formActions) == 0 {
		return ContentSecurityPolicy
	}
	return strings.Replace(ContentSecurityPolicy, "form-action 'self'", "form-action 'self' "+strings.Join(formActions, " "), 1)
}

// APIContentSecurityPolicy is sent with the answers of /api/: data, never a
// document, so nothing in it may load or run, and nothing may frame it.
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// A header's values, built once. Each slice's capacity is its length, so a
// handler that adds a value to one of these headers gets a new slice, never
// a write into the shared one.
type headerSet [][2][]string

func headers(kv ...string) headerSet {
	var hs headerSet
	for i := 0; i < len(kv); i += 2 {
		hs = append(hs, [2][]string{{http.CanonicalHeaderKey(kv[i])}, []string{kv[i+1]}[:1:1]})
	}
	return hs
}

func (hs headerSet) setOn(h http.Header) {
	for _, kv := range hs {
		h[kv[0][0]] = kv[1]
	}
}

// documentHeaders go with pages, files, and the /auth/ answers (some of
// which are navigations), with csp as Content-Security-Policy. Referrer-Policy
// same-origin sends no Referer to other origins, and lets the browser send the
// page's Origin with the sign-out form's POST (no-referrer would make it
// "Origin: null", which the BFF refuses).
func documentHeaders(csp string) headerSet {
	return headers(
		"Content-Security-Policy", csp,
		"X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY",
		"Referrer-Policy", "same-origin",
		"Cross-Origin-Opener-Policy", "same-origin",
		"Cross-Origin-Resource-Policy", "same-origin",
		"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()",
	)
}

var (
	// noStore keeps an answer out of every cache, the service worker's
	// included.
	noStore = headers("Cache-Control", "no-store", "Pragma", "no-cache")
	// apiHeaders go with /api/ answers, the hot path: what protects data
	// answers (not sniffed as a document, not framed, not read by another
	// site's no-cors request, not cached), and nothing that only documents
	// use.
	apiHeaders = headers(
		"Content-Security-Policy", APIContentSecurityPolicy,
		"X-Content-Type-Options", "nosniff",
		"Cross-Origin-Resource-Policy", "same-origin",
		"Cache-Control", "no-store",
	)
	hstsHeader = headers("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
)

// securityHeaders sets the headers every answer carries: apiHeaders on
// /api/*, documentHeaders elsewhere, with Cache-Control: no-store on /auth/*
// too (shared.PathAuthPrefix), which must never be answered from a cache.
// With hsts it adds Strict-Transport-Security. formActions go to the CSP's
// form-action (contentSecurityPolicy).
func securityHeaders(hsts bool, formActions []string, next http.Handler) http.Handler {
	documentHeaders := documentHeaders(contentSecurityPolicy(formActions))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, shared.PathAPIPrefix):
			apiHeaders.setOn(h)
		case strings.HasPrefix(p, shared.PathAuthPrefix):
			documentHeaders.setOn(h)
			noStore.setOn(h)
		default:
			documentHeaders.setOn(h)
		}
		if hsts {
			hstsHeader.setOn(h)
		}
		next.ServeHTTP(w, r)
	})
}
