package effect_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/effectsim"
	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestHoldoutIsStableAndCloseToTheSharePerChannel(t *testing.T) {
	const n = 100_000
	share := thankyou.Share(1000)
	for _, c := range []thankyou.Channel{thankyou.ChannelSMS, thankyou.ChannelCall, thankyou.ChannelStaff} {
		held, moved := 0, 0
		for i := range n {
			key := effect.CustomerKeys("salt-a", thankyou.Order{Phone: fmt.Sprintf("+1555%07d", i)}).Primary()
			h := effect.HeldOut("salt-a", c, key, share)
			if h {
				held++
			}
			if h != effect.HeldOut("salt-a", c, key, share) {
				t.Fatalf("%s: customer %d drew two different groups", c, i)
			}
			if h != effect.HeldOut("salt-b", c, key, share) {
				moved++
			}
		}
		if got := float64(held) / n; math.Abs(got-share.Fraction()) > 0.01 {
			t.Errorf("%s: %.4f held out, want %.2f ± 0.01", c, got, share.Fraction())
		}
		if moved == 0 {
			t.Errorf("%s: another salt gives the very same groups", c)
		}
	}
}

func TestHoldoutNeverHoldsOutWithoutAShareOrAKey(t *testing.T) {
	for i := range 1000 {
		if effect.HeldOut("s", thankyou.ChannelSMS, fmt.Sprint(i), 0) {
			t.Fatal("held out under a 0% share")
		}
	}
	if effect.HeldOut("s", thankyou.ChannelSMS, "", thankyou.MaxShare) {
		t.Fatal("a customer without a key was held out")
	}
}

func TestCustomerKeysHoldNoClearValue(t *testing.T) {
	o := thankyou.Order{Phone: "+15551234567", Email: " Ann@Example.com "}
	k := effect.CustomerKeys("salt", o)
	if k.Primary() != k.Phone || len(k.All()) != 2 {
		t.Fatalf("keys %+v: want the phone's first and both", k)
	}
	if k.Email != effect.CustomerKeys("salt", thankyou.Order{Email: "ann@example.com"}).Email {
		t.Error("the email key depends on case or spaces")
	}
	for _, s := range k.All() {
		if strings.Contains(s, "5551234567") || strings.Contains(strings.ToLower(s), "ann") {
			t.Errorf("key %q holds a clear value", s)
		}
	}
	if k.Phone == effect.CustomerKeys("other", o).Phone {
		t.Error("the key does not depend on the shop's salt")
	}
}

func FuzzParseWithin(f *testing.F) {
	for _, s := range []string{"90d", "1d", "730d", "0d", "d", "90"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := effect.ParseWithin(s)
		if err == nil && (d < 24*time.Hour || d > 730*24*time.Hour) {
			t.Fatalf("ParseWithin(%q) = %v, out of range", s, d)
		}
	})
}

// The published examples of Newcombe (1998): 81/263 (Wilson interval
// 0.2553 to 0.3662) and 56/70 - 48/80 (hybrid score interval 0.0524 to
// 0.3339).
func TestIntervalsMatchPublishedValues(t *testing.T) {
	w := effect.Wilson(81, 263)
	if math.Abs(w.Low-0.2553) > 1e-4 || math.Abs(w.High-0.3662) > 1e-4 {
		t.Errorf("Wilson(81, 263) = %+v, want 0.2553 to 0.3662", w)
	}
	d := effect.Newcombe(56, 70, 48, 80)
	if math.Abs(d.Low-0.0524) > 1e-4 || math.Abs(d.High-0.3339) > 1e-4 {
		t.Errorf("Newcombe(56/70 - 48/80) = %+v, want 0.0524 to 0.3339", d)
	}
}

// 20% against 23%, 5% two-sided, 80% power: the textbook formula gives
// 2,943 per group.
func TestSampleSize(t *testing.T) {
	if got := effect.SampleSize(0.20, 0.03); got != 2943 {
		t.Errorf("SampleSize(0.20, 0.03) = %d, want 2943", got)
	}
	if a, b := effect.SampleSize(0.2, 0.05), effect.SampleSize(0.2, 0.03); a >= b {
		t.Errorf("a larger difference needs more customers: %d >= %d", a, b)
	}
}

func TestBootstrapIsReproducibleAndCoversTheDifference(t *testing.T) {
	a, b := make([]float64, 500), make([]float64, 500)
	for i := range a {
		a[i], b[i] = float64(i%10)+2, float64(i%10)
	}
	x, y := effect.BootstrapDiff(a, b, 2000), effect.BootstrapDiff(a, b, 2000)
	if x != y {
		t.Fatalf("two bootstraps of the same data differ: %+v, %+v", x, y)
	}
	if !x.Contains(2) || x.High-x.Low > 1 {
		t.Errorf("interval %+v: want a narrow one around 2", x)
	}
}

var day = 24 * time.Hour

func TestOnlyRealRepeatsInsideAPassedWindowCount(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	now := start.Add(200 * day)
	links := []effect.Link{
		{Channel: "sms", First: start, Orders: []effect.Order{{At: start.Add(10 * day), Amount: 20, Currency: "EUR"}, {At: start.Add(20 * day), Amount: 5, Currency: "USD"}}},
		{Channel: "sms", First: start, Orders: []effect.Order{{At: start.Add(5 * day), Amount: 30, Currency: "EUR", Cancelled: true}}},
		{Channel: "sms", First: start, Orders: []effect.Order{{At: start.Add(95 * day), Amount: 30, Currency: "EUR"}}},
		{Channel: "sms", HeldOut: true, First: start, Orders: []effect.Order{{At: start.Add(89 * day), Amount: 10, Currency: "EUR"}}},
		{Channel: "sms", HeldOut: true, First: now.Add(-30 * day)},   // still waiting
		{Channel: "sms", HeldOut: true, First: start.Add(-30 * day)}, // before since
	}
	rep := effect.Build(links, effect.Options{Since: start, Now: now, Within: 90 * day})
	if rep.Waiting != 1 || len(rep.Groups) != 2 {
		t.Fatalf("waiting %d, groups %d; want 1 and 2", rep.Waiting, len(rep.Groups))
	}
	sms, held := rep.Groups[0], rep.Groups[1]
	if sms.Customers != 3 || sms.Repeaters != 1 || math.Abs(sms.OrdersPerCustomer-2.0/3) > 1e-9 {
		t.Errorf("sms: %d customers, %d repeaters, %.3f orders each; want 3, 1, 0.667", sms.Customers, sms.Repeaters, sms.OrdersPerCustomer)
	}
	if len(sms.Revenue) != 2 || math.Abs(sms.Revenue[0].PerCustomer-20.0/3) > 1e-9 || sms.Revenue[1].Currency != "USD" {
		t.Errorf("sms revenue %+v: want EUR 6.67, USD 1.67", sms.Revenue)
	}
	if held.Customers != 1 || held.Repeaters != 1 || held.Curve[88].Rate != 0 || held.Curve[89].Rate != 1 {
		t.Errorf("held out: %+v", held)
	}
}

func TestVerdicts(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	first := now.Add(-120 * day)
	group := func(c thankyou.Channel, held bool, n, k int) []effect.Link {
		var ls []effect.Link
		for i := range n {
			l := effect.Link{Channel: c, HeldOut: held, First: first}
			if i < k {
				l.Orders = []effect.Order{{At: first.Add(day), Amount: 10, Currency: "EUR"}}
			}
			ls = append(ls, l)
		}
		return ls
	}
	for _, tc := range []struct {
		name  string
		links []effect.Link
		want  string
	}{
		{"clear lift", append(group("staff", false, 2000, 600), group("staff", true, 2000, 400)...), "the staff call brings 10.0 more repeat customers per 100 (95% CI 7."},
		{"too few", append(group("sms", false, 300, 63), group("sms", true, 100, 20)...), "not enough data yet: about 2,800 more customers per group to detect a 3-point difference"},
		{"no holdout", group("call", false, 50, 5), "no held-out customers to compare the automated call with yet"},
	} {
		rep := effect.Build(tc.links, effect.Options{Now: now, Resamples: 200})
		if len(rep.Comparisons) != 1 || !strings.HasPrefix(rep.Comparisons[0].Verdict, tc.want) {
			t.Errorf("%s: verdicts %+v, want one starting %q", tc.name, rep.Comparisons, tc.want)
		}
	}
}

// The report recovers the simulated shop's true lift: each channel's 95%
// interval covers it in at least 93 of 100 seeded simulations.

func TestIntervalCoversTheSimulatedEffect(t *testing.T) {
	shop := effectsim.Demo()

	covered := map[thankyou.Channel]int{}
	for seed := range uint64(100) {
		shop.Seed = seed + 1
		rep := effect.Build(effectsim.Links(effectsim.Generate(shop)), effect.Options{Since: shop.Start, Now: shop.End(), Within: shop.Within, Resamples: 1})
		for _, c := range rep.Comparisons {
			if c.CI.Contains(100 * shop.Lift[c.Channel]) {
				covered[c.Channel]++
			}
		}
	}
	for _, c := range shop.Channels {
		t.Logf("%s: the interval covers the true lift of %.0f points in %d of 100 simulations", c, 100*shop.Lift[c], covered[c])
		if covered[c] < 93 {
			t.Errorf("%s: covered in %d of 100 simulations, want at least 93", c, covered[c])
		}
	}
}

// validSVG parses r to its end and returns its root element and how many
// polylines it draws.
func validSVG(t *testing.T, r io.Reader) (root string, lines int) {
	t.Helper()
	dec := xml.NewDecoder(r)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, lines
		}
		if err != nil {
			t.Fatalf("the SVG is not valid XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local + " " + se.Name.Space
			}
			if se.Name.Local == "polyline" {
				lines++
			}
		}
	}
}

// The plot the documentation shows (make effect-demo) is a valid SVG with
// six groups.
func TestTheDocumentedPlotIsValid(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "docs", "effect-demo.svg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if root, lines := validSVG(t, f); root != "svg http://www.w3.org/2000/svg" || lines != 6 {
		t.Errorf("docs/effect-demo.svg: root %q with %d lines, want an svg with 6", root, lines)
	}
}

func TestSVGIsValidXML(t *testing.T) {
	shop := effectsim.Demo()
	rep := effect.Build(effectsim.Links(effectsim.Generate(shop)), effect.Options{Since: shop.Start, Now: shop.End(), Resamples: 100})
	rep.Groups[0].Name = `<sms & "co">` // escaped, not markup
	var buf bytes.Buffer
	if err := effect.WriteSVG(&buf, rep); err != nil {
		t.Fatal(err)
	}
	root, lines := validSVG(t, &buf)
	if root != "svg http://www.w3.org/2000/svg" || lines != len(rep.Groups) {
		t.Errorf("root %q with %d lines; want an svg with one line per group (%d)", root, lines, len(rep.Groups))
	}
}

func TestOnlyTasksToBeThankedAreDrawn(t *testing.T) {
	for s, want := range map[thankyou.State]bool{
		thankyou.StatePending: true, "awaiting_something": true,
		thankyou.StateSkipped: false, thankyou.StateExpired: false, thankyou.StateHeldOut: false, thankyou.StateCancelled: false,
	} {
		if got := effect.ToBeThanked(s); got != want {
			t.Errorf("ToBeThanked(%s) = %v, want %v", s, got, want)
		}
	}
}
