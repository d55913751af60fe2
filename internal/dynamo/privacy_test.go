package dynamo_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

const staffPhone = "+14155550999"

// adasOldPhone is a number Ada ordered with once, not named in the erasure
// request: that task is found through its order id.
const adasOldPhone = "+14155550144"

// adasTasks creates Ada's tasks at testShop in several states, and one of
// Bob's, and returns Ada's.
func (e env) adasTasks(t *testing.T) []thankyou.Task {
	t.Helper()
	ctx := context.Background()
	day := 24 * time.Hour

	pending := e.create(t, customerTask(testShop, "a1", ada, t0))

	// Sent, then undelivered with a reason quoting the number.
	sent := e.create(t, customerTask(testShop, "a2", ada, t0.Add(-10*day)))
	e.claim(t, sent.ID, "run", sent.DueAt)
	if err := e.store.MarkSent(ctx, sent.ID, "run", "SM2", sent.DueAt); err != nil {
		t.Fatal(err)
	}
	leak := "The 'To' number " + testPhone + " is not reachable"
	if _, err := e.store.ApplyStatus(ctx, sent.ID, "SM2", thankyou.StateUndelivered, 30003, leak, sent.DueAt.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	// No phone: recorded under the email.
	noPhone := person{ada.name, ada.first, "", ada.email}
	emailOnly := e.create(t, skipped(customerTask(testShop, "a3", noPhone, t0.Add(-20*day)), "no usable phone number"))

	// A reminder to a staff member to call Ada.
	staff := customerTask(testShop, "a4", ada, t0.Add(-day))
	staff.Channel, staff.Recipient = thankyou.ChannelStaff, staffPhone
	e.create(t, staff)

	// An order with another number, found through its order id.
	old := person{ada.name, ada.first, adasOldPhone, ""}
	oldTask := e.create(t, skipped(customerTask(testShop, "a5", old, t0.Add(-30*day)), "test order"))

	e.create(t, customerTask(testShop, "b1", bob, t0))
	return []thankyou.Task{pending, sent, emailOnly, staff, oldTask}
}

// adasRequest is the privacy request that names Ada.
var adasRequest = thankyou.Customer{
	PlatformID: "207119551",
	Phones:     []string{testPhone},
	Emails:     []string{"ADA@example.com"},
	OrderIDs:   []string{"a5", "never-seen"},
}

// personalStrings are Ada's data in the forms an item could hold them.
var personalStrings = []string{testPhone, strings.TrimPrefix(testPhone, "+"), testName, testFirst, testEmail, adasOldPhone}

func TestEraseCustomerRemovesPersonalDataFromEveryItem(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	tasks := e.adasTasks(t)
	if err := e.store.SetOptOut(ctx, testPhone, "STOP", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RecordEvent(ctx, thankyou.SourceShopify, testShop, "evt-1", t0); err != nil {
		t.Fatal(err)
	}
	phoneKey, emailKey := dynamo.CustomerKey(thankyou.Order{Phone: testPhone}), dynamo.CustomerKey(thankyou.Order{Email: testEmail})
	at := t0.Add(time.Hour)

	erased, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, adasRequest, at)
	if err != nil {
		t.Fatalf("EraseCustomer: %v", err)
	}
	if got, want := erased, len(tasks); got != want {
		t.Errorf("erased %d tasks, want %d", got, want)
	}

	optOuts := 0
	for _, item := range e.scanAll(t) {
		pk := strAttr(item, "pk")
		if strings.HasPrefix(pk, "OPTOUT#") {
			optOuts++
			continue
		}
		for _, p := range append(slices.Clone(personalStrings), phoneKey, emailKey) {
			if itemContains(item, p) {
				t.Errorf("item %s still holds %q after the erasure", pk, p)
			}
		}
	}
	if optOuts != 1 {
		t.Errorf("%d opt-out items, want 1 (kept)", optOuts)
	}
	if out, err := e.store.OptedOut(ctx, testPhone); err != nil || !out {
		t.Errorf("OptedOut after erasure = %v, %v; want true (the suppression list outlives erasure)", out, err)
	}

	for _, task := range tasks {
		item := e.raw(t, task.ID)
		if got, want := strAttr(item, "erasedAt"), "2030-03-04T11:00:00Z"; got != want {
			t.Errorf("task %s: erasedAt = %q, want %q", task.ID, got, want)
		}
		if strAttr(item, "orderId") != task.Order.ID || strAttr(item, "orderNumber") != task.Order.Number {
			t.Errorf("task %s lost its order ids", task.ID)
		}
	}
	if got, want := strAttr(e.raw(t, tasks[3].ID), "recipient"), staffPhone; got != want {
		t.Errorf("staff task recipient = %q, want %q (a staff number is not the customer's)", got, want)
	}
	if got, want := e.get(t, tasks[1].ID).Reason, "customer data erased"; got != want {
		t.Errorf("reason that quoted the number = %q, want %q", got, want)
	}

	bobs := e.get(t, customerTask(testShop, "b1", bob, t0).ID)
	if bobs.Order.Phone != bob.phone || bobs.Order.CustomerName != bob.name || bobs.State != thankyou.StatePending {
		t.Errorf("Bob's task changed: %+v", bobs)
	}
	if h := e.history(t, customerTask(testShop, "b2", bob, t0).Order); h.Tasks != 1 {
		t.Errorf("Bob's history = %+v, want 1 task", h)
	}
	if h := e.history(t, customerTask(testShop, "a9", ada, t0).Order); h.Tasks != 0 {
		t.Errorf("Ada's history after erasure = %+v, want zero", h)
	}

	again, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, adasRequest, at.Add(time.Hour))
	if err != nil || again != 0 {
		t.Errorf("repeated EraseCustomer = %d, %v; want 0, nil", again, err)
	}
}

func TestEraseCustomerCancelsOpenTasks(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	pending := e.create(t, customerTask(testShop, "a1", ada, t0))
	sending := e.create(t, customerTask(testShop, "a2", ada, t0.Add(-time.Hour)))
	e.claim(t, sending.ID, "run", sending.DueAt)
	at := sending.DueAt.Add(time.Second)

	n, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, thankyou.Customer{Phones: []string{testPhone}}, at)
	if err != nil || n != 2 {
		t.Fatalf("EraseCustomer = %d, %v; want 2, nil", n, err)
	}
	for _, task := range []thankyou.Task{pending, sending} {
		got := e.get(t, task.ID)
		if got.State != thankyou.StateCancelled || got.Reason != "customer data erased" || !got.ExpiresAt.Equal(at.Add(retention)) {
			t.Errorf("task %s: state %s, reason %q, expires %s; want cancelled, customer data erased, %s", task.ID, got.State, got.Reason, got.ExpiresAt, at.Add(retention))
		}
		if got.Recipient != "" || got.Order.Phone != "" {
			t.Errorf("task %s still has recipient %q, phone %q", task.ID, got.Recipient, got.Order.Phone)
		}
		assertNotIndexed(t, e.raw(t, task.ID))
		if _, err := e.store.Claim(ctx, task.ID, "run-b", t0.Add(24*time.Hour), time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
			t.Errorf("Claim of erased task %s: %v, want ErrNotClaimable", task.ID, err)
		}
	}
	if ids := e.due(t, t0.Add(24*time.Hour), 0); len(ids) != 0 {
		t.Errorf("due after erasure = %v, want none", ids)
	}
	if err := e.store.MarkSent(ctx, sending.ID, "run", "SM1", at); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("MarkSent by the dispatcher that held the erased task: %v, want ErrNotClaimable", err)
	}
}

func TestEraseShopRemovesOnlyThatShop(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	const (
		other  = "other.myshopify.com"
		longer = testShop + ".evil" // a shop whose id starts with testShop's
	)
	for _, shop := range []string{testShop, other, longer} {
		e.create(t, customerTask(shop, "1", ada, t0))
		e.create(t, skipped(customerTask(shop, "2", person{email: "carol@example.com"}, t0), "no usable phone number"))
		if _, err := e.store.RecordEvent(ctx, thankyou.SourceShopify, shop, "evt-1", t0); err != nil {
			t.Fatal(err)
		}
	}
	stripe := customerTask(testShop, "1", ada, t0) // same shop id on another platform
	stripe.Order.Source = thankyou.SourceStripe
	stripe.ID = stripe.Order.TaskID()
	e.create(t, stripe)
	if _, err := e.store.CancelTask(ctx, thankyou.Order{Source: thankyou.SourceShopify, Shop: testShop, ID: "3"}, "refunded", t0); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetOptOut(ctx, testPhone, "STOP", t0); err != nil {
		t.Fatal(err)
	}

	keysOf := func(items []map[string]types.AttributeValue) []string {
		var keys []string
		for _, it := range items {
			keys = append(keys, strAttr(it, "pk")+"|"+strAttr(it, "sk"))
		}
		slices.Sort(keys)
		return keys
	}
	ofShop := func(key string) bool {
		return strings.Contains(key, "shopify:"+testShop+":") || strings.Contains(key, "shopify:"+testShop+"#")
	}
	before := keysOf(e.scanAll(t))
	var want []string
	for _, k := range before {
		if !ofShop(k) {
			want = append(want, k)
		}
	}
	// 3 tasks, 2 customer records, 1 event.
	if got := len(before) - len(want); got != 6 {
		t.Fatalf("the shop has %d items before, want 6: %v", got, before)
	}

	n, err := e.store.EraseShop(ctx, thankyou.SourceShopify, testShop, t0.Add(48*time.Hour))
	if err != nil || n != 6 {
		t.Fatalf("EraseShop = %d, %v; want 6, nil", n, err)
	}
	if got := keysOf(e.scanAll(t)); !slices.Equal(got, want) {
		t.Errorf("items after EraseShop =\n%v\nwant\n%v", got, want)
	}
	if ids := e.due(t, t0.Add(7*24*time.Hour), 0); slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, "shopify:"+testShop+":") }) {
		t.Errorf("due after EraseShop = %v, still has the shop's tasks", ids)
	}
	if n, err := e.store.EraseShop(ctx, thankyou.SourceShopify, testShop, t0.Add(49*time.Hour)); err != nil || n != 0 {
		t.Errorf("repeated EraseShop = %d, %v; want 0, nil", n, err)
	}
}

func TestCustomerReportListsWhatIsHeld(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	tasks := e.adasTasks(t)
	if err := e.store.SetOptOut(ctx, testPhone, "STOP", t0); err != nil {
		t.Fatal(err)
	}
	pending, sent, emailOnly, staff, old := tasks[0], tasks[1], tasks[2], tasks[3], tasks[4]
	row := func(task thankyou.Task, state thankyou.State, fields ...string) dynamo.ReportTask {
		return dynamo.ReportTask{
			ID:          task.ID,
			OrderID:     task.Order.ID,
			OrderNumber: task.Order.Number,
			State:       state,
			CreatedAt:   task.CreatedAt,
			DueAt:       task.DueAt,
			Channel:     task.Channel,
			Fields:      fields,
		}
	}
	want := dynamo.Report{
		Tasks: []dynamo.ReportTask{ // oldest first
			row(old, thankyou.StateSkipped, dynamo.FieldPhone, dynamo.FieldName),
			row(emailOnly, thankyou.StateSkipped, dynamo.FieldEmail, dynamo.FieldName),
			row(sent, thankyou.StateUndelivered, dynamo.FieldPhone, dynamo.FieldEmail, dynamo.FieldName),
			row(staff, thankyou.StatePending, dynamo.FieldPhone, dynamo.FieldEmail, dynamo.FieldName),
			row(pending, thankyou.StatePending, dynamo.FieldPhone, dynamo.FieldEmail, dynamo.FieldName),
		},
		OptedOut: []string{testPhone}, OptedOutCount: 1,
	}
	got, err := e.store.CustomerReport(ctx, thankyou.SourceShopify, testShop, adasRequest)
	if err != nil {
		t.Fatalf("CustomerReport: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CustomerReport =\n%+v\nwant\n%+v", got, want)
	}

	if _, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, adasRequest, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err = e.store.CustomerReport(ctx, thankyou.SourceShopify, testShop, adasRequest)
	if err != nil {
		t.Fatalf("CustomerReport after erasure: %v", err)
	}
	// Only the task named by its order id is still found; it holds nothing.
	want = dynamo.Report{Tasks: []dynamo.ReportTask{row(old, thankyou.StateSkipped)}, OptedOut: []string{testPhone}, OptedOutCount: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CustomerReport after erasure =\n%+v\nwant\n%+v", got, want)
	}

	nobody, err := e.store.CustomerReport(ctx, thankyou.SourceShopify, testShop, thankyou.Customer{Phones: []string{"+14155550100"}, Emails: []string{"nobody@example.com"}})
	if err != nil || !reflect.DeepEqual(nobody, dynamo.Report{}) {
		t.Errorf("CustomerReport of an unknown customer = %+v, %v; want empty", nobody, err)
	}
}
