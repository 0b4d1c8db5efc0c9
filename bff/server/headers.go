package server

import (
	"net/http"
	"strings"

	"gatehouse/shared"
)

// ContentSecurityPolicy is sent with every answer. It allows only the BFF's
// own origin, plus WebAssembly compilation ('wasm-unsafe-eval') that a go-app
// SPA needs; no inline script or style, no framing (OWASP ASVS 5 V3.4).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// securityHeaders sets the headers every answer carries, and
// Cache-Control: no-store on /auth/* and /api/* (shared.PathAuthPrefix,
// shared.PathAPIPrefix), which must never be answered from a cache
// (field case F12). With hsts it adds Strict-Transport-Security.
func securityHeaders(hsts bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if p := r.URL.Path; strings.HasPrefix(p, shared.PathAuthPrefix) || strings.HasPrefix(p, shared.PathAPIPrefix) {
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
		}
		next.ServeHTTP(w, r)
	})
}
