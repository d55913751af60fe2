package dynamo_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// failAfter makes a client's calls of one operation fail once n of them
// went through, while on is set: a run that dies half-way.
func failAfter(op string, n int64, on *atomic.Bool) func(*dynamodb.Options) {
	var calls atomic.Int64
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("failAfter",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if on.Load() && middleware.GetOperationName(ctx) == op && calls.Add(1) > n {
						return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected failure: the run died")
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	}
}

// seed writes n minimal task items of a shop, 25 to a request.
func seed(t *testing.T, client *dynamodb.Client, table string, source thankyou.Source, shop string, n int) {
	t.Helper()
	var reqs []types.WriteRequest
	flush := func() {
		for len(reqs) > 0 {
			out, err := client.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
			if err != nil {
				t.Fatal(err)
			}
			reqs = out.UnprocessedItems[table]
		}
	}
	for i := range n {
		id := thankyou.TaskID(source, shop, "seed-"+strconv.Itoa(i))
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "TASK#" + id}, "sk": &types.AttributeValueMemberS{Value: "TASK"},
			"state": &types.AttributeValueMemberS{Value: "sent"}, "phone": &types.AttributeValueMemberS{Value: testPhone},
		}}})
		if len(reqs) == 25 {
			flush()
		}
	}
	flush()
}

func countPrefix(t *testing.T, client *dynamodb.Client, table, prefix string) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{
		TableName: aws.String(table), Select: types.SelectCount,
		FilterExpression:          aws.String("begins_with(pk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: prefix}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += int(page.Count)
	}
	return n
}

// A shop's erasure is accepted with one write and holds every send for the
// shop at once; carried out on a later run, it survives a run that dies
// half-way through 50,000 items, resumes from its cursor, deletes the
// shop's settings last, and finishes; a repeated request is accepted again.
func TestShopErasureIsAcceptedAtOnceAndFinishesAfterAFailureHalfWay(t *testing.T) {
	items := 50_000
	if testing.Short() {
		items = 5_000
	}
	client, table := dynamotest.NewTable(t)
	var failing atomic.Bool
	store := dynamo.New(client, table, dynamo.Options{Retention: retention})
	dying := dynamo.New(dynamotest.NewClient(t, failAfter("BatchWriteItem", int64(items/25/2), &failing)), table, dynamo.Options{Retention: retention})
	ctx := context.Background()
	const shop, other = "victim.myshopify.com", "other.myshopify.com"

	seed(t, client, table, thankyou.SourceShopify, shop, items)
	seed(t, client, table, thankyou.SourceShopify, other, 100)
	open := pendingTask("open-order", t0)
	open.Order.Shop = shop
	open.ID = open.Order.TaskID()
	if _, err := store.CreateTask(ctx, open); err != nil {
		t.Fatal(err)
	}
	others := pendingTask("others-order", t0)
	others.Order.Shop = other
	others.ID = others.Order.TaskID()
	if _, err := store.CreateTask(ctx, others); err != nil {
		t.Fatal(err)
	}
	settings := thankyou.Shop{Source: thankyou.SourceShopify, ID: shop, Name: "Victim", SecretRefs: []string{"env:X"}, TimeZone: "UTC",
		DefaultCountry: "US", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("10:00-17:00 Mon-Fri"), Delay: time.Hour, ExpireAfter: time.Hour}
	if err := store.PutShop(ctx, settings, t0); err != nil {
		t.Fatal(err)
	}

	if err := store.RequestErasure(ctx, thankyou.Erasure{Source: thankyou.SourceShopify, Shop: shop, Kind: thankyou.DeliveryShopRedact}, t0); err != nil {
		t.Fatal(err)
	}
	if held, err := store.PrivacyHold(ctx, open); err != nil || !held {
		t.Errorf("the shop's task right after the request: held %t, %v; want held", held, err)
	}
	if held, err := store.PrivacyHold(ctx, others); err != nil || held {
		t.Errorf("another shop's task: held %t, %v; want not held", held, err)
	}

	failing.Store(true)
	if _, err := dying.CarryOutPrivacyRequests(ctx, t0.Add(time.Minute)); err == nil {
		t.Fatal("the dying run reported no failure")
	}
	reqs, err := store.PrivacyRequests(ctx, true)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("pending requests after the failure: %+v, %v", reqs, err)
	}
	if r := reqs[0]; !r.HasCursor || r.Erased == 0 || r.Erased >= items || r.LastError == "" || r.Runs != 1 {
		t.Errorf("after the failure half-way: %+v; want a cursor, part erased, the failure and one run noted", r)
	}
	if _, err := store.GetShop(ctx, thankyou.SourceShopify, shop); err != nil {
		t.Errorf("the shop's settings went before its data: %v", err)
	}
	if held, _ := store.PrivacyHold(ctx, open); !held {
		t.Error("the shop's task is no longer held while the erasure is pending")
	}

	n, err := store.CarryOutPrivacyRequests(ctx, t0.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("the next run: %d finished, %v", n, err)
	}
	if left := countPrefix(t, client, table, "TASK#"+thankyou.TaskID(thankyou.SourceShopify, shop, "")); left != 0 {
		t.Errorf("%d of the shop's tasks left", left)
	}
	if kept := countPrefix(t, client, table, "TASK#"+thankyou.TaskID(thankyou.SourceShopify, other, "")); kept != 101 {
		t.Errorf("%d of the other shop's tasks kept, want 101", kept)
	}
	if left, err := store.GetShop(ctx, thankyou.SourceShopify, shop); err != nil || left.ErasedAt.IsZero() || left.Name != "" || len(left.SecretRefs) != 1 {
		t.Errorf("the shop's settings = %+v, %v; want erased last, its secret references kept", left, err)
	}
	all, err := store.PrivacyRequests(ctx, false)
	if err != nil || len(all) != 1 {
		t.Fatalf("requests: %+v, %v", all, err)
	}
	// The seeded items, the open task and its customer record.
	if r := all[0]; r.State != dynamo.PrivacyDone || r.Erased != items+2 || r.HasCursor || r.LastError != "" || r.FinishedAt.IsZero() {
		t.Errorf("done request = %+v, want done with %d erased", r, items+2)
	}
	if held, _ := store.PrivacyHold(ctx, others); held {
		t.Error("another shop's task is held")
	}

	// Shopify repeats the request: it is accepted, and carried out again.
	if err := store.RequestErasure(ctx, thankyou.Erasure{Source: thankyou.SourceShopify, Shop: shop, Kind: thankyou.DeliveryShopRedact}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if pending, _ := store.PrivacyRequests(ctx, true); len(pending) != 1 {
		t.Errorf("the repeated request is not pending: %+v", pending)
	}
	if n, err := store.CarryOutPrivacyRequests(ctx, t0.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("the repeated request: %d finished, %v", n, err)
	}
}

// A customer's erasure holds the sends of that customer only, and is
// carried out by the next run, forgetting the customer's identities.
func TestCustomerErasureHoldsTheirSendsAndForgetsThemWhenDone(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	jane := e.create(t, pendingTask("jane", t0))
	bob := pendingTask("bob", t0)
	bob.Order.Phone, bob.Recipient, bob.Order.Email = "+14155550199", "+14155550199", "bob@example.com"
	bob = e.create(t, bob)
	c := thankyou.Customer{PlatformID: "7", Phones: []string{testPhone}}
	if err := e.store.RequestErasure(ctx, thankyou.Erasure{Source: jane.Order.Source, Shop: jane.Order.Shop, Kind: thankyou.DeliveryCustomerRedact, Customer: c}, t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		task thankyou.Task
		want bool
	}{{jane, true}, {bob, false}} {
		if held, err := e.store.PrivacyHold(ctx, tc.task); err != nil || held != tc.want {
			t.Errorf("%s: held %t, %v; want %t", tc.task.ID, held, err, tc.want)
		}
	}
	if n, err := e.store.CarryOutPrivacyRequests(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("carried out %d, %v", n, err)
	}
	if got := e.get(t, jane.ID); got.Order.Phone != "" || got.State != thankyou.StateCancelled {
		t.Errorf("jane's task: %s with phone %q, want cancelled and erased", got.State, got.Order.Phone)
	}
	all, err := e.store.PrivacyRequests(ctx, false)
	if err != nil || len(all) != 1 {
		t.Fatalf("%+v, %v", all, err)
	}
	if r := all[0]; r.State != dynamo.PrivacyDone || r.Erased != 1 || len(r.Customer.Phones) != 0 || r.Customer.PlatformID != "" {
		t.Errorf("done request = %+v, want done, 1 erased, the customer forgotten", r)
	}
	if held, _ := e.store.PrivacyHold(ctx, jane); held {
		t.Error("still held after the request was carried out")
	}
}
