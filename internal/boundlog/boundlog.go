// Package boundlog bounds what a log record can carry: a slog.Handler that
// cuts every string attribute (and the message) to MaxField bytes before
// passing the record on, so that nothing a sender controls — a header, an
// id, an error that quotes them — makes a log line grow with it.
package boundlog

import (
	"context"
	"log/slog"
	"unicode/utf8"
)

// MaxField is the most bytes a logged string keeps.
const MaxField = 256

// Clip returns s cut to at most n bytes on a rune boundary, ending in "…"
// when cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "…"
	cut := n - len(more)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// Handler bounds the records it passes to the handler it wraps.
type Handler struct {
	next slog.Handler
}

// New returns a Handler passing bounded records on to next.
func New(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Clip(r.Message, MaxField), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(bound(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	b := make([]slog.Attr, len(as))
	for i, a := range as {
		b[i] = bound(a)
	}
	return &Handler{next: h.next.WithAttrs(b)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(Clip(name, MaxField))}
}

// bound cuts a's strings; any other value is rendered to a string first
// when it is an error, a Stringer or another kind that may grow without
// bound.
func bound(a slog.Attr) slog.Attr {
	a.Key = Clip(a.Key, MaxField)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Clip(v.String(), MaxField))
	case slog.KindGroup:
		g := v.Group()
		b := make([]slog.Attr, len(g))
		for i, x := range g {
			b[i] = bound(x)
		}
		a.Value = slog.GroupValue(b...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			a.Value = slog.StringValue(Clip(x.Error(), MaxField))
		default:
			a.Value = slog.StringValue(Clip(v.String(), MaxField))
		}
	default:
		a.Value = v
	}
	return a
}
