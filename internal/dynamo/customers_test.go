package dynamo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/eligibility"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

const testShop = "example.myshopify.com"

// person is a customer of the tests.
type person struct{ name, first, phone, email string }

var (
	ada = person{testName, testFirst, testPhone, testEmail}
	bob = person{"Bob Builder", "Bob", "+14155550177", "bob@example.org"}
)

// customerTask returns a new pending task of p's order orderID at shop,
// created at created and due three days later.
func customerTask(shop, orderID string, p person, created time.Time) thankyou.Task {
	o := thankyou.Order{
		Source:       thankyou.SourceShopify,
		Shop:         shop,
		ID:           orderID,
		Number:       "#" + orderID,
		CustomerName: p.name,
		FirstName:    p.first,
		Phone:        p.phone,
		Email:        p.email,
		Total:        "50.00",
		Currency:     "USD",
		CreatedAt:    created,
	}
	due := created.Add(72 * time.Hour)
	return thankyou.Task{
		ID:        o.TaskID(),
		Order:     o,
		Channel:   thankyou.ChannelSMS,
		Recipient: p.phone,
		State:     thankyou.StatePending,
		DueAt:     due,
		Deadline:  due.Add(48 * time.Hour),
		CreatedAt: created,
		UpdatedAt: created,
	}
}

// skipped turns a new task into a skipped one.
func skipped(t thankyou.Task, reason string) thankyou.Task {
	t.State, t.DueAt, t.Deadline, t.Recipient = thankyou.StateSkipped, time.Time{}, time.Time{}, ""
	t.Order.SkipReason = thankyou.Skip(thankyou.StoredSkipCode("", reason), reason)
	return t
}

func (e env) history(t testing.TB, o thankyou.Order) eligibility.History {
	t.Helper()
	h, err := e.store.CustomerHistory(context.Background(), o)
	if err != nil {
		t.Fatalf("CustomerHistory(%s): %v", o.TaskID(), err)
	}
	return h
}

// scanAll reads every item of the table.
func (e env) scanAll(t testing.TB) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(e.client, &dynamodb.ScanInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		items = append(items, page.Items...)
	}
	return items
}

// texts returns every string an attribute value holds, keys of maps too.
func texts(v types.AttributeValue) []string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return []string{v.Value}
	case *types.AttributeValueMemberN:
		return []string{v.Value}
	case *types.AttributeValueMemberSS:
		return v.Value
	case *types.AttributeValueMemberL:
		var out []string
		for _, e := range v.Value {
			out = append(out, texts(e)...)
		}
		return out
	case *types.AttributeValueMemberM:
		return itemTexts(v.Value)
	}
	return nil
}

func itemTexts(item map[string]types.AttributeValue) []string {
	var out []string
	for k, v := range item {
		out = append(out, k)
		out = append(out, texts(v)...)
	}
	return out
}

// itemContains reports whether any string of the item contains s.
func itemContains(item map[string]types.AttributeValue, s string) bool {
	return slices.ContainsFunc(itemTexts(item), func(x string) bool { return strings.Contains(x, s) })
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestCustomerKeyHidesIdentity(t *testing.T) {
	tests := []struct {
		name  string
		phone string
		email string
		want  string
	}{
		{"phone", testPhone, "", sha256Hex(testPhone)},
		{"phone wins over email", testPhone, testEmail, sha256Hex(testPhone)},
		{"email in lower case", "", " Ada@Example.COM ", sha256Hex("ada@example.com")},
		{"neither", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dynamo.CustomerKey(thankyou.Order{Phone: tt.phone, Email: tt.email})
			if got != tt.want {
				t.Errorf("CustomerKey = %q, want %q", got, tt.want)
			}
			if got != "" && (strings.Contains(got, strings.TrimPrefix(testPhone, "+")) || strings.Contains(got, "@")) {
				t.Errorf("CustomerKey = %q holds the identity in clear", got)
			}
		})
	}
}

func TestCustomerRecordTracksTasksAndLastThanked(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	day := 24 * time.Hour

	first := customerTask(testShop, "1", ada, t0)
	if got := e.history(t, first.Order); got != (eligibility.History{}) {
		t.Errorf("history of a new customer = %+v, want zero", got)
	}
	e.create(t, first)

	second := customerTask(testShop, "2", ada, t0.Add(2*day))
	if got, want := e.history(t, second.Order), (eligibility.History{Tasks: 1, LastThanked: t0}); got != want {
		t.Errorf("history after one task = %+v, want %+v", got, want)
	}
	e.create(t, skipped(second, "test order"))
	third := customerTask(testShop, "3", ada, t0.Add(5*day))
	if got, want := e.history(t, third.Order), (eligibility.History{Tasks: 2, LastThanked: t0}); got != want {
		t.Errorf("history after a skipped task = %+v, want %+v (a skipped task does not thank)", got, want)
	}
	e.create(t, third)
	if got, want := e.history(t, third.Order), (eligibility.History{Tasks: 2, LastThanked: t0.Add(5 * day)}); got != want {
		t.Errorf("history of an order whose task exists = %+v, want %+v (its own task not counted)", got, want)
	}
	if created, err := e.store.CreateTask(ctx, third); err != nil || created {
		t.Fatalf("duplicate CreateTask = %v, %v", created, err)
	}
	fourth := customerTask(testShop, "4", ada, t0.Add(6*day))
	if got, want := e.history(t, fourth.Order), (eligibility.History{Tasks: 3, LastThanked: t0.Add(5 * day)}); got != want {
		t.Errorf("history after a duplicate = %+v, want %+v", got, want)
	}

	otherShop := customerTask("other.myshopify.com", "5", ada, t0)
	if got := e.history(t, otherShop.Order); got != (eligibility.History{}) {
		t.Errorf("history at another shop = %+v, want zero", got)
	}
	if got := e.history(t, customerTask(testShop, "6", bob, t0).Order); got != (eligibility.History{}) {
		t.Errorf("history of another customer = %+v, want zero", got)
	}

	emailOnly := customerTask(testShop, "7", person{email: "Carol@Example.com"}, t0)
	e.create(t, skipped(emailOnly, "no usable phone number"))
	sameEmail := customerTask(testShop, "8", person{email: "carol@example.COM"}, t0.Add(day))
	if got, want := e.history(t, sameEmail.Order), (eligibility.History{Tasks: 1}); got != want {
		t.Errorf("history by email = %+v, want %+v", got, want)
	}
	anonymous := customerTask(testShop, "9", person{}, t0)
	e.create(t, skipped(anonymous, "no usable phone number"))
	if got := e.history(t, anonymous.Order); got != (eligibility.History{}) {
		t.Errorf("history of an order without phone or email = %+v, want zero", got)
	}

	var records []map[string]types.AttributeValue
	for _, item := range e.scanAll(t) {
		if strAttr(item, "sk") != "CUSTOMER" {
			continue
		}
		records = append(records, item)
		for _, s := range []string{testPhone, strings.TrimPrefix(testPhone, "+"), "carol@", "Carol@", testName} {
			if itemContains(item, s) {
				t.Errorf("customer record %s holds %q in clear", strAttr(item, "pk"), s)
			}
		}
	}
	if len(records) != 2 {
		t.Fatalf("%d customer records, want 2 (Ada's, Carol's)", len(records))
	}
	for _, rec := range records {
		if strAttr(rec, "pk") != "CUSTOMER#shopify:"+testShop+"#"+dynamo.CustomerKey(first.Order) {
			continue
		}
		ss, _ := rec["taskIds"].(*types.AttributeValueMemberSS)
		if ss == nil {
			t.Fatalf("Ada's record has no taskIds set: %v", rec["taskIds"])
		}
		got := slices.Sorted(slices.Values(ss.Value))
		if want := []string{first.ID, second.ID, third.ID}; !slices.Equal(got, want) {
			t.Errorf("taskIds = %v, want %v", got, want)
		}
		if got, want := numAttr(t, rec, "expiresAt"), fmt.Sprint(third.Deadline.Add(retention).Unix()); got != want {
			t.Errorf("expiresAt = %s, want %s (newest task's deadline + retention)", got, want)
		}
		return
	}
	t.Errorf("no record under Ada's key among %v", records)
}
