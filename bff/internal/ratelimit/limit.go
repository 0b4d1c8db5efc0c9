// Package ratelimit counts requests per key (a client address, a session)
// and refuses those over a limit, with the time to wait (RFC 9110 §10.2.3
// Retry-After, RFC 6585 §4 429 Too Many Requests).
//
// Two counters: Memory, token buckets of golang.org/x/time/rate in a
// least-recently-used table of bounded size (one process: the memory and
// file stores); and Redis, a fixed-window counter shared by every replica
// on one Redis server, one atomic script per request, which falls back on a
// Memory while Redis fails (it never refuses everyone because Redis is
// down).
package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limit allows Requests per Per. The zero value (and any with Requests < 1)
// is off: nothing is counted.
type Limit struct {
	Requests int
	Per      time.Duration
}

// Bounds of a Limit (Check).
const (
	MinPer      = time.Second // Retry-After counts whole seconds
	MaxPer      = 24 * time.Hour
	MaxRequests = 1_000_000
)

// Off reports whether the limit counts nothing.
func (l Limit) Off() bool { return l.Requests < 1 }

// Check reports what is wrong with a limit that is not off.
func (l Limit) Check() error {
	switch {
	case l.Off():
		return nil
	case l.Requests > MaxRequests:
		return fmt.Errorf("%d requests is more than %d", l.Requests, MaxRequests)
	case l.Per < MinPer || l.Per > MaxPer:
		return fmt.Errorf("a period of %v is not between %v and %v", l.Per, MinPer, MaxPer)
	}
	return nil
}

// String writes l as Parse reads it: "30/min", "5/s", "1000/h", "100/10s",
// or "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	per := l.Per.String()
	switch l.Per {
	case time.Second:
		per = "s"
	case time.Minute:
		per = "min"
	case time.Hour:
		per = "h"
	}
	return strconv.Itoa(l.Requests) + "/" + per
}

// units are the periods Parse knows by name.
var units = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"min": time.Minute, "minute": time.Minute,
	"h": time.Hour, "hour": time.Hour,
}

// Parse reads a limit written requests/period: "30/min", "5/s", "1000/h"
// (s, min and h, or second, minute and hour), or a Go duration as the
// period ("100/10s", "20/90s"); "off" is the limit that counts nothing.
func Parse(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("%q is not requests/period: write e.g. 30/min, 5/s, 1000/h, or off", s)
	}
	requests, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || requests < 1 {
		return Limit{}, fmt.Errorf("%q: the number of requests must be a whole number of at least 1 (e.g. 30/min), or the limit off", s)
	}
	per = strings.ToLower(strings.TrimSpace(per))
	d, ok := units[per]
	if !ok {
		if d, err = time.ParseDuration(per); err != nil {
			return Limit{}, fmt.Errorf("%q: the period must be s, min, h or a duration such as 10s", s)
		}
	}
	l := Limit{Requests: requests, Per: d}
	if err := l.Check(); err != nil {
		return Limit{}, fmt.Errorf("%q: %v", s, err)
	}
	return l, nil
}
