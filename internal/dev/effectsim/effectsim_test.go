package effectsim_test

import (
	"context"
	"math"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/effectsim"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/effect"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// TestTheStoreGivesTheReportOfTheSimulation plays a simulated shop through
// the store's real effect calls on dynalite: the store draws every
// customer's group as the simulation did, and the report built from what
// it stored is the report of the simulation itself.
func TestTheStoreGivesTheReportOfTheSimulation(t *testing.T) {
	shop := effectsim.Demo()
	shop.Customers, shop.Holdout = 600, 3000
	cs := effectsim.Generate(shop)
	client, table := dynamotest.NewTable(t)
	store := dynamo.New(client, table, dynamo.Options{})
	played, err := effectsim.Play(context.Background(), store, shop, "sim-shop", cs)
	if err != nil {
		t.Fatal(err)
	}
	if played.Mismatched != 0 || played.HeldOut == 0 || played.Repeats == 0 || played.Cancelled == 0 {
		t.Fatalf("played %+v: want every group drawn alike, some held out, repeats and cancellations", played)
	}
	links, err := store.EffectLinks(context.Background(), "sim-shop")
	if err != nil {
		t.Fatal(err)
	}
	opts := effect.Options{Since: shop.Start, Now: shop.End(), Within: shop.Within, Resamples: 200}
	got, want := effect.Build(links, opts), effect.Build(effectsim.Links(cs), opts)
	if len(got.Groups) != len(want.Groups) || len(got.Comparisons) != len(want.Comparisons) {
		t.Fatalf("stored: %d groups, %d comparisons; simulated: %d, %d", len(got.Groups), len(got.Comparisons), len(want.Groups), len(want.Comparisons))
	}
	for i, g := range got.Groups {
		w := want.Groups[i]
		if g.Name != w.Name || g.Customers != w.Customers || g.Repeaters != w.Repeaters || math.Abs(g.OrdersPerCustomer-w.OrdersPerCustomer) > 1e-9 ||
			len(g.Revenue) != 1 || math.Abs(g.Revenue[0].PerCustomer-w.Revenue[0].PerCustomer) > 1e-6 {
			t.Errorf("group %s: stored %+v\nsimulated %+v", w.Name, g, w)
		}
	}
	for i, c := range got.Comparisons {
		if c.Verdict != want.Comparisons[i].Verdict {
			t.Errorf("%s: stored %q, simulated %q", c.Channel, c.Verdict, want.Comparisons[i].Verdict)
		}
	}
}

// BenchmarkEffectReport builds the demo shop's report (4,000 customers,
// three channels, 2,000 bootstrap resamples per revenue interval).
func BenchmarkEffectReport(b *testing.B) {
	shop := effectsim.Demo()
	links := effectsim.Links(effectsim.Generate(shop))
	b.ResetTimer()
	for range b.N {
		effect.Build(links, effect.Options{Since: shop.Start, Now: shop.End(), Within: shop.Within})
	}
}
