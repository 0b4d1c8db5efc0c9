package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	good := map[string]Limit{
		"30/min":    {30, time.Minute},
		"5/s":       {5, time.Second},
		"1000/h":    {1000, time.Hour},
		" 7 / Hour": {7, time.Hour},
		"100/10s":   {100, 10 * time.Second},
		"20/1m30s":  {20, 90 * time.Second},
		"off":       {},
		"OFF":       {},
	}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":             "requests/period",
		"30":           "requests/period",
		"0/min":        "at least 1",
		"-1/min":       "at least 1",
		"x/min":        "at least 1",
		"30/fortnight": "period",
		"30/ms":        "period",
		"30/100ms":     "between",
		"30/48h":       "between",
		"2000000/h":    "more than",
	}
	for in, want := range bad {
		if got, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, %v; want an error saying %q", in, got, err, want)
		}
	}
}

func TestString(t *testing.T) {
	for _, s := range []string{"30/min", "5/s", "1000/h", "100/10s", "off"} {
		l, err := Parse(s)
		if err != nil || l.String() != s {
			t.Errorf("Parse(%q).String() = %q, %v", s, l.String(), err)
		}
	}
}
