package staffreply_test

import (
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/staffreply"
)

func TestRepliesAreReadAsStaffWriteThem(t *testing.T) {
	for _, tc := range []struct {
		body string
		want staffreply.Command
	}{
		{"DONE", staffreply.Command{Verb: staffreply.Done}},
		{"done!", staffreply.Command{Verb: staffreply.Done}},
		{"Done 1001 lovely chat, wants the blue one next", staffreply.Command{Verb: staffreply.Done, Order: "1001", Note: "lovely chat, wants the blue one next"}},
		{"done #1001", staffreply.Command{Verb: staffreply.Done, Order: "1001"}},
		{"  ok - she was thrilled", staffreply.Command{Verb: staffreply.Done, Note: "she was thrilled"}},
		{"LATER", staffreply.Command{Verb: staffreply.Later, Snooze: time.Hour}},
		{"later, 2h", staffreply.Command{Verb: staffreply.Later, Snooze: 2 * time.Hour}},
		{"Later 1002 90 min", staffreply.Command{Verb: staffreply.Later, Order: "1002", Snooze: 90 * time.Minute}},
		{"later tomorrow.", staffreply.Command{Verb: staffreply.Later, Tomorrow: true}},
		{"LATER 99d", staffreply.Command{Verb: staffreply.Help, Problem: "LATER takes a delay like 2h, 90m or tomorrow"}},
		{"later 1m", staffreply.Command{Verb: staffreply.Help, Problem: "LATER takes a delay like 2h, 90m or tomorrow"}},
		{"skip #1001 - wrong number", staffreply.Command{Verb: staffreply.Skip, Order: "1001", Note: "wrong number"}},
		{"SKIP", staffreply.Command{Verb: staffreply.Skip}},
		{"call", staffreply.Command{Verb: staffreply.Call}},
		{"Call 1003 please", staffreply.Command{Verb: staffreply.Call, Order: "1003"}},
		{"list", staffreply.Command{Verb: staffreply.List}},
		{"list everything", staffreply.Command{Verb: staffreply.Help, Problem: "LIST takes no words after it"}},
		{"", staffreply.Command{Verb: staffreply.Help}},
		{"who is this?", staffreply.Command{Verb: staffreply.Help}},
		{"STOP", staffreply.Command{Verb: staffreply.Help}}, // opt-out words are Twilio's, handled before
	} {
		if got := staffreply.Parse(tc.body); got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"DONE 1001 great", "later 2h", "skip #1 x", "call", "list", "later tomorrow", "\x00", "LATER 9999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := staffreply.Parse(body)
		switch c.Verb {
		case staffreply.Done, staffreply.Later, staffreply.Skip, staffreply.Call, staffreply.List, staffreply.Help:
		default:
			t.Fatalf("Parse(%q) gave verb %q", body, c.Verb)
		}
		if c.Verb == staffreply.Later && !c.Tomorrow && (c.Snooze < staffreply.MinSnooze || c.Snooze > staffreply.MaxSnooze) {
			t.Errorf("Parse(%q) snoozes %s, outside the bounds", body, c.Snooze)
		}
		if c.Verb != staffreply.Help && c.Problem != "" {
			t.Errorf("Parse(%q) has a problem without being help", body)
		}
	})
}
