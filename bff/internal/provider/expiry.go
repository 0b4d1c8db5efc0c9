package provider

import (
	"encoding/json"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// anyAlgorithm lists the JWS algorithms AccessTokenExpiry can read a JWT
// access token with. It only reads the exp claim; it verifies nothing.
var anyAlgorithm = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// AccessTokenExpiry returns when tok's access token expires, received at now:
//   - now plus expires_in (RFC 6749 §5.1), a number or a numeric string
//     (TestRefreshAnswersThatLeaveFieldsOut);
//   - else the access token's exp claim, when it is a JWT (RFC 9068 §2.2);
//     read without verification, since the token came straight from the
//     token endpoint;
//   - else now plus fallback, so that an expiry is never unknown and the BFF
//     refreshes in time rather than forwarding an expired token for ever.
func AccessTokenExpiry(tok *oauth2.Token, now time.Time, fallback time.Duration) time.Time {
	if tok.ExpiresIn > 0 {
		return now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	if t, err := jwt.ParseSigned(tok.AccessToken, anyAlgorithm); err == nil {
		var c jwt.Claims
		if err := t.UnsafeClaimsWithoutVerification(&c); err == nil && c.Expiry != nil {
			if exp := c.Expiry.Time(); exp.After(now) && exp.Before(now.Add(24*time.Hour)) {
				return exp
			}
		}
	}
	return now.Add(fallback)
}

// RefreshTokenExpiry returns when tok's refresh token expires, received at
// now, when the provider said so with refresh_expires_in (Keycloak) or
// refresh_token_expires_in; zero when it did not (Okta, most others).
func RefreshTokenExpiry(tok *oauth2.Token, now time.Time) time.Time {
	for _, name := range []string{"refresh_expires_in", "refresh_token_expires_in"} {
		var secs float64
		switch v := tok.Extra(name).(type) {
		case float64:
			secs = v
		case json.Number:
			secs, _ = v.Float64()
		case string:
			secs, _ = strconv.ParseFloat(v, 64)
		}
		if secs > 0 {
			return now.Add(time.Duration(secs) * time.Second)
		}
	}
	return time.Time{}
}
