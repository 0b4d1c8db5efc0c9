package provider

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseAuthParams(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    url.Values
		wantErr string
	}{
		{"", nil, ""},
		{"audience=https://api.example.com", url.Values{"audience": {"https://api.example.com"}}, ""},
		{"resource=https://a.example.com/&resource=urn:example:b", url.Values{"resource": {"https://a.example.com/", "urn:example:b"}}, ""},
		{"prompt=login+consent&max_age=0&acr_values=urn:mfa&login_hint=alice&ui_locales=de", url.Values{
			"prompt": {"login consent"}, "max_age": {"0"}, "acr_values": {"urn:mfa"}, "login_hint": {"alice"}, "ui_locales": {"de"},
		}, ""},
		{"audience=a&audience=b", nil, "audience is given 2 times"},
		{"audience=", nil, "audience is empty"},
		{"resource=/relative", nil, "RFC 8707"},
		{"resource=https://x.example.com/%23frag", nil, "RFC 8707"},
		{"prompt=none", nil, "login_required"},
		{"prompt=maybe", nil, `"maybe" is not login`},
		{"max_age=-1", nil, "not a number of seconds"},
		{"max_age=5m", nil, "not a number of seconds"},
		{"redirect_uri=https://evil.example", nil, "redirect_uri is set by Gatehouse itself"},
		{"code_challenge_method=plain", nil, "set by Gatehouse itself"},
		{"claims={}", nil, "claims is not one of acr_values, audience, login_hint, max_age, prompt, resource, ui_locales"},
		{"a=%zz", nil, "not a URL query"},
	} {
		got, err := ParseAuthParams(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAuthParams(%q) error = %v; want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Encode() != tt.want.Encode() {
			t.Errorf("ParseAuthParams(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
