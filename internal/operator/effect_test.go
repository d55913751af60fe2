package operator_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

const effectShopID = "effect.myshopify.com"

func TestHoldoutIsSetWithASaltSharedAcrossTheShopsSourcesAndNeverShown(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	for _, line := range []string{
		"shops put --source shopify --id " + effectShopID + " --name E --secret-ref env:E --holdout 10%",
		"shops put --source generic --id " + effectShopID + " --name E --secret-ref env:E",
		"shops put --source shopify --id " + effectShopID + " --holdout 2.5%",
	} {
		if err := run(t, tool, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	a, err := store.GetShop(ctx, thankyou.SourceShopify, effectShopID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.GetShop(ctx, thankyou.SourceGeneric, effectShopID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Holdout != 250 || b.Holdout != 0 || len(a.Salt) != 2*effect.SaltSize || a.Salt != b.Salt {
		t.Fatalf("shops: %v %q, %v %q; want 2.5%% and 0%% under one salt", a.Holdout, a.Salt, b.Holdout, b.Salt)
	}
	out.Reset()
	for _, line := range []string{"shops list --json", "shops get --source shopify --id " + effectShopID, "shops get --source shopify --json --id " + effectShopID} {
		if err := run(t, tool, line); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(out.String(), a.Salt) || !strings.Contains(out.String(), "2.5%") {
		t.Errorf("shops output shows the salt, or not the holdout:\n%s", out)
	}
	if err := run(t, tool, "shops put --source shopify --id "+effectShopID+" --holdout 60%"); err == nil {
		t.Error("a 60% holdout was accepted")
	}
}

func TestEffectReportsPlotsAndForgetsAnErasedCustomer(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	if err := run(t, tool, "shops put --source shopify --id "+effectShopID+" --name E --secret-ref env:E --holdout 50%"); err != nil {
		t.Fatal(err)
	}
	sh, err := store.GetShop(ctx, thankyou.SourceShopify, effectShopID)
	if err != nil {
		t.Fatal(err)
	}
	day0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	const customers = 30
	for i := range customers {
		for j := range 1 + i%2 {
			o := thankyou.Order{Source: thankyou.SourceShopify, Shop: effectShopID, ID: fmt.Sprintf("%d-%d", i, j),
				Phone: fmt.Sprintf("+1212555%04d", i), Total: "40.00", Currency: "USD", CreatedAt: day0.Add(time.Duration(j*10*24) * time.Hour)}
			tk := thankyou.Task{ID: o.TaskID(), Order: o, Channel: thankyou.ChannelSMS, State: thankyou.StatePending, CreatedAt: o.CreatedAt}
			if _, err := store.LinkOrder(ctx, sh, tk); err != nil {
				t.Fatal(err)
			}
		}
	}
	plot := filepath.Join(t.TempDir(), "effect.svg")
	out.Reset()
	if err := run(t, tool, "effect --source shopify --shop "+effectShopID+" --since 2026-03-01 --within 60d --json --plot "+plot); err != nil {
		t.Fatal(err)
	}
	var rep effect.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	total := func(r effect.Report) (n, k int) {
		for _, g := range r.Groups {
			n, k = n+g.Customers, k+g.Repeaters
		}
		return n, k
	}
	if n, k := total(rep); n != customers || k != customers/2 || rep.WithinDays != 60 || len(rep.Comparisons) != 1 || rep.Comparisons[0].Verdict == "" {
		t.Errorf("report: %d customers, %d repeaters, %+v", n, k, rep)
	}
	f, err := os.Open(plot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for dec := xml.NewDecoder(f); ; {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("the plot is not valid XML: %v", err)
		}
	}

	// The first customer (a repeater) is erased: they leave the figures.
	if err := run(t, tool, "customers erase --source shopify --shop "+effectShopID+" --phone +12125550001 --yes"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t, tool, "effect --source shopify --shop "+effectShopID+" --since 2026-03-01 --within 60d --json"); err != nil {
		t.Fatal(err)
	}
	var after effect.Report
	if err := json.Unmarshal(out.Bytes(), &after); err != nil {
		t.Fatal(err)
	}
	if n, k := total(after); n != customers-1 || k != customers/2-1 {
		t.Errorf("after the erasure: %d customers, %d repeaters; want %d and %d", n, k, customers-1, customers/2-1)
	}
	out.Reset()
	if err := run(t, tool, "effect --source shopify --shop "+effectShopID+" --since 2026-03-01"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "REPEAT RATE") || !strings.Contains(out.String(), "sms: ") {
		t.Errorf("text report:\n%s", out)
	}
}
