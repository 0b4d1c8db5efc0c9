package web

import (
	"testing"
	"time"
)

func TestWarningAt(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	tests := []struct {
		name            string
		expires, maxEnd time.Time
		want            sessionWarning
	}{
		{name: "end unknown", want: sessionWarning{}},
		{name: "far off", expires: at(30 * time.Minute), maxEnd: at(8 * time.Hour), want: sessionWarning{}},
		{name: "just over the threshold", expires: at(sessionWarnBefore + time.Second), maxEnd: at(8 * time.Hour), want: sessionWarning{}},
		{name: "at the threshold", expires: at(sessionWarnBefore), maxEnd: at(8 * time.Hour), want: sessionWarning{kind: warnIdle, left: 2 * time.Minute}},
		{name: "idle end in 90 s", expires: at(90 * time.Second), maxEnd: at(8 * time.Hour), want: sessionWarning{kind: warnIdle, left: 90 * time.Second}},
		{name: "idle end, hard end soon after", expires: at(90 * time.Second), maxEnd: at(100 * time.Second), want: sessionWarning{kind: warnIdle, left: 90 * time.Second}},
		{name: "hard end in 90 s", expires: at(90 * time.Second), maxEnd: at(90 * time.Second), want: sessionWarning{kind: warnMax, left: 90 * time.Second}},
		{name: "hard end far off", expires: at(time.Hour), maxEnd: at(time.Hour), want: sessionWarning{}},
		{name: "hard end unknown", expires: at(30 * time.Second), want: sessionWarning{kind: warnIdle, left: 30 * time.Second}},
		{name: "end passed", expires: at(-3 * time.Second), maxEnd: at(8 * time.Hour), want: sessionWarning{kind: warnIdle}},
		{name: "hard end passed", expires: at(-3 * time.Second), maxEnd: at(-3 * time.Second), want: sessionWarning{kind: warnMax}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := warningAt(now, tt.expires, tt.maxEnd); got != tt.want {
				t.Errorf("warningAt(now, %v, %v) = %+v; want %+v", tt.expires, tt.maxEnd, got, tt.want)
			}
		})
	}
	if sessionWarnBefore != 2*time.Minute {
		t.Errorf("sessionWarnBefore = %v; want 2m", sessionWarnBefore)
	}
}

func TestFormatLeft(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{2 * time.Minute, "2 minutes"},
		{119 * time.Second, "1 minute"},
		{90 * time.Second, "1 minute"},
		{60 * time.Second, "1 minute"},
		{59*time.Second + 500*time.Millisecond, "1 minute"},
		{59 * time.Second, "59 seconds"},
		{45 * time.Second, "45 seconds"},
		{44*time.Second + time.Millisecond, "45 seconds"},
		{time.Second, "1 second"},
		{200 * time.Millisecond, "1 second"},
		{10 * time.Minute, "10 minutes"},
	}
	for _, tt := range tests {
		if got := formatLeft(tt.d); got != tt.want {
			t.Errorf("formatLeft(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}

func TestSessionWarningTitle(t *testing.T) {
	tests := []struct {
		w    sessionWarning
		want string
	}{
		{sessionWarning{kind: warnIdle, left: 90 * time.Second}, "Your session ends in 1 minute"},
		{sessionWarning{kind: warnMax, left: 2 * time.Minute}, "Your session ends in 2 minutes"},
		{sessionWarning{kind: warnIdle, left: 30 * time.Second}, "Your session ends in 30 seconds"},
		{sessionWarning{kind: warnMax}, "Your session is ending now"},
	}
	for _, tt := range tests {
		if got := tt.w.title(); got != tt.want {
			t.Errorf("%+v.title() = %q; want %q", tt.w, got, tt.want)
		}
	}
}

func TestSessionWarningSameView(t *testing.T) {
	tests := []struct {
		name string
		a, b sessionWarning
		want bool
	}{
		{"both hidden", sessionWarning{}, sessionWarning{}, true},
		{"same minute", sessionWarning{kind: warnIdle, left: 100 * time.Second}, sessionWarning{kind: warnIdle, left: 99 * time.Second}, true},
		{"next second", sessionWarning{kind: warnIdle, left: 30 * time.Second}, sessionWarning{kind: warnIdle, left: 29 * time.Second}, false},
		{"appears", sessionWarning{}, sessionWarning{kind: warnIdle, left: 2 * time.Minute}, false},
		{"idle end becomes the hard end", sessionWarning{kind: warnIdle, left: 90 * time.Second}, sessionWarning{kind: warnMax, left: 90 * time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.sameView(tt.b); got != tt.want {
				t.Errorf("%+v.sameView(%+v) = %v; want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
