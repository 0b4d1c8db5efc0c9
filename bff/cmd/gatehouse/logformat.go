package main

import (
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"
)

// newLogger returns the command's logger writing to w at level, in format
// (GATEHOUSE_LOG_FORMAT, checked by config.Load): "json" (slog.JSONHandler,
// for a log collector), "text" (slog.TextHandler, for people), or "": text
// when w is a terminal, else json.
func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
