package dashboard

import (
	"context"
	"time"
)

// Replies is where the Replies page reads customer conversations. The
// page, and its link, exist only when Options.Replies is set.
type Replies interface {
	// Conversations returns the conversations to show, any order (the
	// page puts those needing attention first, then the latest).
	Conversations(ctx context.Context) ([]Conversation, error)
}

// Conversation is one customer's replies to a thank-you. Phone is the
// customer's number in E.164 (the page masks it); FirstName their first
// name only.
type Conversation struct {
	TaskID         string
	FirstName      string
	Phone          string
	NeedsAttention bool
	Messages       []Reply
}

// Reply is one message of a conversation: Inbound from the customer, else
// from the shop.
type Reply struct {
	At      time.Time
	Inbound bool
	Text    string
}

// Effect is where the Effect page reads the effect report. The page, and
// its link, exist only when Options.Effect is set and ok is true.
type Effect interface {
	EffectReport(ctx context.Context, now time.Time) (r EffectReport, ok bool, err error)
}

// EffectReport is the repeat-purchase comparison: the share of customers
// who ordered again, thanked against not thanked, over time, and the
// report's verdict in words.
type EffectReport struct {
	Verdict string
	Points  []EffectPoint
}

// EffectPoint is one period of the chart: rates between 0 and 1.
type EffectPoint struct {
	Label            string
	Thanked, Control float64
}
