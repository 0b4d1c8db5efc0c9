package shared

import "time"

// Session is PathMe's 200 answer: who is signed in and until when. It carries
// claims from the verified ID token (OpenID Connect Core §2 and §5.1), never a
// token.
//
//	{"sub":"00u1","name":"Alice Anderson","email":"alice@example.com",
//	 "preferred_username":"alice","groups":["Everyone","Admins"],
//	 "scopes":["openid","profile","email","offline_access"],
//	 "iss":"https://dev-123.okta.com/oauth2/default",
//	 "auth_time":"2026-11-29T08:00:00Z","expires_at":"2026-11-29T08:30:00Z",
//	 "max_expires_at":"2026-11-29T20:00:00Z"}
type Session struct {
	// Subject is the ID token's sub claim: the user's stable id at the issuer.
	Subject string `json:"sub"`
	// Name is the name claim, when the provider sent one.
	Name string `json:"name,omitempty"`
	// Email is the email claim, when the provider sent one.
	Email string `json:"email,omitempty"`
	// PreferredUsername is the preferred_username claim (Okta: the login).
	PreferredUsername string `json:"preferred_username,omitempty"`
	// Groups is the groups claim (Okta's groups claim, when configured).
	Groups []string `json:"groups,omitempty"`
	// Scopes are the scopes the session's access token was granted (the
	// token response's scope, RFC 6749 §3.3 and §5.1), when the BFF reports
	// them; empty when it does not. The SPA kit's Guard.Scope checks them.
	Scopes []string `json:"scopes,omitempty"`
	// Issuer is the ID token's iss claim.
	Issuer string `json:"iss"`
	// AuthTime is when the user authenticated at the provider (auth_time), or
	// when the BFF received the ID token if the provider did not say.
	AuthTime time.Time `json:"auth_time"`
	// ExpiresAt is when the BFF ends this session unless there is activity
	// before then: the earlier of the idle timeout and MaxExpiresAt. A call to
	// PathMe without ParamSlide=false counts as activity and moves it on.
	ExpiresAt time.Time `json:"expires_at"`
	// MaxExpiresAt is when the session ends whatever the activity: the
	// maximum session lifetime, never beyond the refresh token's life. When
	// ExpiresAt equals it, only a new sign-in gives a longer session.
	MaxExpiresAt time.Time `json:"max_expires_at"`
}
