// Command effectdemo shows what package effect measures on a generated
// shop with a known truth: 4,000 customers over six months, a 10% holdout
// and a true lift in repeat purchases per channel (effectsim.Demo). Every
// order goes through the store's real effect calls (the ones the order
// webhook makes) on dynalite, the report is the operators' own `thankyou
// effect` command, and the last lines say whether each channel's 95%
// interval holds the true lift.
//
//	go run ./infra/effectdemo -plot docs/effect-demo.svg   # make effect-demo
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/dynalite"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/effectsim"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/toolmain"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

const shopID = "effect-demo"

func main() {
	plot := flag.String("plot", "", "write the plot to this SVG file")
	seed := flag.Uint64("seed", effectsim.Demo().Seed, "the simulation's seed")
	flag.Parse()
	toolmain.Exit("effectdemo", 1, run(context.Background(), os.Stdout, *plot, *seed))
}

func run(ctx context.Context, w io.Writer, plot string, seed uint64) error {
	p, err := dynalite.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer p.Stop()
	client := localstack.NewDynamoDBClient(p.Endpoint)
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		return err
	}
	in, err := tpl.CreateTableInput("effect-demo")
	if err != nil {
		return err
	}
	if err := dynamo.CreateTable(ctx, client, in, tpl.TTLAttribute()); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	store := dynamo.New(client, "effect-demo", dynamo.Options{})

	shop := effectsim.Demo()
	shop.Seed = seed
	if err := store.PutShop(ctx, thankyou.Shop{Source: thankyou.SourceGeneric, ID: shopID, Name: "Effect demo", Channel: thankyou.ChannelSMS,
		Holdout: shop.Holdout, Salt: shop.Salt}, shop.Start); err != nil {
		return err
	}
	customers := effectsim.Generate(shop)
	fmt.Fprintf(w, "A generated shop: %d customers from %s over %d months, a %s holdout per channel, a %.0f%% repeat rate within %d days without a thank-you.\n",
		shop.Customers, shop.Start.Format("2006-01-02"), shop.Months, shop.Holdout, 100*shop.Base, int(shop.Within.Hours()/24))
	for _, c := range shop.Channels {
		fmt.Fprintf(w, "  true lift of %-18s %+.0f repeat customers per 100\n", effect.ChannelWords(c)+":", 100*shop.Lift[c])
	}
	started := time.Now()
	played, err := effectsim.Play(ctx, store, shop, shopID, customers)
	if err != nil {
		return err
	}
	if played.Mismatched > 0 {
		return fmt.Errorf("the store drew %d customers' groups differently from the simulation", played.Mismatched)
	}
	fmt.Fprintf(w, "\nEvery order through the store on dynalite: %d orders (%d customers held out, %d repeat orders linked, %d cancelled) in %s.\n\n",
		played.Orders, played.HeldOut, played.Repeats, played.Cancelled, time.Since(started).Round(time.Second))

	tool := &operator.Tool{Store: store, Out: w, Now: shop.End}
	args := []string{"effect", "--source", "generic", "--shop", shopID, "--since", shop.Start.Format("2006-01-02")}
	if plot != "" {
		args = append(args, "--plot", plot)
	}
	fmt.Fprintf(w, "$ thankyou %s\n", strings.Join(args, " "))
	if err := tool.Run(ctx, args); err != nil {
		return err
	}

	links, err := store.EffectLinks(ctx, shopID)
	if err != nil {
		return err
	}
	rep := effect.Build(links, effect.Options{Since: shop.Start, Now: shop.End(), Within: shop.Within})
	fmt.Fprintln(w)
	missed := 0
	for _, c := range rep.Comparisons {
		truth := 100 * shop.Lift[c.Channel]
		verdict := "inside"
		if !c.CI.Contains(truth) {
			verdict, missed = "OUTSIDE", missed+1
		}
		fmt.Fprintf(w, "%-6s true lift %+.1f, measured %+.1f (95%% CI %.1f to %.1f): the truth is %s the interval\n", c.Channel, truth, c.Difference, c.CI.Low, c.CI.High, verdict)
	}
	if plot != "" {
		fmt.Fprintf(w, "plot written to %s\n", plot)
	}
	if missed > 0 {
		// One 95% interval in twenty misses; say so, not fail.
		fmt.Fprintf(w, "(%d of %d intervals miss the truth: about one in twenty does)\n", missed, len(rep.Comparisons))
	}
	return nil
}
