package provider

import (
	"slices"
	"strings"
)

// Features a Warning can name.
const (
	FeatureSignOut     = "sign-out"
	FeatureRevocation  = "token revocation"
	FeatureRefresh     = "silent refresh"
	FeatureUserinfo    = "userinfo"
	FeatureBackChannel = "back-channel logout"
	FeatureClientAuth  = "client authentication"
)

// warnings lists what md says will not work with cfg: each a feature the
// BFF would use and the provider does not offer, with what the user will
// see and how to fix it (Okta's admin console terms first).
func warnings(md metadata, cfg Config) []Warning {
	var w []Warning
	if md.EndSessionEndpoint == "" {
		w = append(w, Warning{FeatureSignOut, "the provider has no end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0): sign-out ends the Gatehouse session only, and the user stays signed in at the provider, so the next sign-in will not ask for a password"})
	}
	if md.RevocationEndpoint == "" {
		w = append(w, Warning{FeatureRevocation, "the provider has no revocation_endpoint (RFC 7009): sign-out cannot revoke the refresh token, which stays valid at the provider until it expires"})
	}
	if slices.Contains(cfg.Scopes, "offline_access") {
		switch {
		case len(md.ScopesSupported) > 0 && !slices.Contains(md.ScopesSupported, "offline_access"):
			w = append(w, Warning{FeatureRefresh, "GATEHOUSE_SCOPES asks for offline_access, which the provider does not list in scopes_supported: without a refresh token a session ends when its access token expires; enable refresh tokens for the client (Okta: the app integration's General tab, Grant type \"Refresh Token\") or remove offline_access"})
		case len(md.GrantTypesSupported) > 0 && !slices.Contains(md.GrantTypesSupported, "refresh_token"):
			w = append(w, Warning{FeatureRefresh, "the provider does not list refresh_token in grant_types_supported: without a refresh token a session ends when its access token expires"})
		}
	} else {
		w = append(w, Warning{FeatureRefresh, "GATEHOUSE_SCOPES does not ask for offline_access: the provider issues no refresh token, and a session ends when its access token expires; add offline_access to stay signed in"})
	}
	if !md.BackChannelLogoutSupported {
		w = append(w, Warning{FeatureBackChannel, "the provider does not say it supports back-channel logout (backchannel_logout_supported): a sign-out at the provider, or in another app of the same provider session, does not end Gatehouse sessions; they end at their next refresh or when idle"})
	}
	if md.UserinfoEndpoint == "" && (slices.Contains(cfg.Scopes, "profile") || slices.Contains(cfg.Scopes, "email")) {
		w = append(w, Warning{FeatureUserinfo, "the provider has no userinfo_endpoint: the profile shows only the claims its ID tokens carry"})
	}
	return w
}

// String returns the warning as one line: "feature: text".
func (w Warning) String() string {
	return strings.TrimSpace(w.Feature + ": " + w.Text)
}
