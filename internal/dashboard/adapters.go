package dashboard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// ConversationWindow is how far back the Replies page looks for tasks
// with a conversation, and EffectWindow how far back the Effect page
// counts first orders.
const (
	ConversationWindow = 40 * 24 * time.Hour
	EffectWindow       = 365 * 24 * time.Hour
)

// StoreReplies reads the Replies page's conversations from the tasks the
// tool's store holds: every task of the last ConversationWindow with at
// least one message (a Scan, as the Today page's).
type StoreReplies struct {
	Store operator.Store
	Now   func() time.Time
}

// Conversations implements Replies.
func (r StoreReplies) Conversations(ctx context.Context) ([]Conversation, error) {
	q := dynamo.TaskQuery{CreatedFrom: r.Now().Add(-ConversationWindow)}
	var out []Conversation
	err := r.Store.ScanTasks(ctx, q, nil, func(t thankyou.Task) error {
		if len(t.Conversation) == 0 {
			return nil
		}
		c := Conversation{TaskID: t.ID, FirstName: t.Order.FirstName, Phone: t.Order.Phone, NeedsAttention: t.NeedsAttention}
		for _, e := range t.Conversation {
			c.Messages = append(c.Messages, Reply{At: e.At, Inbound: e.From == thankyou.SpeakerCustomer, Text: e.Text})
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	return out, nil
}

// StoreEffect reads the Effect page's report from the customer links of
// every shop with a holdout: the first orders of the last EffectWindow,
// each followed for effect.DefaultWithin. The chart shows the channel with
// the most measured customers: its thanked customers against those held
// out of it; the verdict lists every shop's channels.
type StoreEffect struct {
	Store operator.Store
}

// EffectReport implements Effect. ok is false when no shop has a holdout
// or no customer has been measured yet.
func (e StoreEffect) EffectReport(ctx context.Context, now time.Time) (EffectReport, bool, error) {
	shops, err := e.Store.ListShops(ctx)
	if err != nil {
		return EffectReport{}, false, fmt.Errorf("effect report: %w", err)
	}
	var (
		verdicts []string
		best     []EffectPoint
		bestN    int
		seen     = map[string]bool{}
	)
	for _, sh := range shops {
		// A shop's links are shared by its sources: read each id once.
		if sh.Holdout <= 0 || seen[sh.ID] {
			continue
		}
		seen[sh.ID] = true
		links, err := e.Store.EffectLinks(ctx, sh.ID)
		if err != nil {
			return EffectReport{}, false, fmt.Errorf("effect report of %s: %w", sh.ID, err)
		}
		if len(links) == 0 {
			continue
		}
		rep := effect.Build(links, effect.Options{Since: now.Add(-EffectWindow), Until: now, Within: effect.DefaultWithin, Now: now})
		for _, c := range rep.Comparisons {
			verdicts = append(verdicts, fmt.Sprintf("%s: %s", orName(sh), c.Verdict))
		}
		for _, g := range rep.Groups {
			if g.HeldOut || g.Customers <= bestN {
				continue
			}
			i := slices.IndexFunc(rep.Groups, func(h effect.Group) bool { return h.HeldOut && h.Channel == g.Channel })
			if i < 0 {
				continue
			}
			bestN, best = g.Customers, curves(g.Curve, rep.Groups[i].Curve)
		}
	}
	if len(verdicts) == 0 {
		return EffectReport{}, false, nil
	}
	return EffectReport{Verdict: strings.Join(verdicts, "; "), Points: best}, true, nil
}

// curves pairs a thanked group's cumulative repeat rate with its held-out
// group's, day by day, one point a week.
func curves(thanked, control []effect.Point) []EffectPoint {
	var out []EffectPoint
	for i := 0; i < len(thanked) && i < len(control); i += 7 {
		out = append(out, EffectPoint{Label: fmt.Sprintf("day %d", thanked[i].Day), Thanked: thanked[i].Rate, Control: control[i].Rate})
	}
	return out
}

func orName(sh thankyou.Shop) string {
	if sh.Name != "" {
		return sh.Name
	}
	return sh.ID
}
