package auth

import "testing"

func TestURLs(t *testing.T) {
	for _, tt := range []struct {
		base, path, url, ws string
	}{
		{"https://bff.example.com", "/api/live/echo", "https://bff.example.com/api/live/echo", "wss://bff.example.com/api/live/echo"},
		{"http://localhost:8080", "/api/live/events", "http://localhost:8080/api/live/events", "ws://localhost:8080/api/live/events"},
		// No BaseURL and no page (tests, prerendering): the path alone.
		{"", "/api/live/echo", "/api/live/echo", "/api/live/echo"},
	} {
		newKit(t, 0)
		if err := Register(Config{BaseURL: tt.base}); err != nil {
			t.Fatal(err)
		}
		if got := URL(tt.path); got != tt.url {
			t.Errorf("URL(%q) with BaseURL %q = %q; want %q", tt.path, tt.base, got, tt.url)
		}
		if got := WebSocketURL(tt.path); got != tt.ws {
			t.Errorf("WebSocketURL(%q) with BaseURL %q = %q; want %q", tt.path, tt.base, got, tt.ws)
		}
	}
}
