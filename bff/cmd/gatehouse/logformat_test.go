package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GATEHOUSE_LOG_FORMAT picks the handler; unset, a writer that is not a
// terminal (a buffer, a file, as under a container runtime) gets JSON.
func TestLogFormat(t *testing.T) {
	for _, tc := range []struct {
		format string
		json   bool
	}{{"", true}, {"json", true}, {"text", false}} {
		var buf bytes.Buffer
		newLogger(tc.format, slog.LevelInfo, &buf).Info("hello", "n", 1)
		var line map[string]any
		isJSON := json.Unmarshal(buf.Bytes(), &line) == nil && line["msg"] == "hello"
		if isJSON != tc.json {
			t.Errorf("format %q wrote %q; want JSON %v", tc.format, buf.String(), tc.json)
		}
		if !tc.json && !strings.Contains(buf.String(), "msg=hello n=1") {
			t.Errorf("format text wrote %q", buf.String())
		}
	}

	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	newLogger("", slog.LevelInfo, f).Info("to a file")
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(bytes.TrimSpace(data)) {
		t.Errorf("unset format to a file wrote %q; want JSON", data)
	}
}

// A format config.Load refuses stops start-up with the variable's name.
func TestLogFormatRefused(t *testing.T) {
	var stderr bytes.Buffer
	err := run(t.Context(), env("GATEHOUSE_LOG_FORMAT=xml"), &stderr)
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_LOG_FORMAT") {
		t.Fatalf("run = %v; want an error naming GATEHOUSE_LOG_FORMAT", err)
	}
}
