package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// measuredShop stores a shop with a holdout under source and returns it.
func measuredShop(t *testing.T, e env, source thankyou.Source, share thankyou.Share) thankyou.Shop {
	t.Helper()
	sh := thankyou.Shop{Source: source, ID: testShop, Name: "Example", Channel: thankyou.ChannelSMS, Holdout: share, Salt: "0123456789abcdef"}
	if err := e.store.PutShop(context.Background(), sh, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.GetShop(context.Background(), source, testShop)
	if err != nil || got.Holdout != share || got.Salt != sh.Salt {
		t.Fatalf("shop read back: %+v, %v", got, err)
	}
	return got
}

// order returns a task of p's order id placed at, from source, with the
// given phone and email (either may be "").
func order(source thankyou.Source, id, phone, email, total string, at time.Time) thankyou.Task {
	tk := customerTask(testShop, id, person{"Ada Lovelace", "Ada", phone, email}, at)
	tk.Order.Source, tk.Order.Total, tk.Order.Currency = source, total, "EUR"
	tk.ID = tk.Order.TaskID()
	return tk
}

func TestRepeatOrdersLinkThroughPhoneOrEmailAcrossSourcesIgnoringCancelled(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dynamo.Options{})
	shopify := measuredShop(t, e, thankyou.SourceShopify, 1000)
	generic := measuredShop(t, e, thankyou.SourceGeneric, 1000)
	day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		shop       thankyou.Shop
		task       thankyou.Task
		wantLinked bool
		wantRepeat bool
	}{
		{shopify, order(thankyou.SourceShopify, "1", testPhone, testEmail, "50.00", day0), true, false},
		{shopify, order(thankyou.SourceShopify, "1", testPhone, testEmail, "50.00", day0), true, false}, // retried
		{generic, order(thankyou.SourceGeneric, "g-2", "", "ADA@example.com", "20.00", day0.Add(10*24*time.Hour)), true, true},
		{shopify, order(thankyou.SourceShopify, "3", testPhone, "", "30.00", day0.Add(20*24*time.Hour)), true, true},
		{shopify, order(thankyou.SourceShopify, "3", testPhone, "", "30.00", day0.Add(20*24*time.Hour)), true, false}, // retried
		{shopify, order(thankyou.SourceShopify, "4", testPhone, "", "99.00", day0.Add(30*24*time.Hour)), true, true},
		{shopify, order(thankyou.SourceShopify, "5", bob.phone, "", "10.00", day0.Add(time.Hour)), true, false},
	}
	groups := map[bool]int{}
	for i, s := range steps {
		a, err := e.store.LinkOrder(ctx, s.shop, s.task)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if a.Linked != s.wantLinked || a.Repeat != s.wantRepeat {
			t.Errorf("step %d (%s): %+v, want linked %v repeat %v", i, s.task.ID, a, s.wantLinked, s.wantRepeat)
		}
		if i < 6 {
			groups[a.HeldOut]++
		}
	}
	if len(groups) != 1 {
		t.Errorf("one customer's orders fell in both groups: %v", groups)
	}
	if err := e.store.MarkOrderCancelled(ctx, steps[5].task.Order, day0.Add(31*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	links, err := e.store.EffectLinks(ctx, testShop)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 2 {
		t.Fatalf("%d links, want 2 (Ada, Bob): %+v", len(links), links)
	}
	rep := effect.Build(links, effect.Options{Since: day0.Add(-time.Hour), Now: day0.Add(200 * 24 * time.Hour), Resamples: 10})
	var customers, repeaters int
	var revenue float64
	for _, g := range rep.Groups {
		customers += g.Customers
		repeaters += g.Repeaters
		for _, r := range g.Revenue {
			revenue += r.PerCustomer * float64(g.Customers)
		}
	}
	if customers != 2 || repeaters != 1 || revenue != 50 {
		t.Errorf("%d customers, %d repeaters, %.2f EUR of repeats; want 2, 1 and 50.00 (the cancelled 99.00 left out)", customers, repeaters, revenue)
	}
}

func TestSkippedFirstOrderLinksNothing(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	sh := measuredShop(t, e, thankyou.SourceShopify, 1000)
	tk := order(thankyou.SourceShopify, "1", testPhone, testEmail, "5.00", time.Now())
	tk.State = thankyou.StateSkipped
	a, err := e.store.LinkOrder(context.Background(), sh, tk)
	if err != nil || a.Linked {
		t.Fatalf("LinkOrder = %+v, %v; want nothing linked", a, err)
	}
	if links, _ := e.store.EffectLinks(context.Background(), testShop); len(links) != 0 {
		t.Fatalf("links %+v, want none", links)
	}
}

func TestAReturningCustomerKeepsTheirGroupWhenTheShareChanges(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dynamo.Options{})
	sh := measuredShop(t, e, thankyou.SourceShopify, 0)
	day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	first, err := e.store.LinkOrder(ctx, sh, order(thankyou.SourceShopify, "1", testPhone, "", "5.00", day0))
	if err != nil || first.HeldOut {
		t.Fatalf("first order under 0%%: %+v, %v", first, err)
	}
	sh.Holdout = thankyou.MaxShare
	later, err := e.store.LinkOrder(ctx, sh, order(thankyou.SourceShopify, "2", testPhone, "", "5.00", day0.Add(time.Hour)))
	if err != nil || later.HeldOut || later.Share != 0 || !later.Repeat {
		t.Fatalf("later order under 50%%: %+v, %v; want the same group, drawn under 0%%", later, err)
	}
}

func TestHeldOutTaskIsNeverDue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dynamo.Options{})
	tk := order(thankyou.SourceShopify, "1", testPhone, "", "5.00", time.Now())
	tk.State, tk.Reason, tk.DueAt, tk.Deadline, tk.Recipient = thankyou.StateHeldOut, "held out", time.Time{}, time.Time{}, ""
	if created, err := e.store.CreateTask(ctx, tk); err != nil || !created {
		t.Fatalf("CreateTask = %v, %v", created, err)
	}
	ids, err := e.store.DueTaskIDs(ctx, time.Now().Add(10*365*24*time.Hour), 100)
	if err != nil || len(ids) != 0 {
		t.Fatalf("due tasks %v, %v; want none", ids, err)
	}
	got, err := e.store.GetTask(ctx, tk.ID)
	if err != nil || got.State != thankyou.StateHeldOut {
		t.Fatalf("task %+v, %v; want held_out", got, err)
	}
}

func TestAnErasedCustomerLeavesTheFigures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dynamo.Options{})
	sh := measuredShop(t, e, thankyou.SourceShopify, 1000)
	day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tk := range []thankyou.Task{
		order(thankyou.SourceShopify, "1", testPhone, testEmail, "5.00", day0),
		order(thankyou.SourceShopify, "2", "", testEmail, "7.00", day0.Add(24*time.Hour)),
		order(thankyou.SourceShopify, "3", bob.phone, "", "7.00", day0),
	} {
		if _, err := e.store.LinkOrder(ctx, sh, tk); err != nil {
			t.Fatal(err)
		}
	}
	// Erased by email only: the phone's link goes too.
	if _, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, thankyou.Customer{Emails: []string{testEmail}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	links, err := e.store.EffectLinks(ctx, testShop)
	if err != nil || len(links) != 1 || len(links[0].Orders) != 0 {
		t.Fatalf("links after erasure %+v, %v; want Bob's alone", links, err)
	}
	if n := len(effectItems(t, e)); n != 1 {
		t.Errorf("%d effect items left, want Bob's link alone", n)
	}
}

func TestLinkItemsHoldNothingPersonal(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dynamo.Options{})
	sh := measuredShop(t, e, thankyou.SourceShopify, 5000)
	day0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var tasks []thankyou.Task
	for i, p := range []string{testPhone, bob.phone} {
		for j := range 3 {
			tk := order(thankyou.SourceShopify, "order-"+string(rune('a'+i))+string(rune('0'+j)), p, testEmail, "12.00", day0.Add(time.Duration(j)*24*time.Hour))
			tasks = append(tasks, tk)
			if _, err := e.store.LinkOrder(ctx, sh, tk); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := e.store.MarkOrderCancelled(ctx, tasks[1].Order, day0); err != nil {
		t.Fatal(err)
	}
	items := effectItems(t, e)
	if len(items) < 3 {
		t.Fatalf("%d effect items, want links, an alias and a cancellation", len(items))
	}
	personal := []string{testPhone, strings.TrimPrefix(testPhone, "+"), bob.phone, testEmail, "ada", "Ada", "Lovelace", "order-", testShop + ":"}
	for _, it := range items {
		var m map[string]any
		if err := attributevalue.UnmarshalMap(it, &m); err != nil {
			t.Fatal(err)
		}
		flat := strings.ToLower(fmt.Sprint(m))
		for _, p := range personal {
			if strings.Contains(flat, strings.ToLower(p)) {
				t.Errorf("effect item holds %q: %s", p, flat)
			}
		}
	}
}

// effectItems scans the table for the effect items, except the shops'.
func effectItems(t *testing.T, e env) []map[string]types.AttributeValue {
	t.Helper()
	out, err := e.client.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:                 aws.String(e.table),
		FilterExpression:          aws.String("begins_with(pk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "EFFECT#"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Items
}
