package session

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Record is everything the BFF keeps about one signed-in session. It lives in
// the session store under its own key, apart from the scs session that the
// cookie names, and is written only at sign-in and, under the session's lock,
// at a refresh: an unrelated request that saves its scs session can never
// write an older token set over a newer one (field case F01).
//
// Every field is explicit, so nothing is lost on its way through a store
// (field case F03: oauth2.Token keeps the ID token in an unexported field).
type Record struct {
	// ID is the session's stable id: random, never sent to the browser, kept
	// when the cookie's token is renewed.
	ID string `json:"id"`
	// Version counts the record's writes; Manager.Save refuses to write over a
	// newer version.
	Version uint64 `json:"version"`
	// Tokens are the provider's tokens; they never leave the server.
	Tokens TokenSet `json:"tokens"`
	// User is the verified identity from the ID token.
	User Identity `json:"user"`
	// CreatedAt is when the user signed in.
	CreatedAt time.Time `json:"created_at"`
	// Ends is the absolute end of the session: the earliest of CreatedAt plus
	// the maximum lifetime, the refresh token's expiry when known, and the
	// access token's expiry when there is no refresh token to renew it.
	Ends time.Time `json:"ends"`
}

// TokenSet is the token endpoint's answer (RFC 6749 §5.1, OpenID Connect Core
// §3.1.3.3 and §12.2), kept field by field.
type TokenSet struct {
	// AccessToken is sent upstream as a bearer token (RFC 6750 §2.1).
	AccessToken string `json:"access_token"`
	// TokenType is the token_type, normally "Bearer".
	TokenType string `json:"token_type"`
	// RefreshToken is empty when the provider issued none.
	RefreshToken string `json:"refresh_token,omitempty"`
	// IDToken is the raw ID token, kept for id_token_hint at logout. A
	// refresh that returns no ID token keeps the previous one.
	IDToken string `json:"id_token"`
	// Expiry is when AccessToken expires (never zero: see
	// provider.AccessTokenExpiry).
	Expiry time.Time `json:"expiry"`
	// ReceivedAt is when the BFF received AccessToken.
	ReceivedAt time.Time `json:"received_at"`
	// RefreshExpiry is when RefreshToken expires, when the provider said so;
	// zero when unknown.
	RefreshExpiry time.Time `json:"refresh_expiry,omitzero"`
}

// Identity is the signed-in user, from the verified ID token's claims
// (OpenID Connect Core §2, §5.1).
type Identity struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience []string `json:"aud"`
	// SessionID is the sid claim (OpenID Connect Back-Channel Logout 1.0 §2.1).
	SessionID         string    `json:"sid,omitempty"`
	Name              string    `json:"name,omitempty"`
	Email             string    `json:"email,omitempty"`
	PreferredUsername string    `json:"preferred_username,omitempty"`
	Groups            []string  `json:"groups,omitempty"`
	AuthTime          time.Time `json:"auth_time"`
}

// end returns the absolute end of a session holding t, created at created,
// with at most maxLifetime.
func end(created time.Time, maxLifetime time.Duration, t TokenSet) time.Time {
	e := created.Add(maxLifetime)
	if !t.RefreshExpiry.IsZero() && t.RefreshExpiry.Before(e) {
		e = t.RefreshExpiry
	}
	if t.RefreshToken == "" && t.Expiry.Before(e) {
		e = t.Expiry
	}
	return e
}

// records keeps Records, last-activity times and the back-channel logout
// index in an scs.Store, as JSON under "gatehouse." keys.
type records struct {
	store scs.Store
}

func recordKey(id string) string { return "gatehouse.session." + id }
func seenKey(id string) string   { return "gatehouse.seen." + id }

// indexKey names the list of session ids for an issuer's sid or sub claim.
func indexKey(kind, issuer, value string) string {
	sum := sha256.Sum256([]byte(issuer + "\x00" + value))
	return "gatehouse." + kind + "." + hex.EncodeToString(sum[:])
}

func (s records) get(id string) (Record, bool, error) {
	b, found, err := s.store.Find(recordKey(id))
	if err != nil || !found {
		return Record{}, false, wrapStore("find", err)
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return Record{}, false, fmt.Errorf("session: decode record: %w", err)
	}
	return rec, true, nil
}

func (s records) put(rec Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("session: encode record: %w", err)
	}
	return wrapStore("commit", s.store.Commit(recordKey(rec.ID), b, rec.Ends))
}

func (s records) delete(id string) error {
	if err := s.store.Delete(recordKey(id)); err != nil {
		return wrapStore("delete", err)
	}
	return wrapStore("delete", s.store.Delete(seenKey(id)))
}

func (s records) seen(id string) (time.Time, bool, error) {
	b, found, err := s.store.Find(seenKey(id))
	if err != nil || !found {
		return time.Time{}, false, wrapStore("find", err)
	}
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return time.Time{}, false, fmt.Errorf("session: decode activity: %w", err)
	}
	return t, true, nil
}

func (s records) touch(id string, at, expiry time.Time) error {
	b, _ := json.Marshal(at)
	return wrapStore("commit", s.store.Commit(seenKey(id), b, expiry))
}

func (s records) index(key string) ([]string, error) {
	b, found, err := s.store.Find(key)
	if err != nil || !found {
		return nil, wrapStore("find", err)
	}
	var ids []string
	if err := json.Unmarshal(b, &ids); err != nil {
		return nil, fmt.Errorf("session: decode index: %w", err)
	}
	return ids, nil
}

func (s records) setIndex(key string, ids []string, expiry time.Time) error {
	if len(ids) == 0 {
		return wrapStore("delete", s.store.Delete(key))
	}
	b, _ := json.Marshal(ids)
	return wrapStore("commit", s.store.Commit(key, b, expiry))
}

func wrapStore(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("session: store %s: %w", op, err)
}
