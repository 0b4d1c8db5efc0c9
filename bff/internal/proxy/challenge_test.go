package proxy

import (
	"net/http"
	"reflect"
	"testing"
)

func TestParseChallenges(t *testing.T) {
	for _, tt := range []struct {
		fields []string
		want   []challenge
	}{
		{[]string{`Bearer error="invalid_token", error_description="The access token expired"`},
			[]challenge{{"bearer", map[string]string{"error": "invalid_token", "error_description": "The access token expired"}}}},
		{[]string{`Basic realm="a, b", Bearer realm="x",error=insufficient_scope, scope="read write"`},
			[]challenge{{"basic", map[string]string{"realm": "a, b"}},
				{"bearer", map[string]string{"realm": "x", "error": "insufficient_scope", "scope": "read write"}}}},
		{[]string{`Newauth`, `DPoP algs="ES256", BEARER  Error = "invalid_token" `},
			[]challenge{{"newauth", map[string]string{}}, {"dpop", map[string]string{"algs": "ES256"}},
				{"bearer", map[string]string{"error": "invalid_token"}}}},
		{[]string{`Negotiate abc+/==, Bearer error="a\"b\\c"`},
			[]challenge{{"negotiate", map[string]string{"": "abc+/=="}}, {"bearer", map[string]string{"error": `a"b\c`}}}},
		{[]string{`, ,Bearer realm="unterminated`}, []challenge{{"bearer", map[string]string{}}}},
		{[]string{`"quoted"`}, nil},
	} {
		h := http.Header{"Www-Authenticate": tt.fields}
		if got := parseChallenges(h); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseChallenges(%q) = %v; want %v", tt.fields, got, tt.want)
		}
	}
}

func TestBearerError(t *testing.T) {
	h := http.Header{"Www-Authenticate": {`Basic realm="x"`, `Bearer realm="api", error="insufficient_scope", scope="orders:write"`}}
	if code, scope := bearerError(h); code != "insufficient_scope" || scope != "orders:write" {
		t.Errorf("bearerError = %q, %q; want insufficient_scope, orders:write", code, scope)
	}
	if code, _ := bearerError(http.Header{"Www-Authenticate": {`Bearer realm="api"`}}); code != "" {
		t.Errorf("bearerError of a challenge without error = %q", code)
	}
}
