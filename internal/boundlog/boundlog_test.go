package boundlog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/thankyoucalls/thankyoucalls/internal/boundlog"
)

func TestEveryLoggedStringIsBounded(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(boundlog.New(slog.NewJSONHandler(&buf, nil)))
	huge := strings.Repeat("é", 100<<10)
	log.With("with", huge).WithGroup("g").Info(huge, "s", huge, "err", errors.New(huge), "group", slog.GroupValue(slog.String("in", huge)),
		"any", []string{huge}, "n", 7)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %.200s", err, buf.Bytes())
	}
	var check func(path string, v any)
	check = func(path string, v any) {
		switch v := v.(type) {
		case string:
			if len(v) > boundlog.MaxField || !utf8.ValidString(v) {
				t.Errorf("%s: %d bytes (valid UTF-8: %t), want at most %d", path, len(v), utf8.ValidString(v), boundlog.MaxField)
			}
		case map[string]any:
			for k, x := range v {
				check(path+"."+k, x)
			}
		}
	}
	check("", rec)
	if g, _ := rec["g"].(map[string]any); g == nil || g["n"] != float64(7) {
		t.Errorf("record lost its shape: %v", rec)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a bit too long", 10, "a bit t…"},
		{"ééééé", 7, "éé…"},
	} {
		if got := boundlog.Clip(tc.in, tc.n); got != tc.want || len(got) > tc.n {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
