package demo

import (
	"testing"
	"time"
)

func TestFormatTime(t *testing.T) {
	plusOne := time.FixedZone("UTC+1", 3600)
	minusFiveThirty := time.FixedZone("UTC-5:30", -(5*3600 + 1800))
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want string
	}{
		{"utc", at, time.UTC, "Sun 29 Nov 2026, 08:00 UTC"},
		{"browser offset", at, plusOne, "Sun 29 Nov 2026, 09:00 UTC+1"},
		{"day changes", at, minusFiveThirty, "Sun 29 Nov 2026, 02:30 UTC-5:30"},
		{"browser at UTC", at, time.FixedZone("UTC+0", 0), "Sun 29 Nov 2026, 08:00 UTC"},
		{"zero", time.Time{}, time.UTC, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatTime(tt.t, tt.loc); got != tt.want {
				t.Errorf("formatTime(%v, %v) = %q; want %q", tt.t, tt.loc, got, tt.want)
			}
		})
	}
}

func TestRelativeTime(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"now", now, "just now"},
		{"seconds ahead", now.Add(30 * time.Second), "just now"},
		{"one minute ahead", now.Add(time.Minute), "in 1 minute"},
		{"minutes ago", now.Add(-5*time.Minute - 10*time.Second), "5 minutes ago"},
		{"one hour ahead", now.Add(time.Hour), "in 1 hour"},
		{"hours ahead", now.Add(11*time.Hour + 59*time.Minute), "in 11 hours"},
		{"a day ago", now.Add(-30 * time.Hour), "30 hours ago"},
		{"days ahead", now.Add(72 * time.Hour), "in 3 days"},
		{"zero", time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := relativeTime(tt.t, now); got != tt.want {
				t.Errorf("relativeTime(%v, now) = %q; want %q", tt.t, got, tt.want)
			}
		})
	}
}
