package operator

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// applyHoldout sets a shop's holdout share when --holdout was given, and
// gives a shop without a salt one: the salt of the same shop id under
// another source if it has one (so a customer is one customer across the
// shop's sources), else a new one. The salt is never printed.
func (t *Tool) applyHoldout(ctx context.Context, sh *thankyou.Shop, given bool, share string) error {
	if given {
		s, err := thankyou.ParseShare(share)
		if err != nil {
			return fmt.Errorf("%w: --holdout: %s", ErrUsage, thankyou.ErrorMessage(err))
		}
		sh.Holdout = s
	}
	if sh.Salt != "" {
		return nil
	}
	shops, err := t.Store.ListShops(ctx)
	if err != nil {
		return fmt.Errorf("read the shops: %w", err)
	}
	for _, other := range shops {
		if other.ID == sh.ID && other.Salt != "" {
			sh.Salt = other.Salt
			return nil
		}
	}
	sh.Salt, err = effect.NewSalt()
	return err
}

func (t *Tool) effect(ctx context.Context, args []string) error {
	fs := newFlags("effect")
	var (
		src    = fs.String("source", "", "")
		shop   = fs.String("shop", "", "")
		since  = fs.String("since", "", "")
		until  = fs.String("until", "", "")
		within = fs.String("within", "90d", "")
		asJSON = fs.Bool("json", false, "")
		plot   = fs.String("plot", "", "")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	source, shopID, err := shopFlag(*src, *shop, " (see `thankyou shops list`)")
	if err != nil {
		return err
	}
	if *since == "" {
		return fmt.Errorf("%w: --since is required, e.g. `thankyou effect --source shopify --shop ID --since 2026-01-01`", ErrUsage)
	}
	from, before, err := period(*since, *until)
	if err != nil {
		return err
	}
	w, err := effect.ParseWithin(*within)
	if err != nil {
		return fmt.Errorf("%w: --within: %s", ErrUsage, thankyou.ErrorMessage(err))
	}
	if *plot != "" && !strings.HasSuffix(strings.ToLower(*plot), ".svg") {
		return fmt.Errorf("%w: --plot %q: the plot is an SVG file, name it FILE.svg", ErrUsage, *plot)
	}
	if _, err := t.Store.GetShop(ctx, source, shopID); err != nil {
		return describe(err)
	}
	links, err := t.Store.EffectLinks(ctx, shopID)
	if err != nil {
		return fmt.Errorf("read the shop's links: %w", err)
	}
	rep := effect.Build(links, effect.Options{Since: from, Until: before, Within: w, Now: t.Now()})
	if *plot != "" {
		f, err := os.Create(*plot)
		if err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
		err = effect.WriteSVG(f, rep)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(t.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return effect.WriteText(t.Out, rep)
}
