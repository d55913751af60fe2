package inbound_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
		{"REPLY 1001 So sorry! A new mug is on its way.", inbound.Command{Verb: inbound.Reply, Order: "1001", Note: "So sorry! A new mug is on its way."}},
		{"reply #1001: Danke, gern geschehen", inbound.Command{Verb: inbound.Reply, Order: "1001", Note: "Danke, gern geschehen"}},
		{"ＲＥＰＬＹ　1001　ｶﾀｶﾅ ok", inbound.Command{Verb: inbound.Reply, Order: "1001", Note: "ｶﾀｶﾅ ok"}},
		{"REPLY 1001", inbound.Command{Verb: inbound.Unclear, Problem: "REPLY takes the order number and your answer: REPLY 1001 So sorry, a new one is on its way"}},
		{"REPLY 1001 " + strings.Repeat("山", inbound.MaxReply), inbound.Command{Verb: inbound.Reply, Order: "1001", Note: strings.Repeat("山", inbound.MaxReply)}},
		{"reply thanks so much", inbound.Command{Verb: inbound.Unclear, Problem: "REPLY takes the order number and your answer: REPLY 1001 So sorry, a new one is on its way"}},
	} {
		if got := inbound.ParseCommand(tc.body); got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"REPLY 1001 so sorry", "reply #7 \u3000x", "REPLY 1 " + strings.Repeat("a", inbound.MaxReply), "DONE 1001 great", "later 2h", "skip #1 x", "call", "list", "later tomorrow", "\x00", "LATER 9999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := inbound.ParseCommand(body)
		switch c.Verb {
		case inbound.Done, inbound.Later, inbound.Skip, inbound.Call, inbound.List, inbound.Reply, inbound.Unclear:
		default:
			t.Fatalf("Parse(%q) gave verb %q", body, c.Verb)
		}
		if c.Verb == inbound.Later && !c.Tomorrow && (c.Snooze < inbound.MinSnooze || c.Snooze > inbound.MaxSnooze) {
			t.Errorf("Parse(%q) snoozes %s, outside the bounds", body, c.Snooze)
		}
		if c.Verb == inbound.Reply && (c.Order == "" || c.Note == "" || utf8.RuneCountInString(c.Note) > inbound.MaxReply || !utf8.ValidString(c.Note) && utf8.ValidString(body)) {
			t.Errorf("Parse(%q) gives a REPLY without its order or text, or with too long a text", body)
		}
		if c.Verb == inbound.Reply && !strings.Contains(body, c.Note) {
			t.Errorf("Parse(%q) gives REPLY text %q that is not the staff member's own", body, c.Note)
		}
		if c.Verb != inbound.Unclear && c.Problem != "" {
			t.Errorf("Parse(%q) has a problem without being help", body)
		}
	})
}

func TestComplaintsAreFlaggedInEveryLanguage(t *testing.T) {
	for _, tc := range []struct {
		body string
		word string // "" when no complaint
	}{
		{"Thank you so much, love the mug!", ""},
		{"The mug arrived broken :(", "broken"},
		{"I want a REFUND", "refund"},
		{"you sent the wrong size", "wrong"},
		{"It came late but it's lovely", "late"},
		{"chocolate was lovely", ""}, // whole words only
		{"Where is my order??", "where is my order"},
		{"La taza llegó rota", "rota"},
		{"quiero un reembolso", "reembolso"},
		{"Le colis est arrivé cassé", "cassé"},
		{"colis pas recu", "pas reçu"},
		{"Die Tasse ist kaputt", "kaputt"},
		{"Paket nie angekommen", "nie angekommen"},
		{"O pedido não chegou", "não chegou"},
		{"Chegou DANIFICADO", "danificado"},
		{"Muito obrigada!", ""},
	} {
		w, ok := inbound.Complaint(tc.body)
		if ok != (tc.word != "") || w.Text != tc.word {
			t.Errorf("Complaint(%q) = %q, %v; want %q", tc.body, w.Text, ok, tc.word)
		}
	}
}

func FuzzComplaint(f *testing.F) {
	for _, s := range []string{"broken", "not received", "Die Tasse ist kaputt", "\x00", "ｂｒｏｋｅｎ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		w, ok := inbound.Complaint(body)
		if ok && w.Text == "" || !ok && w.Text != "" {
			t.Fatalf("Complaint(%q) = %+v, %v", body, w, ok)
		}
	})
}

func TestReplyIsAStaffCommandEvenWithStopWordsInIt(t *testing.T) {
	// The answer may quote the customer's words: it is the staff's, not an opt-out.
	m := inbound.Read("REPLY 1001 Of course, we will stop texting you about it")
	if m.Kind != inbound.Staff || m.Command.Verb != inbound.Reply || m.Command.Order != "1001" ||
		m.Command.Note != "Of course, we will stop texting you about it" {
		t.Errorf("Read = %+v", m)
	}
}
