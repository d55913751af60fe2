package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/eligibility"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// customerItem is what the store keeps about a customer at one shop: the
// ids of their tasks and when one was last created pending. It is keyed by
// a hash of the customer's identity and holds no phone, email or name.
type customerItem struct {
	PK            string   `dynamodbav:"pk"`
	SK            string   `dynamodbav:"sk"`
	Source        string   `dynamodbav:"source,omitempty"`
	Shop          string   `dynamodbav:"shop,omitempty"`
	TaskIDs       []string `dynamodbav:"taskIds,stringset,omitempty"`
	LastThankedAt string   `dynamodbav:"lastThankedAt,omitempty"`
	LastTask      string   `dynamodbav:"lastTask,omitempty"`
	UpdatedAt     string   `dynamodbav:"updatedAt,omitempty"`
	ExpiresAt     int64    `dynamodbav:"expiresAt,omitempty"`
}

// scope is "<source>:<shop>", cleaned like a task id's parts, so that a
// key prefix made from it names exactly one shop.
func scope(source thankyou.Source, shop string) string {
	return strings.TrimSuffix(thankyou.TaskID(source, shop, ""), ":")
}

// customerKey is the primary key of a customer's record at a shop; key is
// the customer's identity hash (CustomerKey).
func customerKey(source thankyou.Source, shop, key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("CUSTOMER#" + scope(source, shop) + "#" + key), "sk": str("CUSTOMER")}
}

// CustomerKey returns the key of the order's customer record: the
// hexadecimal SHA-256 of the customer's identity, their phone number
// (E.164) if the order has one, else their email address in lower case.
// It is "" when the order has neither: such an order has no record.
//
// The key is a pseudonym, not an anonymisation: a phone number can be found
// from its hash by trying every number. It keeps numbers out of logs and
// key listings, and an erasure deletes the record.
func CustomerKey(o thankyou.Order) string {
	if k := phoneKey(o.Phone); k != "" {
		return k
	}
	return emailKey(o.Email)
}

func phoneKey(e164 string) string { return identityKey(strings.TrimSpace(e164)) }

func emailKey(email string) string { return identityKey(strings.ToLower(strings.TrimSpace(email))) }

func identityKey(identity string) string {
	if identity == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(identity))
	return hex.EncodeToString(sum[:])
}

// recordCustomerTask adds a new task to its customer's record, with one
// UpdateItem that creates the record if needed. A pending task also becomes
// the customer's last thank-you. The record expires a retention period
// after the latest time its newest task can end (its deadline), so it does
// not vanish while that task's item still holds the customer's data.
func (s *Store) recordCustomerTask(ctx context.Context, t thankyou.Task) error {
	key := CustomerKey(t.Order)
	if key == "" {
		return nil
	}
	last := t.CreatedAt
	for _, at := range []time.Time{t.DueAt, t.Deadline} {
		if at.After(last) {
			last = at
		}
	}
	u := newUpdate()
	u.add("taskIds", &types.AttributeValueMemberSS{Value: []string{t.ID}})
	u.set("source", str(string(t.Order.Source)))
	u.setString("shop", t.Order.Shop)
	if t.State == thankyou.StatePending || t.State == thankyou.StateAwaitingFulfilment {
		u.set("lastThankedAt", str(formatTime(t.CreatedAt)))
	}
	u.set("updatedAt", str(formatTime(t.CreatedAt)))
	u.set("expiresAt", num(s.expiresAt(last)))
	if _, err := s.updateItem(ctx, customerKey(t.Order.Source, t.Order.Shop, key), u, ""); err != nil {
		return fmt.Errorf("record task in customer record: %w", err)
	}
	return nil
}

// getCustomer reads a customer record (strongly consistent); found is false
// when there is none.
func (s *Store) getCustomer(ctx context.Context, key map[string]types.AttributeValue) (c customerItem, found bool, err error) {
	found, err = s.getItem(ctx, key, &c)
	if err != nil || !found {
		return customerItem{}, false, err
	}
	return c, true, nil
}

// CustomerHistory returns what the store knows about the earlier tasks of
// the order's customer at the order's shop, with one GetItem: how many
// there are (the order's own task, if it exists already, is not counted)
// and when the customer was last thanked. A customer without a record, or
// an order without phone and email, has a zero History.
func (s *Store) CustomerHistory(ctx context.Context, o thankyou.Order) (eligibility.History, error) {
	key := CustomerKey(o)
	if key == "" {
		return eligibility.History{}, nil
	}
	c, found, err := s.getCustomer(ctx, customerKey(o.Source, o.Shop, key))
	if err != nil {
		return eligibility.History{}, fmt.Errorf("customer history for task %s: %w", o.TaskID(), err)
	}
	if !found {
		return eligibility.History{}, nil
	}
	h := eligibility.History{Tasks: len(c.TaskIDs)}
	if slices.Contains(c.TaskIDs, o.TaskID()) {
		h.Tasks--
	}
	if h.LastThanked, err = parseTime(c.LastThankedAt); err != nil {
		return eligibility.History{}, fmt.Errorf("customer history for task %s: lastThankedAt: %w", o.TaskID(), err)
	}
	return h, nil
}

// ReserveThankYou takes the order's customer's thank-you at the order's
// shop under a frequency cap of capDays: with one conditional UpdateItem
// on the customer's record, it becomes the customer's last thank-you
// (lastThankedAt = now, lastTask = the order's task) only if the customer
// was not thanked in the capDays before now, or the last thank-you is this
// same order's (a retried delivery). So of two orders of one customer
// handled at once, exactly one is reserved. When it is not reserved,
// last is when the customer was last thanked. An order without phone and
// email has no record and is always reserved.
func (s *Store) ReserveThankYou(ctx context.Context, o thankyou.Order, capDays int, now time.Time) (reserved bool, last time.Time, err error) {
	key := CustomerKey(o)
	if key == "" || capDays <= 0 {
		return true, time.Time{}, nil
	}
	cutoff := now.Add(-time.Duration(capDays) * 24 * time.Hour)
	u := newUpdate()
	u.set("source", str(string(o.Source)))
	u.setString("shop", o.Shop)
	u.set("lastThankedAt", str(formatTime(now)))
	u.set("lastTask", str(o.TaskID()))
	u.set("updatedAt", str(formatTime(now)))
	// Kept until the cap has passed at least; recordCustomerTask extends it.
	u.setExpr("expiresAt", fmt.Sprintf("if_not_exists(%s, %s)", u.name("expiresAt"), u.value("exp", num(s.expiresAt(now.Add(time.Duration(capDays)*24*time.Hour))))))
	cond := fmt.Sprintf("attribute_not_exists(%s) OR %s <= %s OR %s = %s",
		u.name("lastThankedAt"), u.name("lastThankedAt"), u.value("cutoff", str(formatTime(cutoff))),
		u.name("lastTask"), u.value("task", str(o.TaskID())))
	_, err = s.updateItem(ctx, customerKey(o.Source, o.Shop, key), u, cond)
	if err == nil {
		return true, time.Time{}, nil
	}
	if !isConditionFailed(err) {
		return false, time.Time{}, fmt.Errorf("reserve thank-you for task %s: %w", o.TaskID(), err)
	}
	c, _, err := s.getCustomer(ctx, customerKey(o.Source, o.Shop, key))
	if err != nil {
		return false, time.Time{}, fmt.Errorf("reserve thank-you for task %s: %w", o.TaskID(), err)
	}
	last, err = parseTime(c.LastThankedAt)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("reserve thank-you for task %s: lastThankedAt: %w", o.TaskID(), err)
	}
	return false, last, nil
}
