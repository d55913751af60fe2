package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Privacy requests (a customer's or a shop's erasure) live in one
// partition, pk "PRIVACY", sk "<scope>#shop" or "<scope>#customer#<hash of
// the customer's identities>": a handful of items that one Query lists.
// A request is accepted with one PutItem and carried out later, resumably
// (CarryOutPrivacyRequests); while it is pending, nothing is sent for its
// shop or customer (PrivacyHold).
const privacyPK = "PRIVACY"

// Privacy request states.
const (
	PrivacyPending = "pending"
	PrivacyDone    = "done"
)

// shopErasePage is how many items one page of a shop's erasure scan
// evaluates: the cursor is saved after each page.
const shopErasePage = 1000

// PrivacyRequest is a recorded erasure request.
type PrivacyRequest struct {
	Source thankyou.Source
	Shop   string
	// Kind is thankyou.DeliveryCustomerRedact or DeliveryShopRedact.
	Kind thankyou.DeliveryKind
	// Customer names the customer of a customer's erasure while it is
	// pending; it is removed when the request is done.
	Customer    thankyou.Customer
	State       string
	RequestedAt time.Time
	FinishedAt  time.Time
	// Erased counts the tasks (a customer's) or items (a shop's) erased.
	Erased int
	// Runs counts the runs that worked on it; LastError is the last run's
	// failure, if it failed.
	Runs      int
	LastError string
	// HasCursor is set while a shop's erasure is part-way through its scan.
	HasCursor bool
}

type privacyItem struct {
	PK          string   `dynamodbav:"pk"`
	SK          string   `dynamodbav:"sk"`
	Source      string   `dynamodbav:"source"`
	Shop        string   `dynamodbav:"shop"`
	Kind        string   `dynamodbav:"kind"`
	State       string   `dynamodbav:"state"`
	PlatformID  string   `dynamodbav:"customerId,omitempty"`
	Phones      []string `dynamodbav:"phones,omitempty"`
	Emails      []string `dynamodbav:"emails,omitempty"`
	OrderIDs    []string `dynamodbav:"orderIds,omitempty"`
	RequestedAt string   `dynamodbav:"requestedAt"`
	FinishedAt  string   `dynamodbav:"finishedAt,omitempty"`
	Erased      int      `dynamodbav:"erased"`
	Runs        int      `dynamodbav:"runs"`
	LastError   string   `dynamodbav:"lastError,omitempty"`
	CursorPK    string   `dynamodbav:"cursorPk,omitempty"`
	CursorSK    string   `dynamodbav:"cursorSk,omitempty"`
	ExpiresAt   int64    `dynamodbav:"expiresAt,omitempty"`
}

func (it privacyItem) request() PrivacyRequest {
	r := PrivacyRequest{
		Source: thankyou.Source(it.Source), Shop: it.Shop, Kind: thankyou.DeliveryKind(it.Kind), State: it.State,
		Customer: thankyou.Customer{PlatformID: it.PlatformID, Phones: it.Phones, Emails: it.Emails, OrderIDs: it.OrderIDs},
		Erased:   it.Erased, Runs: it.Runs, LastError: it.LastError, HasCursor: it.CursorPK != "",
	}
	r.RequestedAt, _ = time.Parse(time.RFC3339Nano, it.RequestedAt)
	r.FinishedAt, _ = time.Parse(time.RFC3339Nano, it.FinishedAt)
	return r
}

// privacySK is a request's sort key: its shop's scope, then the shop or
// the customer's identities (hashed, in a stable order).
func privacySK(source thankyou.Source, shop string, kind thankyou.DeliveryKind, c thankyou.Customer) string {
	sk := scope(source, shop) + "#"
	if kind == thankyou.DeliveryShopRedact {
		return sk + "shop"
	}
	ids := []string{"id:" + c.PlatformID}
	for _, p := range c.Phones {
		ids = append(ids, "phone:"+strings.TrimSpace(p))
	}
	for _, e := range c.Emails {
		ids = append(ids, "email:"+strings.ToLower(strings.TrimSpace(e)))
	}
	for _, o := range c.OrderIDs {
		ids = append(ids, "order:"+o)
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(slices.Compact(ids), "\n")))
	return sk + "customer#" + hex.EncodeToString(sum[:16])
}

// RequestErasure records an erasure request (a customer's or a shop's) so
// that it is carried out later, and stops every send for that shop or
// customer from now on (PrivacyHold). It is one PutItem. A request that
// is already pending is left as it is; one that was carried out already
// is recorded again and carried out again (erasing is idempotent): a
// repeated request is always accepted.
func (s *Store) RequestErasure(ctx context.Context, e thankyou.Erasure, now time.Time) error {
	source, shop, kind, c := e.Source, e.Shop, e.Kind, e.Customer
	if kind != thankyou.DeliveryCustomerRedact && kind != thankyou.DeliveryShopRedact {
		return fmt.Errorf("request erasure: %q is not an erasure", kind)
	}
	it := privacyItem{
		PK: privacyPK, SK: privacySK(source, shop, kind, c), Source: string(source), Shop: shop, Kind: string(kind),
		State: PrivacyPending, RequestedAt: formatTime(now),
	}
	if kind == thankyou.DeliveryCustomerRedact {
		it.PlatformID, it.Phones, it.Emails, it.OrderIDs = c.PlatformID, c.Phones, c.Emails, c.OrderIDs
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("request erasure: %w", err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #state = :done"),
		ExpressionAttributeNames:  map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":done": str(PrivacyDone)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("request erasure at %s: %w", scope(source, shop), err)
	}
	return nil
}

// PrivacyRequests lists the recorded erasure requests, pending and done,
// the oldest first; pendingOnly leaves out the done ones. It is one
// consistent Query (paged).
func (s *Store) PrivacyRequests(ctx context.Context, pendingOnly bool) ([]PrivacyRequest, error) {
	return s.privacyQuery(ctx, "", pendingOnly)
}

func (s *Store) privacyQuery(ctx context.Context, skPrefix string, pendingOnly bool) ([]PrivacyRequest, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(privacyPK)},
	}
	if skPrefix != "" {
		in.KeyConditionExpression = aws.String("pk = :pk AND begins_with(sk, :sk)")
		in.ExpressionAttributeValues[":sk"] = str(skPrefix)
	}
	if pendingOnly {
		in.FilterExpression = aws.String("#state = :pending")
		in.ExpressionAttributeNames = map[string]string{"#state": "state"}
		in.ExpressionAttributeValues[":pending"] = str(PrivacyPending)
	}
	var out []PrivacyRequest
	err := s.eachItem(ctx, in, "", func(item map[string]types.AttributeValue) error {
		var it privacyItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return err
		}
		out = append(out, it.request())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("privacy requests: %w", err)
	}
	slices.SortStableFunc(out, func(a, b PrivacyRequest) int { return a.RequestedAt.Compare(b.RequestedAt) })
	return out, nil
}

// PrivacyHold reports whether an erasure request is pending for the
// task's shop or customer: then nothing may be sent for the task. It is
// one consistent Query of the shop's requests.
func (s *Store) PrivacyHold(ctx context.Context, t thankyou.Task) (bool, error) {
	reqs, err := s.privacyQuery(ctx, scope(t.Order.Source, t.Order.Shop)+"#", true)
	if err != nil {
		return false, fmt.Errorf("privacy hold of task %s: %w", t.ID, err)
	}
	return holds(reqs, t), nil
}

// holds is the privacy hold's rule: whether one of the pending requests
// reqs is for the task's shop, or for its customer at that shop.
func holds(reqs []PrivacyRequest, t thankyou.Task) bool {
	for _, r := range reqs {
		if r.State != PrivacyPending || r.Source != t.Order.Source || r.Shop != t.Order.Shop {
			continue // done, or a shop whose scope starts like this one's
		}
		if r.Kind == thankyou.DeliveryShopRedact || customerOf(r.Customer, t) {
			return true
		}
	}
	return false
}

// PrivacySnapshotAge bounds how old the pending erasure requests a
// PrivacySnapshot holds the dispatcher's sends with may be: a request
// recorded while a run is sending holds that run's sends at most this
// long after it was recorded. It stands next to a race no read can close
// (a request recorded while Twilio is accepting a message), and is short
// next to a run of a few minutes, while one Query per 10 seconds of
// sending is nothing next to a Query per send.
const PrivacySnapshotAge = 10 * time.Second

// PrivacySnapshot answers PrivacyHold from the pending erasure requests
// as read at most PrivacySnapshotAge ago, by the store's own rule, with
// one Query per refresh instead of one per send. It is for the
// dispatcher, which sends many thank-yous in a run and carries out the
// requests at its start (Store.PrivacySnapshot). It is safe for concurrent
// use.
type PrivacySnapshot struct {
	store *Store
	now   func() time.Time

	mu   sync.Mutex
	at   time.Time // when reqs were read; zero: never
	reqs []PrivacyRequest
}

// PrivacySnapshot returns a snapshot of the pending erasure requests,
// read when first asked (or listed to be carried out) and again when older
// than PrivacySnapshotAge by now.
func (s *Store) PrivacySnapshot(now func() time.Time) *PrivacySnapshot {
	return &PrivacySnapshot{store: s, now: now}
}

// CarryOutPrivacyRequests is Store.CarryOutPrivacyRequests, whose
// listing of the pending requests also refreshes the snapshot: a run that
// carries them out first reads them once.
func (p *PrivacySnapshot) CarryOutPrivacyRequests(ctx context.Context, now time.Time) (int, error) {
	at := p.now()
	reqs, err := p.store.privacyQuery(ctx, "", true)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	// Those carried out now stay in the snapshot until its next read:
	// their tasks are erased or ended anyway.
	p.reqs, p.at = reqs, at
	p.mu.Unlock()
	return p.store.carryOutAll(ctx, reqs, now)
}

// PrivacyHold reports whether an erasure request pending when the
// snapshot was read holds the task (see Store.PrivacyHold), reading the
// requests again first when the snapshot is older than
// PrivacySnapshotAge.
func (p *PrivacySnapshot) PrivacyHold(ctx context.Context, t thankyou.Task) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.at.IsZero() || now.Sub(p.at) >= PrivacySnapshotAge || now.Before(p.at) {
		reqs, err := p.store.privacyQuery(ctx, "", true)
		if err != nil {
			return false, fmt.Errorf("privacy hold of task %s: %w", t.ID, err)
		}
		p.reqs, p.at = reqs, now
	}
	return holds(p.reqs, t), nil
}

// customerOf reports whether the task is about customer c: its order, its
// phone (or the recipient, for a thank-you to the customer) or its email.
func customerOf(c thankyou.Customer, t thankyou.Task) bool {
	o := t.Order
	if o.ID != "" && slices.Contains(c.OrderIDs, o.ID) {
		return true
	}
	for _, p := range c.Phones {
		if p != "" && (p == o.Phone || p == t.Recipient) {
			return true
		}
	}
	for _, e := range c.Emails {
		if e != "" && strings.EqualFold(strings.TrimSpace(e), strings.TrimSpace(o.Email)) {
			return true
		}
	}
	return false
}

// CarryOutPrivacyRequests carries out the pending erasure requests, the
// oldest first, until none is left or ctx ends, and returns how many it
// finished. Each is resumable: a customer's erasure is run again whole (it
// is idempotent), a shop's continues its scan from the cursor saved after
// each page, and deletes the shop's settings and staff roster last, so a
// request that failed half-way is carried out on the next run. A failure
// is recorded on the request (LastError) and returned.
func (s *Store) CarryOutPrivacyRequests(ctx context.Context, now time.Time) (int, error) {
	reqs, err := s.privacyQuery(ctx, "", true)
	if err != nil {
		return 0, err
	}
	return s.carryOutAll(ctx, reqs, now)
}

// carryOutAll carries out the pending requests reqs, in order.
func (s *Store) carryOutAll(ctx context.Context, reqs []PrivacyRequest, now time.Time) (int, error) {
	done := 0
	for _, r := range reqs {
		if ctx.Err() != nil {
			break
		}
		if err := s.carryOut(ctx, r, now); err != nil {
			if ctx.Err() == nil {
				s.notePrivacyRun(context.WithoutCancel(ctx), r, err.Error())
			}
			return done, fmt.Errorf("carry out the %s request at %s: %w", r.Kind, scope(r.Source, r.Shop), err)
		}
		done++
	}
	return done, nil
}

func (s *Store) carryOut(ctx context.Context, r PrivacyRequest, now time.Time) error {
	key := map[string]types.AttributeValue{"pk": str(privacyPK), "sk": str(privacySK(r.Source, r.Shop, r.Kind, r.Customer))}
	erased := r.Erased
	if r.Kind == thankyou.DeliveryCustomerRedact {
		n, err := s.EraseCustomer(ctx, r.Source, r.Shop, r.Customer, now)
		if err != nil {
			return err
		}
		erased += n
	} else {
		n, err := s.eraseShopResumably(ctx, key, r, now)
		if err != nil {
			return err
		}
		erased = n
	}
	// Done: the customer's identities are forgotten, the record of the
	// request itself expires with the retention.
	u := newUpdate()
	u.set("state", str(PrivacyDone))
	u.set("finishedAt", str(formatTime(now)))
	u.set("erased", num(int64(erased)))
	u.set("expiresAt", num(s.expiresAt(now)))
	u.add("runs", num(1))
	for _, a := range []string{"customerId", "phones", "emails", "orderIds", "lastError", "cursorPk", "cursorSk"} {
		u.remove(a)
	}
	return s.updatePrivacy(ctx, key, u)
}

// eraseShopResumably deletes the shop's tasks, customer records and events
// page by page from the saved cursor, saving the cursor and the count
// after each page, then the shop's settings, staff roster and learnt id.
// It returns the items deleted in all runs.
func (s *Store) eraseShopResumably(ctx context.Context, key map[string]types.AttributeValue, r PrivacyRequest, now time.Time) (int, error) {
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(shopErasePage),
		ProjectionExpression:      aws.String("pk, sk"),
		FilterExpression:          aws.String(shopItemsFilter),
		ExpressionAttributeValues: shopItemsValues(r.Source, r.Shop),
	}
	cur, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("read the request: %w", err)
	}
	var it privacyItem
	if err := attributevalue.UnmarshalMap(cur.Item, &it); err != nil {
		return 0, fmt.Errorf("read the request: %w", err)
	}
	deleted := it.Erased
	if it.CursorPK != "" {
		in.ExclusiveStartKey = map[string]types.AttributeValue{"pk": str(it.CursorPK), "sk": str(it.CursorSK)}
	}
	for {
		page, err := s.client.Scan(ctx, in)
		if err != nil {
			return deleted, fmt.Errorf("scan: %w", err)
		}
		items, forgot, err := s.forgetNumberRoutes(ctx, page.Items, scope(r.Source, r.Shop))
		deleted += forgot
		if err != nil {
			return deleted, err
		}
		n, err := s.batchDelete(ctx, items)
		deleted += n
		if err != nil {
			return deleted, err
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
		u := newUpdate()
		u.set("cursorPk", page.LastEvaluatedKey["pk"])
		u.set("cursorSk", page.LastEvaluatedKey["sk"])
		u.set("erased", num(int64(deleted)))
		if err := s.updatePrivacy(ctx, key, u); err != nil {
			return deleted, err
		}
	}
	// The settings go last (EraseShopSettings keeps only the secret
	// references, so a platform's retry of the request still verifies and
	// is accepted, now and after).
	if err := s.EraseShopSettings(ctx, r.Source, r.Shop, now); err != nil {
		return deleted, err
	}
	if _, err := s.DeleteShopStaff(ctx, r.Source, r.Shop); err != nil {
		return deleted, err
	}
	return deleted, nil
}

// batchDelete deletes the items with the given keys, 25 to a
// BatchWriteItem (DynamoDB's most), retrying what DynamoDB left
// unprocessed, and returns how many it deleted.
func (s *Store) batchDelete(ctx context.Context, keys []map[string]types.AttributeValue) (int, error) {
	deleted := 0
	for chunk := range slices.Chunk(keys, 25) {
		reqs := make([]types.WriteRequest, len(chunk))
		for i, k := range chunk {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"pk": k["pk"], "sk": k["sk"]}}}
		}
		pending := map[string][]types.WriteRequest{s.table: reqs}
		for round := 0; len(pending[s.table]) > 0; round++ {
			if round == maxStatusRounds {
				return deleted, fmt.Errorf("delete items: %d left unprocessed", len(pending[s.table]))
			}
			out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return deleted, fmt.Errorf("delete items: %w", err)
			}
			deleted += len(pending[s.table]) - len(out.UnprocessedItems[s.table])
			pending = out.UnprocessedItems
			if len(pending[s.table]) > 0 {
				time.Sleep(time.Duration(round+1) * 50 * time.Millisecond)
			}
		}
	}
	return deleted, nil
}

// notePrivacyRun records a failed run on a pending request.
func (s *Store) notePrivacyRun(ctx context.Context, r PrivacyRequest, failure string) {
	u := newUpdate()
	u.add("runs", num(1))
	if len(failure) > 256 {
		failure = failure[:256]
	}
	u.set("lastError", str(failure))
	key := map[string]types.AttributeValue{"pk": str(privacyPK), "sk": str(privacySK(r.Source, r.Shop, r.Kind, r.Customer))}
	_ = s.updatePrivacy(ctx, key, u)
}

func (s *Store) updatePrivacy(ctx context.Context, key map[string]types.AttributeValue, u *update) error {
	if _, err := s.updateItem(ctx, key, u, "attribute_exists(pk)"); err != nil {
		return fmt.Errorf("update the request: %w", err)
	}
	return nil
}
