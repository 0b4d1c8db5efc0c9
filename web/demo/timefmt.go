package demo

import (
	"fmt"
	"time"
)

// timeLayout is how times are shown, followed by the zone's name:
// "Sun 29 Nov 2026, 09:00 UTC+1". In the browser, time.Local is the
// browser's current UTC offset, which Go names "UTC+1", "UTC-5:30", "UTC+0".
const timeLayout = "Mon 2 Jan 2006, 15:04"

// formatTime formats t in loc for people, or "unknown" for the zero time.
func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "unknown"
	}
	t = t.In(loc)
	zone, offset := t.Zone()
	if offset == 0 && (zone == "UTC+0" || zone == "") {
		zone = "UTC"
	}
	return t.Format(timeLayout) + " " + zone
}

// relativeTime says how far t is from now in words: "in 3 hours",
// "5 minutes ago", "just now" (within a minute), "" for the zero time.
func relativeTime(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var amount string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		amount = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		amount = plural(int(d/time.Hour), "hour")
	default:
		amount = plural(int(d/(24*time.Hour)), "day")
	}
	if future {
		return "in " + amount
	}
	return amount + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
