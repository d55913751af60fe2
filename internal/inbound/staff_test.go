package inbound_test

import (
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
)

func TestRepliesAreReadAsStaffWriteThem(t *testing.T) {
	for _, tc := range []struct {
		body string
		want inbound.Command
	}{
		{"DONE", inbound.Command{Verb: inbound.Done}},
		{"done!", inbound.Command{Verb: inbound.Done}},
		{"Done 1001 lovely chat, wants the blue one next", inbound.Command{Verb: inbound.Done, Order: "1001", Note: "lovely chat, wants the blue one next"}},
		{"done #1001", inbound.Command{Verb: inbound.Done, Order: "1001"}},
		{"  ok - she was thrilled", inbound.Command{Verb: inbound.Done, Note: "she was thrilled"}},
		{"LATER", inbound.Command{Verb: inbound.Later, Snooze: time.Hour}},
		{"later, 2h", inbound.Command{Verb: inbound.Later, Snooze: 2 * time.Hour}},
		{"Later 1002 90 min", inbound.Command{Verb: inbound.Later, Order: "1002", Snooze: 90 * time.Minute}},
		{"later tomorrow.", inbound.Command{Verb: inbound.Later, Tomorrow: true}},
		{"LATER 99d", inbound.Command{Verb: inbound.Unclear, Problem: "LATER takes a delay like 2h, 90m or tomorrow"}},
		{"later 1m", inbound.Command{Verb: inbound.Unclear, Problem: "LATER takes a delay like 2h, 90m or tomorrow"}},
		{"skip #1001 - wrong number", inbound.Command{Verb: inbound.Skip, Order: "1001", Note: "wrong number"}},
		{"SKIP", inbound.Command{Verb: inbound.Skip}},
		{"call", inbound.Command{Verb: inbound.Call}},
		{"Call 1003 please", inbound.Command{Verb: inbound.Call, Order: "1003"}},
		{"list", inbound.Command{Verb: inbound.List}},
		{"list everything", inbound.Command{Verb: inbound.Unclear, Problem: "LIST takes no words after it"}},
		{"", inbound.Command{Verb: inbound.Unclear}},
		{"who is this?", inbound.Command{Verb: inbound.Unclear}},
		{"STOP", inbound.Command{Verb: inbound.Unclear}}, // opt-out words are read by Read
	} {
		if got := inbound.ParseCommand(tc.body); got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"DONE 1001 great", "later 2h", "skip #1 x", "call", "list", "later tomorrow", "\x00", "LATER 9999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := inbound.ParseCommand(body)
		switch c.Verb {
		case inbound.Done, inbound.Later, inbound.Skip, inbound.Call, inbound.List, inbound.Unclear:
		default:
			t.Fatalf("Parse(%q) gave verb %q", body, c.Verb)
		}
		if c.Verb == inbound.Later && !c.Tomorrow && (c.Snooze < inbound.MinSnooze || c.Snooze > inbound.MaxSnooze) {
			t.Errorf("Parse(%q) snoozes %s, outside the bounds", body, c.Snooze)
		}
		if c.Verb != inbound.Unclear && c.Problem != "" {
			t.Errorf("Parse(%q) has a problem without being help", body)
		}
	})
}
