package proxy

import (
	"net/http"
	"strings"
)

// challenge is one authentication challenge of a WWW-Authenticate header
// (RFC 9110 §11.6.1): a scheme, lower-cased, with its auth-params (names
// lower-cased, quoted-string values unquoted). A token68 is kept as the
// param "" (RFC 9110 §11.2).
type challenge struct {
	scheme string
	params map[string]string
}

// parseChallenges parses every WWW-Authenticate field of h: each field may
// hold several challenges separated by commas, whose auth-params are
// separated by commas too (RFC 9110 §11.2, §11.6.1). Parsing stops at the
// first malformed spot of a field; what came before it is kept.
func parseChallenges(h http.Header) []challenge {
	var out []challenge
	for _, v := range h.Values("WWW-Authenticate") {
		out = appendChallenges(out, v)
	}
	return out
}

func appendChallenges(out []challenge, s string) []challenge {
	for {
		s = skipListSeparators(s)
		scheme, rest := cutToken(s)
		if scheme == "" {
			return out
		}
		c := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
		s = rest
		if s != "" && s[0] != ' ' && s[0] != '\t' && s[0] != ',' {
			return append(out, c) // malformed: stop here
		}
		s = trimOWS(s)
		// token68 (e.g. Basic's credentials in a challenge): token chars
		// and "-._~+/" followed by '='s, not followed by another '='-value.
		if t, r := cutToken68(s); t != "" {
			if r2 := trimOWS(r); r2 == "" || r2[0] == ',' {
				c.params[""] = t
				out = append(out, c)
				s = r2
				continue
			}
		}
		// auth-params: name BWS "=" BWS ( token / quoted-string ), comma
		// separated. A name not followed by '=' starts the next challenge.
		for {
			name, r := cutToken(s)
			if name == "" {
				break
			}
			r = trimOWS(r)
			if r == "" || r[0] != '=' {
				break // the next challenge's scheme
			}
			r = trimOWS(r[1:])
			var val string
			var ok bool
			if r != "" && r[0] == '"' {
				val, r, ok = cutQuoted(r)
				if !ok {
					return append(out, c)
				}
			} else {
				val, r = cutToken(r)
			}
			c.params[strings.ToLower(name)] = val
			r = trimOWS(r)
			if r == "" {
				s = ""
				break
			}
			if r[0] != ',' {
				return append(out, c)
			}
			s = skipListSeparators(r)
		}
		out = append(out, c)
		if s == "" {
			return out
		}
	}
}

func isTchar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

func cutToken(s string) (tok, rest string) {
	i := 0
	for i < len(s) && isTchar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func cutToken68(s string) (tok, rest string) {
	i := 0
	for i < len(s) && (isTchar(s[i]) && s[i] != '!' && s[i] != '#' && s[i] != '$' && s[i] != '%' && s[i] != '&' &&
		s[i] != '\'' && s[i] != '*' && s[i] != '^' && s[i] != '`' && s[i] != '|' || s[i] == '/') {
		i++
	}
	if i == 0 {
		return "", s
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return s[:i], s[i:]
}

// cutQuoted reads a quoted-string (RFC 9110 §5.6.4) at the start of s and
// returns its value with quoted-pairs resolved.
func cutQuoted(s string) (val, rest string, ok bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), s[i+1:], true
		case '\\':
			i++
			if i == len(s) {
				return "", "", false
			}
		}
		b.WriteByte(s[i])
	}
	return "", "", false
}

func trimOWS(s string) string { return strings.TrimLeft(s, " \t") }

func skipListSeparators(s string) string { return strings.TrimLeft(s, " \t,") }

// bearerError returns the error and scope auth-params of the first Bearer
// challenge of h that has an error (RFC 6750 §3).
func bearerError(h http.Header) (code, scope string) {
	if len(h["Www-Authenticate"]) == 0 {
		return "", ""
	}
	for _, c := range parseChallenges(h) {
		if c.scheme == "bearer" && c.params["error"] != "" {
			return c.params["error"], c.params["scope"]
		}
	}
	return "", ""
}
