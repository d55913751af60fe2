package thankyou_test

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

var update = flag.Bool("update", false, "rewrite the state diagram in docs/architecture.md")

const (
	diagramDoc   = "../../docs/architecture.md"
	diagramStart = "<!-- state diagram: generated from internal/thankyou/states.go -->\n"
	diagramEnd   = "<!-- end of state diagram -->\n"
)

// TestStateDiagram keeps the diagram in docs/architecture.md in step with
// the table; -update rewrites it.
func TestStateDiagram(t *testing.T) {
	doc, err := os.ReadFile(diagramDoc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start, end := strings.Index(text, diagramStart), strings.Index(text, diagramEnd)
	if start < 0 || end < start {
		t.Fatalf("%s has no %q ... %q block", diagramDoc, diagramStart, diagramEnd)
	}
	got := text[start+len(diagramStart) : end]
	want := thankyou.StateDiagram()
	if got == want {
		return
	}
	if !*update {
		t.Fatalf("the state diagram in %s is out of step with the table; run go test ./internal/thankyou -run TestStateDiagram -update\nwant:\n%s\ngot:\n%s", diagramDoc, want, got)
	}
	text = text[:start+len(diagramStart)] + want + text[end:]
	if err := os.WriteFile(diagramDoc, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStateTable checks the table is whole: every transition joins known
// states, every state is reached, open states are the dispatcher's work,
// and the derived properties match what the service promises.
func TestStateTable(t *testing.T) {
	states := thankyou.States()
	reached := map[thankyou.State]bool{}
	for _, tr := range thankyou.Transitions() {
		if tr.From != "" && !tr.From.Valid() || !tr.To.Valid() {
			t.Errorf("%v joins an unknown state", tr)
		}
		if tr.From != "" && !tr.From.Open() && tr.By != thankyou.MoveStatus && tr.By != thankyou.MoveCallEnd && tr.By != thankyou.MoveRetry {
			t.Errorf("%v leaves a final state by %q: only Twilio's callbacks and an operator's retry may", tr, tr.By)
		}
		reached[tr.To] = true
	}
	for _, st := range states {
		if !reached[st] {
			t.Errorf("no transition reaches %s", st)
		}
		if st.Open() == st.Final() {
			t.Errorf("%s: open %v and final %v", st, st.Open(), st.Final())
		}
		if got, err := thankyou.ParseState(" " + strings.ToUpper(string(st)) + " "); err != nil || got != st {
			t.Errorf("ParseState(%s) = %q, %v", st, got, err)
		}
	}
	for _, bad := range []string{"", "needs_attention", "done", "pending,sent"} {
		if _, err := thankyou.ParseState(bad); err == nil {
			t.Errorf("ParseState(%q) accepted", bad)
		}
	}
	var open, retryable, ranked []thankyou.State
	for _, st := range states {
		if st.Open() {
			open = append(open, st)
		}
		if st.Retryable() {
			retryable = append(retryable, st)
		}
		if st.Rank() > 0 {
			ranked = append(ranked, st)
		}
	}
	for _, c := range []struct {
		name      string
		got, want []thankyou.State
	}{
		{"open", open, []thankyou.State{thankyou.StateAwaitingFulfilment, thankyou.StatePending, thankyou.StateSending, thankyou.StateReminded}},
		{"retryable", retryable, []thankyou.State{thankyou.StateUndelivered, thankyou.StateFailed, thankyou.StateExpired}},
		{"ranked", ranked, []thankyou.State{thankyou.StateSent, thankyou.StateDelivered, thankyou.StateUndelivered, thankyou.StateFailed}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s states = %v, want %v", c.name, c.got, c.want)
		}
	}
	if thankyou.StateSent.Rank() >= thankyou.StateDelivered.Rank() {
		t.Error("sent must rank before delivered")
	}
	if thankyou.State("bogus").Valid() || thankyou.State("bogus").Final() || thankyou.State("bogus").Open() {
		t.Error("an unknown state is neither valid, open nor final")
	}
}

// TestCancellableFollowsTheTable: what an operator may cancel (the tool
// and the dashboard ask Cancellable) is what the table lets a cancellation
// end, plus sending, where the cancellation waits for the dispatcher.
func TestCancellableFollowsTheTable(t *testing.T) {
	for _, s := range thankyou.States() {
		want := s == thankyou.StateSending
		for _, tr := range thankyou.Transitions() {
			if tr.From == s && tr.To == thankyou.StateCancelled && tr.By == thankyou.MoveCancel {
				want = true
			}
		}
		if got := s.Cancellable(); got != want {
			t.Errorf("%s.Cancellable() = %v, want %v", s, got, want)
		}
	}
	for _, s := range []thankyou.State{thankyou.StatePending, thankyou.StateReminded, thankyou.StateAwaitingFulfilment, thankyou.StateSending} {
		if !s.Cancellable() {
			t.Errorf("%s is not cancellable: an order cancelled before its thank-you must stop it", s)
		}
	}
	for _, s := range []thankyou.State{thankyou.StateSent, thankyou.StateDelivered, thankyou.StateCalled, thankyou.StateCancelled, thankyou.StateHeldOut} {
		if s.Cancellable() {
			t.Errorf("%s is cancellable, but it is over", s)
		}
	}
}
