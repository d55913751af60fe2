package operator

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// privacyView is an erasure request as the tool prints it: never the
// customer's data, only what was asked and how far it got.
type privacyView struct {
	Source      string `json:"source"`
	Shop        string `json:"shop"`
	Kind        string `json:"kind"` // "customer" or "shop"
	State       string `json:"state"`
	RequestedAt string `json:"requestedAt"`
	FinishedAt  string `json:"finishedAt,omitempty"`
	Erased      int    `json:"erased"`
	Runs        int    `json:"runs"`
	InProgress  bool   `json:"inProgress,omitempty"`
	LastError   string `json:"lastError,omitempty"`
}

func newPrivacyView(r dynamo.PrivacyRequest) privacyView {
	v := privacyView{
		Source: string(r.Source), Shop: r.Shop, Kind: "customer", State: r.State,
		RequestedAt: r.RequestedAt.UTC().Format(time.RFC3339), Erased: r.Erased, Runs: r.Runs,
		InProgress: r.HasCursor, LastError: r.LastError,
	}
	if r.Kind == thankyou.DeliveryShopRedact {
		v.Kind = "shop"
	}
	if !r.FinishedAt.IsZero() {
		v.FinishedAt = r.FinishedAt.UTC().Format(time.RFC3339)
	}
	return v
}

// privacyList lists the erasure requests the order webhook recorded:
// pending ones (carried out by the dispatcher's next runs) and finished
// ones (kept until the retention ends).
func (t *Tool) privacyList(ctx context.Context, args []string) error {
	fs := newFlags("privacy list")
	pending := fs.Bool("pending", false, "")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	reqs, err := t.Store.PrivacyRequests(ctx, *pending)
	if err != nil {
		return fmt.Errorf("list privacy requests: %w", err)
	}
	views := make([]privacyView, len(reqs))
	for i, r := range reqs {
		views[i] = newPrivacyView(r)
	}
	if *asJSON {
		return writeJSON(t.Out, views)
	}
	if len(views) == 0 {
		fmt.Fprintln(t.Out, "No privacy requests.")
		return nil
	}
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUESTED\tSOURCE\tSHOP\tERASE\tSTATE\tERASED\tRUNS\tFINISHED\tLAST ERROR")
	for _, v := range views {
		state := v.State
		if v.InProgress {
			state += " (part-way)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", v.RequestedAt, v.Source, v.Shop, v.Kind, state, v.Erased, v.Runs, v.FinishedAt, v.LastError)
	}
	return tw.Flush()
}

// privacyGroup is the privacy commands with their usage.
func privacyGroup() Group {
	return Group{
		Name:  "privacy",
		Title: "Privacy requests (erasures the platforms asked for, carried out by the dispatcher)",
		Commands: []Command{
			{Name: "privacy list", Usage: `privacy list [--pending] [--json]
           each request: shop, customer or whole shop, pending or done, items erased so far,
           finished when, the last run's error. Never the customer's data.
`, run: (*Tool).privacyList},
		},
	}
}
