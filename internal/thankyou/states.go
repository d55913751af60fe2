package thankyou

import (
	"fmt"
	"slices"
	"strings"
)

// This file is the task state machine, as one table: every state with its
// properties, and every move between states with what makes it. The store's
// conditions, the operators' tool, the metrics and the state diagram in
// docs/architecture.md are read from it.

// stateInfo is what the machine knows of one state.
type stateInfo struct {
	State State
	// Open: the task is still in progress (in the due index, to be sent or
	// followed up, or waiting for its fulfilment). A state that is not open
	// is final for the dispatcher.
	Open bool
	// Rank orders the states a Twilio message goes through (sent before
	// delivered, undelivered or failed); 0 for states that are not
	// Twilio's.
	Rank int
}

// states lists every task state, in the order a task meets them.
var states = []stateInfo{
	{State: StateAwaitingFulfilment, Open: true},
	{State: StatePending, Open: true},
	{State: StateSending, Open: true},
	{State: StateReminded, Open: true},
	{State: StateSent, Rank: 1},
	{State: StateDelivered, Rank: 2},
	{State: StateUndelivered, Rank: 2},
	{State: StateFailed, Rank: 2},
	{State: StateCalled},
	{State: StateSkipped},
	{State: StateOptedOut},
	{State: StateExpired},
	{State: StateCancelled},
	{State: StateHeldOut},
}

// Move is what makes a task change state.
type Move string

// The moves of the state machine.
const (
	MoveCreate  Move = "create"      // the order webhook writes the task (From is "")
	MoveTrigger Move = "trigger"     // the fulfilment or delivery happened
	MoveClaim   Move = "claim"       // a dispatcher takes it under a lease (again, once the lease expired)
	MoveDefer   Move = "defer"       // the dispatcher puts it back for later (or to its SMS fallback)
	MoveRemind  Move = "remind"      // a staff call's reminder went out
	MoveFinish  Move = "finish"      // the dispatcher ends it
	MoveStatus  Move = "status"      // Twilio's status callback
	MoveReply   Move = "staff reply" // a staff member's DONE or SKIP, or the customer's STOP
	MoveCallEnd Move = "call ended"  // the automated call ended: answered, or its SMS fallback
	MoveCancel  Move = "cancel"      // the order was cancelled or refunded
	MoveRetry   Move = "retry"       // an operator sends it again
)

// Transition is one allowed move of a task from one state to another.
type Transition struct {
	From, To State
	By       Move
}

// transitions is every allowed move. (Besides these, a Twilio status
// callback repairs any open task whose message SID nothing recorded: it
// takes the callback's status, delivered say when that callback came
// before "sent".)
var transitions = []Transition{
	{"", StatePending, MoveCreate},
	{"", StateAwaitingFulfilment, MoveCreate},
	{"", StateHeldOut, MoveCreate},
	{"", StateCancelled, MoveCreate},

	{StateAwaitingFulfilment, StatePending, MoveTrigger},

	{StatePending, StateSending, MoveClaim},
	{StateReminded, StateSending, MoveClaim},
	{StateSending, StateSending, MoveClaim},
	{StateAwaitingFulfilment, StateSending, MoveClaim},

	{StateSending, StatePending, MoveDefer},
	{StateSending, StateReminded, MoveRemind},

	{StateSending, StateSent, MoveFinish},
	{StateSending, StateFailed, MoveFinish},
	{StateSending, StateSkipped, MoveFinish},
	{StateSending, StateOptedOut, MoveFinish},
	{StateSending, StateExpired, MoveFinish},
	{StateSending, StateCancelled, MoveFinish},

	// An SMS sent with a status callback is left in sending for its
	// first callback ("sent") to record.
	{StateSending, StateSent, MoveStatus},
	{StateSent, StateDelivered, MoveStatus},
	{StateSent, StateUndelivered, MoveStatus},
	{StateSent, StateFailed, MoveStatus},

	{StateReminded, StateCalled, MoveReply},
	{StateReminded, StateSkipped, MoveReply},
	{StateReminded, StateOptedOut, MoveReply},
	{StateSending, StateCalled, MoveReply},
	{StateSending, StateSkipped, MoveReply},
	{StateSending, StateOptedOut, MoveReply},
	{StatePending, StateCalled, MoveReply},
	{StatePending, StateSkipped, MoveReply},
	{StatePending, StateOptedOut, MoveReply},

	{StateSent, StateCalled, MoveCallEnd},
	{StateSent, StatePending, MoveCallEnd},

	{StateAwaitingFulfilment, StateCancelled, MoveCancel},
	{StatePending, StateCancelled, MoveCancel},
	{StateReminded, StateCancelled, MoveCancel},

	{StateFailed, StatePending, MoveRetry},
	{StateExpired, StatePending, MoveRetry},
	{StateUndelivered, StatePending, MoveRetry},
}

// States returns every task state, in the order a task meets them.
func States() []State {
	out := make([]State, len(states))
	for i, s := range states {
		out[i] = s.State
	}
	return out
}

// Transitions returns every allowed move between states.
func Transitions() []Transition { return slices.Clone(transitions) }

func (s State) info() (stateInfo, bool) {
	for _, i := range states {
		if i.State == s {
			return i, true
		}
	}
	return stateInfo{}, false
}

// Valid reports whether s is a task state.
func (s State) Valid() bool {
	_, ok := s.info()
	return ok
}

// Open reports whether the task is still in progress: in the due index,
// to be sent or followed up, or waiting for its fulfilment.
func (s State) Open() bool {
	i, _ := s.info()
	return i.Open
}

// Final reports whether the dispatcher is done with a task in state s (a
// valid state that is not open). Twilio's callbacks or an operator's retry
// may still move some of them.
func (s State) Final() bool { return s.Valid() && !s.Open() }

// Rank orders the states a Twilio message goes through: 1 for sent, 2 for
// delivered, undelivered or failed, 0 for states that are not Twilio's.
func (s State) Rank() int {
	i, _ := s.info()
	return i.Rank
}

// Retryable reports whether an operator may send a task in state s again:
// it ended without reaching the recipient (failed, expired or undelivered).
// A task that was sent or delivered is never sent again.
func (s State) Retryable() bool { return s.Can(MoveRetry, StatePending) }

// Cancellable reports whether an operator may cancel a task in state s:
// the states the table lets a cancellation end, and sending, where the
// cancellation is recorded for the dispatcher that holds the task.
func (s State) Cancellable() bool { return s.Can(MoveCancel, StateCancelled) || s == StateSending }

// Can reports whether move by takes a task from state s to state to.
func (s State) Can(by Move, to State) bool {
	return slices.Contains(transitions, Transition{From: s, To: to, By: by})
}

// From returns the states that move by leaves from, in table order.
func (m Move) From() []State {
	var out []State
	for _, t := range transitions {
		if t.By == m && t.From != "" && !slices.Contains(out, t.From) {
			out = append(out, t.From)
		}
	}
	return out
}

// ParseState reads a task state's name (any case, spaces around ignored).
func ParseState(s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		return "", fmt.Errorf("%q is not a task state", s)
	}
	return st, nil
}

// StateDiagram draws the state machine as a Mermaid stateDiagram, one
// line per transition, labelled with its move.
func StateDiagram() string {
	var b strings.Builder
	b.WriteString("```mermaid\nstateDiagram-v2\n")
	for _, t := range transitions {
		from := string(t.From)
		if from == "" {
			from = "[*]"
		}
		fmt.Fprintf(&b, "    %s --> %s: %s\n", from, t.To, t.By)
	}
	for _, s := range states {
		if !s.Open && !slices.ContainsFunc(transitions, func(t Transition) bool { return t.From == s.State }) {
			fmt.Fprintf(&b, "    %s --> [*]\n", s.State)
		}
	}
	b.WriteString("```\n")
	return b.String()
}
