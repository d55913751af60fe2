package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// The effect of a shop's thank-yous is measured from items in one
// partition per shop id, pk "EFFECT#<shop>", shared by every source of
// the shop (so a customer who orders through Shopify and then through the
// generic webhook is one customer):
//
//   - sk "LINK#<key>": a customer's link, under the keyed hash (see
//     effect.CustomerKeys) of their phone, else their email: their group
//     (channel, held out or not), when their first thanked or held-out
//     order was placed and a reference to it, and their later orders as
//     "<placed>|<amount>|<currency>|<ref>" strings. An alias of the same
//     fields under the email's key points at it (alias = the phone's key).
//   - sk "CANCELLED#<ref>": an order of the shop that was cancelled or
//     refunded; the report leaves it out.
//
// No item holds a phone number, an email, a name or an order id: only
// keyed hashes, times, amounts, currencies and hashed order references.
const effectPrefix = "EFFECT#"

// maxEffectWindow is how long after a customer's first order their link
// must be kept, at least: the longest repeat window a report can ask for.
const maxEffectWindow = 730 * 24 * time.Hour

func effectPK(shop string) string { return effectPrefix + thankyou.KeyPart(shop) }

func linkKey(shop, key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(effectPK(shop)), "sk": str("LINK#" + key)}
}

// orderRef is the reference of an order in the effect items: a hash of
// its task id, so that the items name no order.
func orderRef(taskID string) string {
	sum := sha256.Sum256([]byte("order\x00" + taskID))
	return hex.EncodeToString(sum[:12])
}

// linkItem is a customer's link (or an alias of it).
type linkItem struct {
	PK       string   `dynamodbav:"pk"`
	SK       string   `dynamodbav:"sk"`
	Channel  string   `dynamodbav:"channel"`
	HeldOut  bool     `dynamodbav:"heldOut"`
	Share    int      `dynamodbav:"share"`
	First    string   `dynamodbav:"first"`
	FirstRef string   `dynamodbav:"firstRef"`
	Alias    string   `dynamodbav:"alias,omitempty"`
	Aliases  []string `dynamodbav:"aliases,stringset,omitempty"`
	Orders   []string `dynamodbav:"orders,stringset,omitempty"`
	// Cancelled is set on a cancellation marker.
	Cancelled bool  `dynamodbav:"cancelled,omitempty"`
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

// placedAt is when the task's order was placed (when it was received, if
// the platform does not say).
func placedAt(t thankyou.Task) time.Time {
	if !t.Order.CreatedAt.IsZero() {
		return t.Order.CreatedAt.UTC()
	}
	return t.CreatedAt.UTC()
}

// LinkOrder places a new order of a shop that measures its effect (its
// holdout share is above 0) in the effect items, before its task is
// written, and returns the customer's group:
//
//   - a customer with a link keeps their group; an order placed after
//     their first is added to their link as a repeat (one UpdateItem);
//   - a customer without one, whose order is to be thanked
//     (effect.ToBeThanked),
//     is assigned a group now (effect.HeldOut under the shop's share as
//     it is today) and gets a link (one conditional PutItem, and one more
//     for the email's alias when the order has both a phone and an email);
//   - anything else (no phone nor email, an order not thanked from a new
//     customer, a platform's test order) writes nothing.
//
// Every call first reads the customer's link (one GetItem, a second when
// the phone's key has none and the order has an email too). A retried delivery changes nothing more, and its Repeat is
// false.
func (s *Store) LinkOrder(ctx context.Context, shop thankyou.Shop, t thankyou.Task) (effect.Assignment, error) {
	keys := effect.CustomerKeys(shop.Salt, t.Order)
	if shop.Salt == "" || keys.Primary() == "" {
		return effect.Assignment{}, nil
	}
	for range 2 {
		link, target, err := s.findLink(ctx, t.Order.Shop, keys)
		if err != nil {
			return effect.Assignment{}, fmt.Errorf("link order of task %s: %w", t.ID, err)
		}
		if link != nil && t.Order.Test {
			// A platform's test order is nobody's purchase: it keeps the
			// customer's group, and is not linked.
			return effect.Assignment{Linked: true, HeldOut: link.HeldOut, Channel: thankyou.Channel(link.Channel), Share: thankyou.Share(link.Share)}, nil
		}
		if link != nil {
			return s.addRepeat(ctx, t, *link, target)
		}
		if !effect.ToBeThanked(t.State) || t.Order.Test {
			return effect.Assignment{}, nil
		}
		a, created, err := s.putLink(ctx, shop, t, keys)
		if err != nil || created {
			return a, err
		}
		// Another order of the customer made the link first: read it.
	}
	return effect.Assignment{}, fmt.Errorf("link order of task %s: the customer's link keeps changing", t.ID)
}

// findLink reads the customer's link under their keys, the phone's first
// (one strongly consistent GetItem per key tried, so a customer found by
// their phone costs one). target is the key of the link itself (an alias
// names it).
func (s *Store) findLink(ctx context.Context, shop string, keys effect.Keys) (*linkItem, string, error) {
	for _, k := range keys.All() {
		var it linkItem
		if found, err := s.getItem(ctx, linkKey(shop, k), &it); err != nil {
			return nil, "", err
		} else if !found {
			continue
		}
		if it.Alias != "" {
			return &it, it.Alias, nil
		}
		return &it, k, nil
	}
	return nil, "", nil
}

// addRepeat adds t's order to the customer's link when it is a later
// order, and returns the customer's group.
func (s *Store) addRepeat(ctx context.Context, t thankyou.Task, link linkItem, target string) (effect.Assignment, error) {
	a := effect.Assignment{Linked: true, HeldOut: link.HeldOut, Channel: thankyou.Channel(link.Channel), Share: thankyou.Share(link.Share)}
	first, err := parseTime(link.First)
	if err != nil {
		return effect.Assignment{}, fmt.Errorf("link order of task %s: first: %w", t.ID, err)
	}
	ref, at := orderRef(t.ID), placedAt(t)
	if ref == link.FirstRef || !at.After(first) {
		return a, nil
	}
	entry := strings.Join([]string{formatTime(at), t.Order.Total, t.Order.Currency, ref}, "|")
	u := newUpdate()
	u.add("orders", &types.AttributeValueMemberSS{Value: []string{entry}})
	// An erased customer's link is not made again by a late order; a
	// retried delivery finds its order there already (Repeat false, so
	// that it is counted once).
	cond := fmt.Sprintf("attribute_exists(pk) AND NOT contains(%s, %s)", u.name("orders"), u.value("entry", str(entry)))
	_, err = s.updateItem(ctx, linkKey(t.Order.Shop, target), u, cond)
	if isConditionFailed(err) {
		return a, nil
	}
	if err != nil {
		return effect.Assignment{}, fmt.Errorf("link repeat order of task %s: %w", t.ID, err)
	}
	a.Repeat = true
	return a, nil
}

// putLink assigns a new customer's group and writes their link (and the
// email's alias); created is false when another order's link was there
// first.
func (s *Store) putLink(ctx context.Context, shop thankyou.Shop, t thankyou.Task, keys effect.Keys) (effect.Assignment, bool, error) {
	primary := keys.Primary()
	a := effect.Assignment{
		Linked: true, Channel: t.Channel, Share: shop.Holdout,
		HeldOut: effect.HeldOut(shop.Salt, t.Channel, primary, shop.Holdout),
	}
	at := placedAt(t)
	it := linkItem{
		PK: effectPK(t.Order.Shop), SK: "LINK#" + primary,
		Channel: string(t.Channel), HeldOut: a.HeldOut, Share: int(shop.Holdout),
		First: formatTime(at), FirstRef: orderRef(t.ID),
		ExpiresAt: s.expiresAt(at.Add(maxEffectWindow)),
	}
	var alias string
	if keys.Phone != "" && keys.Email != "" {
		alias = keys.Email
		it.Aliases = []string{alias}
	}
	if err := s.putNew(ctx, it); isConditionFailed(err) {
		return effect.Assignment{}, false, nil
	} else if err != nil {
		return effect.Assignment{}, false, fmt.Errorf("link first order of task %s: %w", t.ID, err)
	}
	if alias != "" {
		al := it
		al.SK, al.Alias, al.Aliases = "LINK#"+alias, primary, nil
		// An email already linked to another customer keeps its link.
		if err := s.putNew(ctx, al); err != nil && !isConditionFailed(err) {
			return effect.Assignment{}, false, fmt.Errorf("link first order of task %s: alias: %w", t.ID, err)
		}
	}
	return a, true, nil
}

func (s *Store) putNew(ctx context.Context, it linkItem) error {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	return err
}

// MarkOrderCancelled records that an order of a shop that measures its
// effect was cancelled or refunded, with one PutItem: its repeat (or its
// first order) then no longer counts.
func (s *Store) MarkOrderCancelled(ctx context.Context, o thankyou.Order, now time.Time) error {
	it := linkItem{
		PK: effectPK(o.Shop), SK: "CANCELLED#" + orderRef(o.TaskID()), Cancelled: true,
		ExpiresAt: s.expiresAt(now.Add(maxEffectWindow)),
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("mark order of task %s cancelled: %w", o.TaskID(), err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("mark order of task %s cancelled: %w", o.TaskID(), err)
	}
	return nil
}

// EffectLinks reads every customer link of a shop (all its sources), with
// its cancelled orders marked, for effect.Build: one paginated Query of
// the shop's effect partition.
func (s *Store) EffectLinks(ctx context.Context, shop string) ([]effect.Link, error) {
	var items []linkItem
	cancelled := map[string]bool{}
	err := s.eachItem(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(effectPK(shop))},
	}, "", func(av map[string]types.AttributeValue) error {
		var it linkItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return err
		}
		switch {
		case it.Cancelled:
			cancelled[strings.TrimPrefix(it.SK, "CANCELLED#")] = true
		case it.Alias == "" && strings.HasPrefix(it.SK, "LINK#"):
			items = append(items, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("effect links of shop %s: %w", shop, err)
	}
	links := make([]effect.Link, 0, len(items))
	for _, it := range items {
		if cancelled[it.FirstRef] {
			continue // a cancelled first order: nobody was thanked for it
		}
		first, err := parseTime(it.First)
		if err != nil {
			return nil, fmt.Errorf("effect links of shop %s: first: %w", shop, err)
		}
		l := effect.Link{Channel: thankyou.Channel(it.Channel), HeldOut: it.HeldOut, First: first}
		seen := map[string]bool{}
		for _, entry := range slices.Sorted(slices.Values(it.Orders)) {
			o, ref, err := parseRepeat(entry)
			if err != nil {
				return nil, fmt.Errorf("effect links of shop %s: %w", shop, err)
			}
			if seen[ref] {
				continue // the same order, delivered again without its time
			}
			seen[ref] = true
			o.Cancelled = cancelled[ref]
			l.Orders = append(l.Orders, o)
		}
		links = append(links, l)
	}
	return links, nil
}

func parseRepeat(entry string) (effect.Order, string, error) {
	parts := strings.Split(entry, "|")
	if len(parts) != 4 {
		return effect.Order{}, "", fmt.Errorf("repeat order %q: want 4 fields", entry)
	}
	at, err := parseTime(parts[0])
	if err != nil {
		return effect.Order{}, "", fmt.Errorf("repeat order time: %w", err)
	}
	var amount float64
	if parts[1] != "" {
		if amount, err = strconv.ParseFloat(parts[1], 64); err != nil {
			return effect.Order{}, "", fmt.Errorf("repeat order amount: %w", err)
		}
	}
	return effect.Order{At: at, Amount: amount, Currency: parts[2]}, parts[3], nil
}

// eraseEffect deletes a customer's links at a shop (their aliases and
// the link they point to included), so that they leave the figures. The
// shop's salt is read from its settings; a shop without one measures
// nothing.
func (s *Store) eraseEffect(ctx context.Context, source thankyou.Source, shop string, c thankyou.Customer) error {
	sh, err := s.GetShop(ctx, source, shop)
	if thankyou.ErrorCode(err) == thankyou.ENOTFOUND || (err == nil && sh.Salt == "") {
		return nil
	}
	if err != nil {
		return err
	}
	var keys []string
	for _, p := range c.Phones {
		keys = append(keys, effect.CustomerKeys(sh.Salt, thankyou.Order{Phone: p}).Phone)
	}
	for _, e := range c.Emails {
		keys = append(keys, effect.CustomerKeys(sh.Salt, thankyou.Order{Email: e}).Email)
	}
	done := map[string]bool{}
	for len(keys) > 0 {
		k := keys[0]
		keys = keys[1:]
		if k == "" || done[k] {
			continue
		}
		done[k] = true
		out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(s.table), Key: linkKey(shop, k), ReturnValues: types.ReturnValueAllOld,
		})
		if err != nil {
			return fmt.Errorf("delete customer link: %w", err)
		}
		var it linkItem
		if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
			return fmt.Errorf("decode customer link: %w", err)
		}
		keys = append(append(keys, it.Alias), it.Aliases...)
	}
	return nil
}
