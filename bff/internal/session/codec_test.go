package session

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// oktaRecord is a Record with an Okta-sized token set: JWT access and ID
// tokens of about a kilobyte each, an opaque refresh token.
func oktaRecord() Record {
	now := time.Unix(1_790_000_000, 123456789)
	jwt := func(n int) string { return strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6Ims", n/32) }
	return Record{
		Version: 7,
		Tokens: TokenSet{
			AccessToken: jwt(1100), TokenType: "Bearer", RefreshToken: "Q2x5Y1ZpZkxmT0RkWmJvQVZXRE1hS1pGb1dpbjdq",
			IDToken: jwt(1000), Expiry: now.Add(time.Hour), ReceivedAt: now,
			Scopes: []string{"openid", "profile", "email", "offline_access", "orders:read"},
		},
		User: Identity{
			Issuer: "https://dev-123.okta.com/oauth2/default", Subject: "00u1a2b3c4d5e6f7g8h9",
			Audience: []string{"0oa1b2c3d4e5f6g7h8i9"}, SessionID: "102abcDEFghiJKL", Name: "Alice Anderson",
			Email: "alice@example.com", PreferredUsername: "alice@example.com", Groups: []string{"Everyone", "Admins"},
			AuthTime: now.Add(-time.Minute),
		},
		CreatedAt: now.Add(-time.Minute), Ends: now.Add(12 * time.Hour), LastSeen: now,
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for name, rec := range map[string]Record{
		"okta":                     oktaRecord(),
		"zero":                     {},
		"no refresh token, no sid": {Tokens: TokenSet{AccessToken: "a", Expiry: time.Unix(1, 0)}, User: Identity{Subject: "s", Groups: []string{""}}},
		"groups from userinfo":     {User: Identity{Subject: "s", Groups: []string{"Admins"}, GroupsFromUserinfo: true}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := decodeRecord(appendRecord(nil, &rec))
			if err != nil {
				t.Fatalf("decodeRecord = %v", err)
			}
			if !reflect.DeepEqual(normal(got), normal(rec)) {
				t.Fatalf("decodeRecord(appendRecord(r)) = %+v; want %+v", got, rec)
			}
		})
	}
}

// TestOlderFormatsStillDecode: records written before GroupsFromUserinfo
// (format 1: no flag byte) and before Scopes (format 2: no scope list) decode,
// so sessions survive the upgrade.
func TestOlderFormatsStillDecode(t *testing.T) {
	rec := oktaRecord()
	rec.Tokens.Scopes = nil
	b := appendRecord(nil, &rec)
	format2 := append([]byte{2}, b[1:len(b)-1]...) // without the empty scope list
	format1 := append([]byte{1}, b[1:len(b)-2]...) // and without the flag byte
	for name, old := range map[string][]byte{"format 1": format1, "format 2": format2} {
		got, err := decodeRecord(old)
		if err != nil || !reflect.DeepEqual(normal(got), normal(rec)) {
			t.Fatalf("decodeRecord(%s) = %+v, %v; want %+v", name, got, err, rec)
		}
	}
	if _, err := decodeRecord(append([]byte{recordFormat + 1}, b[1:]...)); err == nil {
		t.Fatal("decodeRecord accepted an unknown format")
	}
}

// normal drops what the encoding does not keep: the time zone and the
// monotonic reading, and the difference between nil and empty lists.
func normal(r Record) Record {
	fix := func(t *time.Time) {
		if !t.IsZero() {
			*t = time.Unix(0, t.UnixNano())
		}
	}
	for _, t := range []*time.Time{&r.CreatedAt, &r.Ends, &r.LastSeen, &r.Tokens.Expiry, &r.Tokens.ReceivedAt, &r.Tokens.RefreshExpiry, &r.User.AuthTime} {
		fix(t)
	}
	if len(r.User.Audience) == 0 {
		r.User.Audience = nil
	}
	if len(r.User.Groups) == 0 {
		r.User.Groups = nil
	}
	if len(r.Tokens.Scopes) == 0 {
		r.Tokens.Scopes = nil
	}
	r.ID = ""
	return r
}

func TestDecodeRecordRefusesCorruptInput(t *testing.T) {
	good := appendRecord(nil, new(oktaRecord()))
	tests := map[string][]byte{
		"empty":          nil,
		"other format":   append([]byte{9}, good[1:]...),
		"truncated":      good[:len(good)/2],
		"trailing bytes": append(bytes.Clone(good), 0),
		"huge length":    {recordFormat, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeRecord(b); err == nil {
				t.Fatalf("decodeRecord(%s) = nil error", name)
			}
		})
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, new(oktaRecord())))
	f.Add([]byte{recordFormat})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			return
		}
		// Whatever decodes encodes back to the same bytes.
		if again := appendRecord(nil, &rec); !bytes.Equal(again, b) {
			t.Fatalf("appendRecord(decodeRecord(b)) = %x; want %x", again, b)
		}
	})
}

// The encodings the record could have had instead, for comparison.

func BenchmarkRecordDecode(b *testing.B) {
	rec := oktaRecord()
	b.Run("binary", func(b *testing.B) {
		enc := appendRecord(nil, &rec)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeRecord(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		enc, _ := json.Marshal(rec)
		b.ReportAllocs()
		for b.Loop() {
			var r Record
			if err := json.Unmarshal(enc, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gob", func(b *testing.B) {
		var buf bytes.Buffer
		_ = gob.NewEncoder(&buf).Encode(rec)
		enc := buf.Bytes()
		b.ReportAllocs()
		for b.Loop() {
			var r Record
			if err := gob.NewDecoder(bytes.NewReader(enc)).Decode(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
