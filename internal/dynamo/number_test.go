package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// numberItem reads a number's item as stored ("OPTOUT#<E.164>").
func (e env) numberItem(t *testing.T, phone string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(e.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "OPTOUT#" + phone}, "sk": &types.AttributeValueMemberS{Value: "OPTOUT"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// putOldOptOut stores an opt-out as every version before the number's
// item held more: phone, keyword and optedOutAt only.
func (e env) putOldOptOut(t *testing.T, phone string) {
	t.Helper()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	_, err := e.client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: map[string]types.AttributeValue{
		"pk": s("OPTOUT#" + phone), "sk": s("OPTOUT"), "phone": s(phone), "keyword": s("STOP"), "optedOutAt": s("2029-01-02T03:04:05Z"),
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAStoredOptOutIsRefusedByTheAdmission(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	for _, max := range []int{1, 3} {
		phone := fmt.Sprintf("+1415555%04d", 100+max)
		e.putOldOptOut(t, phone)
		ok, out, _, err := e.store.AdmitNumber(ctx, phone, "shopify:a:1", max, 24*time.Hour, t0)
		if err != nil || ok || !out {
			t.Errorf("cap %d: admission of a stored opt-out = ok %v, opted out %v, %v; want refused as opted out", max, ok, out, err)
		}
		if got := e.numberItem(t, phone); got["s0"] != nil || got["routeTask"] != nil || got["expiresAt"] != nil {
			t.Errorf("cap %d: a refused admission wrote %v", max, got)
		}
		if o, found, err := e.store.GetOptOut(ctx, phone); err != nil || !found || o.Keyword != "STOP" {
			t.Errorf("cap %d: stored opt-out reads %+v, %v, %v", max, o, found, err)
		}
	}
}

func TestStopAfterASendKeepsTheSlotAndRouteAndRefusesTheNext(t *testing.T) {
	for _, stop := range []struct {
		name string
		do   func(s *dynamo.Store, phone string, now time.Time) error
	}{
		{"STOP", func(s *dynamo.Store, phone string, now time.Time) error {
			return s.SetOptOut(context.Background(), phone, "STOP", now)
		}},
		{"operator", func(s *dynamo.Store, phone string, now time.Time) error {
			return s.AddOptOut(context.Background(), phone, "asked by phone", now)
		}},
	} {
		t.Run(stop.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			first, next := "shopify:a:1", "shopify:b:2"
			admit := func(task string, at time.Time) (bool, bool, time.Time) {
				t.Helper()
				ok, out, free, err := e.store.AdmitNumber(ctx, testPhone, task, 1, 24*time.Hour, at)
				if err != nil {
					t.Fatal(err)
				}
				return ok, out, free
			}
			if ok, _, _ := admit(first, t0); !ok {
				t.Fatal("first admission refused")
			}
			if e.numberItem(t, testPhone)["expiresAt"] == nil {
				t.Fatal("an admission set no expiry")
			}
			if err := stop.do(e.store, testPhone, t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			item := e.numberItem(t, testPhone)
			if item["s0"] == nil || item["routeTask"] == nil {
				t.Errorf("the opt-out wiped the slot or the route: %v", item)
			}
			if item["expiresAt"] != nil {
				t.Errorf("an opted-out number expires: %v", item["expiresAt"])
			}
			for _, task := range []string{first, next} {
				if ok, out, _ := admit(task, t0.Add(25*time.Hour)); ok || !out {
					t.Errorf("%s after the opt-out: ok %v, opted out %v", task, ok, out)
				}
			}
			if e.numberItem(t, testPhone)["expiresAt"] != nil {
				t.Error("a refused admission gave the opt-out an expiry")
			}
			if id, found, err := e.store.LastTask(ctx, testPhone, t0.Add(time.Hour)); err != nil || !found || id != first {
				t.Errorf("a reply after the opt-out goes to %q, %v, %v; want %s", id, found, err, first)
			}
			// START clears the opt-out alone: the slot still holds the day.
			if err := e.store.ClearOptOut(ctx, testPhone, t0.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			item = e.numberItem(t, testPhone)
			if item["optedOutAt"] != nil || item["keyword"] != nil || item["s0"] == nil || item["routeTask"] == nil || item["expiresAt"] == nil {
				t.Errorf("after START the item is %v", item)
			}
			if out, err := e.store.OptedOut(ctx, testPhone); err != nil || out {
				t.Errorf("after START: opted out %v, %v", out, err)
			}
			if ok, out, free := admit(next, t0.Add(time.Hour)); ok || out || !free.Equal(t0.Add(24*time.Hour)) {
				t.Errorf("another task within the day after START: ok %v, opted out %v, free %s", ok, out, free)
			}
			if ok, _, _ := admit(next, t0.Add(25*time.Hour)); !ok {
				t.Error("another task the next day after START refused")
			}
			if list, err := e.store.ListOptOuts(ctx); err != nil || len(list) != 0 {
				t.Errorf("opt-outs listed after START: %v, %v", list, err)
			}
		})
	}
}

func TestTheReplyRouteIsFoundAfterASendAndOnTheOldItem(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	const sent, old, stopped = "+14155550201", "+14155550202", "+14155550203"
	if ok, _, _, err := e.store.AdmitNumber(ctx, sent, "shopify:a:1", 1, 24*time.Hour, t0); err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Routes written before the route moved to the number's item.
	if err := e.store.NoteLastTask(ctx, old, "shopify:a:2", t0); err != nil {
		t.Fatal(err)
	}
	if err := e.store.NoteLastTask(ctx, stopped, "shopify:a:3", t0); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetOptOut(ctx, stopped, "STOP", t0); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		phone string
		at    time.Time
		want  string
	}{
		{sent, t0.Add(time.Hour), "shopify:a:1"},
		{old, t0.Add(time.Hour), "shopify:a:2"},
		{stopped, t0.Add(time.Hour), "shopify:a:3"},
		{sent, t0.Add(retention + time.Hour), ""},
		{old, t0.Add(retention + time.Hour), ""},
		{"+14155550299", t0, ""},
	} {
		id, found, err := e.store.LastTask(ctx, tt.phone, tt.at)
		if err != nil || id != tt.want || found != (tt.want != "") {
			t.Errorf("LastTask(%s, %s) = %q, %v, %v; want %q", tt.phone, tt.at, id, found, err, tt.want)
		}
	}
}

func TestErasureRemovesTheRouteNotTheOptOut(t *testing.T) {
	const shop, other = "erase.myshopify.com", "other.myshopify.com"
	mine := thankyou.TaskID(thankyou.SourceShopify, shop, "1")
	theirs := thankyou.TaskID(thankyou.SourceShopify, other, "2")
	for _, erase := range []struct {
		name string
		do   func(s *dynamo.Store, phones []string) error
	}{
		{"customer", func(s *dynamo.Store, phones []string) error {
			_, err := s.EraseCustomer(context.Background(), thankyou.SourceShopify, shop, thankyou.Customer{Phones: phones}, t0.Add(time.Hour))
			return err
		}},
		{"shop", func(s *dynamo.Store, _ []string) error {
			_, err := s.EraseShop(context.Background(), thankyou.SourceShopify, shop, t0.Add(time.Hour))
			return err
		}},
	} {
		t.Run(erase.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			const routed, elsewhere = "+14155550301", "+14155550302"
			for phone, task := range map[string]string{routed: mine, elsewhere: theirs} {
				if ok, _, _, err := e.store.AdmitNumber(ctx, phone, task, 1, 24*time.Hour, t0); err != nil || !ok {
					t.Fatal(ok, err)
				}
				if err := e.store.SetOptOut(ctx, phone, "STOP", t0.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if err := erase.do(e.store, []string{routed, elsewhere}); err != nil {
				t.Fatal(err)
			}
			item := e.numberItem(t, routed)
			if item["routeTask"] != nil || item["routeAt"] != nil {
				t.Errorf("the route to the erased shop's task stays: %v", item)
			}
			if item["optedOutAt"] == nil || item["s0"] == nil {
				t.Errorf("the erasure took the opt-out or the slot: %v", item)
			}
			if out, err := e.store.OptedOut(ctx, routed); err != nil || !out {
				t.Errorf("opt-out after the erasure: %v, %v", out, err)
			}
			if id, _, err := e.store.LastTask(ctx, elsewhere, t0.Add(2*time.Hour)); err != nil || id != theirs {
				t.Errorf("another shop's route: %q, %v", id, err)
			}
		})
	}
}

func TestThePrivacySnapshotHoldsRequestsBeforeAndDuringTheRun(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	before, during := pendingTask("1", t0), pendingTask("2", t0)
	during.Order.Phone, during.Recipient, during.Order.Email = "+14155550402", "+14155550402", "bob@example.com"
	erase := func(task thankyou.Task, at time.Time) {
		t.Helper()
		err := e.store.RequestErasure(ctx, thankyou.Erasure{Source: task.Order.Source, Shop: task.Order.Shop, Kind: thankyou.DeliveryCustomerRedact,
			Customer: thankyou.Customer{Phones: []string{task.Order.Phone}}}, at)
		if err != nil {
			t.Fatal(err)
		}
	}
	erase(before, t0.Add(-time.Minute))
	now := t0
	snap := e.store.PrivacySnapshot(func() time.Time { return now })
	hold := func(task thankyou.Task) bool {
		t.Helper()
		held, err := snap.PrivacyHold(ctx, task)
		if err != nil {
			t.Fatal(err)
		}
		return held
	}
	if !hold(before) || hold(during) {
		t.Fatal("the run's first snapshot: want the earlier request held, the other task sent")
	}
	now = now.Add(time.Second)
	erase(during, now)
	// Within the bound the snapshot is not read again (the documented
	// window), past it the new request holds.
	if hold(during) {
		t.Error("snapshot read again within its bound")
	}
	now = now.Add(dynamo.PrivacySnapshotAge)
	if !hold(during) || !hold(before) {
		t.Error("a request recorded during the run does not hold its task after the bound")
	}
	// Refreshed by the run's own listing of the requests to carry them
	// out, it holds what the store holds, by the store's rule.
	listed := e.store.PrivacySnapshot(func() time.Time { return now })
	if _, err := listed.CarryOutPrivacyRequests(ctx, now); err != nil {
		t.Fatal(err)
	}
	for _, task := range []thankyou.Task{before, during, pendingTask("3", t0)} {
		if got, err := listed.PrivacyHold(ctx, task); err != nil || !got {
			t.Errorf("task %s: not held by the requests just carried out (%v)", task.Order.ID, err)
		}
	}
	other := pendingTask("4", t0)
	other.Order.Phone, other.Recipient, other.Order.Email = "+14155550404", "+14155550404", "cy@example.com"
	if got, err := listed.PrivacyHold(ctx, other); err != nil || got {
		t.Errorf("another customer's task held: %v, %v", got, err)
	}
}

// TestErasureDeletesANumberThatDidNotOptOut: the number is the key of its
// item, so a number that did not opt out loses the whole item (route and
// cap slot with it) to an erasure of the shop its route leads to; a
// number routed to another shop's task is that shop's customer's and
// stays as it is.
func TestErasureDeletesANumberThatDidNotOptOut(t *testing.T) {
	const shop, other = "erase.myshopify.com", "other.myshopify.com"
	mine := thankyou.TaskID(thankyou.SourceShopify, shop, "1")
	theirs := thankyou.TaskID(thankyou.SourceShopify, other, "2")
	for _, erase := range []struct {
		name string
		do   func(s *dynamo.Store, phones []string) error
	}{
		{"customer", func(s *dynamo.Store, phones []string) error {
			_, err := s.EraseCustomer(context.Background(), thankyou.SourceShopify, shop, thankyou.Customer{Phones: phones}, t0.Add(time.Hour))
			return err
		}},
		{"shop", func(s *dynamo.Store, _ []string) error {
			_, err := s.EraseShop(context.Background(), thankyou.SourceShopify, shop, t0.Add(time.Hour))
			return err
		}},
	} {
		t.Run(erase.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			const routed, elsewhere = "+14155550311", "+14155550312"
			for phone, task := range map[string]string{routed: mine, elsewhere: theirs} {
				if ok, _, _, err := e.store.AdmitNumber(ctx, phone, task, 1, 24*time.Hour, t0); err != nil || !ok {
					t.Fatal(ok, err)
				}
			}
			if err := erase.do(e.store, []string{routed, elsewhere}); err != nil {
				t.Fatal(err)
			}
			if item := e.numberItem(t, routed); item != nil {
				t.Errorf("the erased number's item stays: %v", item)
			}
			if item := e.numberItem(t, elsewhere); item["s0"] == nil || item["routeTask"] == nil {
				t.Errorf("another shop's customer's number lost its slot or route: %v", item)
			}
			if id, _, err := e.store.LastTask(ctx, elsewhere, t0.Add(2*time.Hour)); err != nil || id != theirs {
				t.Errorf("another shop's route: %q, %v", id, err)
			}
		})
	}
}
