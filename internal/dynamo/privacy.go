package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// erasedReason is the reason of an open task ended by an erasure, and
// replaces a reason that quoted the customer's data (Twilio's error
// messages may quote the number).
const erasedReason = "customer data erased"

// Names of personal fields in a Report.
const (
	FieldPhone = thankyou.FieldPhone
	FieldEmail = thankyou.FieldEmail
	FieldName  = thankyou.FieldName
)

// customerTasks returns the ids of a customer's tasks at a shop, sorted:
// those in the customer records of each of c's phones and emails, and those
// of c's order ids. It also returns the keys of the records it found.
func (s *Store) customerTasks(ctx context.Context, source thankyou.Source, shop string, c thankyou.Customer) (ids []string, records []map[string]types.AttributeValue, err error) {
	var keys []string
	for _, p := range c.Phones {
		keys = append(keys, phoneKey(p))
	}
	for _, e := range c.Emails {
		keys = append(keys, emailKey(e))
	}
	slices.Sort(keys)
	seen := map[string]bool{}
	for _, k := range slices.Compact(keys) {
		if k == "" {
			continue
		}
		key := customerKey(source, shop, k)
		rec, found, err := s.getCustomer(ctx, key)
		if err != nil {
			return nil, nil, fmt.Errorf("read customer record: %w", err)
		}
		if !found {
			continue
		}
		records = append(records, key)
		for _, id := range rec.TaskIDs {
			seen[id] = true
		}
	}
	for _, o := range c.OrderIDs {
		if o != "" {
			seen[thankyou.TaskID(source, shop, o)] = true
		}
	}
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, records, nil
}

// EraseCustomer removes a customer's personal data from everything the
// store holds for one shop, and returns how many tasks it changed. It
// finds the customer's tasks through the customer records of each of c's
// phones and emails, and through c's order ids. From each task it removes
// the name, first name, phone and email, the order's items, a staff
// member's note, the conversation (the customer's replies and the staff's
// answers), the recipient when that is the customer's own number (a
// staff member's number stays) and any reason that quotes them (or, for a
// reminded staff call, any reason at all: it may be a staff member's
// words), and sets erasedAt. An open task (pending, sending or reminded)
// also ends cancelled ("customer data erased") and leaves the due index
// and the calls index.
// Then it deletes the reply routes of c's phones to the shop's tasks and
// the customer records.
//
// Each task is changed with its own UpdateItem, conditional on the state
// read (a lost race is read and decided again); the records are deleted
// last, so a failed erasure can simply be run again. A task that holds
// nothing of the customer is not written nor counted, so a repeated
// erasure counts 0.
//
// Opt-out items are kept, phone number and all: they are the suppression
// list that stops the next order from texting a number that said STOP
// (honouring an opt-out is a legal obligation that outlives the erasure,
// and it needs the number itself). A customer given with no phone, email
// or order id erases nothing.
//
// A task is found by its record only under the identity it was recorded
// with (its phone, or its email when it had no phone): an erasure by email
// alone misses tasks recorded under a phone, unless their order ids are
// given too.
func (s *Store) EraseCustomer(ctx context.Context, source thankyou.Source, shop string, c thankyou.Customer, now time.Time) (erased int, err error) {
	ids, records, err := s.customerTasks(ctx, source, shop, c)
	if err != nil {
		return 0, fmt.Errorf("erase customer at %s: %w", scope(source, shop), err)
	}
	for _, id := range ids {
		changed, err := s.eraseTask(ctx, id, c, now)
		if err != nil {
			return erased, fmt.Errorf("erase customer at %s: %w", scope(source, shop), err)
		}
		if changed {
			erased++
		}
	}
	if err := s.forgetLastTasks(ctx, source, shop, c.Phones); err != nil {
		return erased, fmt.Errorf("erase customer at %s: %w", scope(source, shop), err)
	}
	for _, key := range records {
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key})
		if err != nil {
			return erased, fmt.Errorf("erase customer at %s: delete customer record: %w", scope(source, shop), err)
		}
	}
	if err := s.eraseEffect(ctx, source, shop, c); err != nil {
		return erased, fmt.Errorf("erase customer at %s: %w", scope(source, shop), err)
	}
	return erased, nil
}

// forgetLastTasks erases phones' number items for the shop (forgetNumber:
// the item, or only its route to the shop's task when the number opted
// out or its route leads to another shop's task) and their old route
// items that lead to the shop's tasks.
func (s *Store) forgetLastTasks(ctx context.Context, source thankyou.Source, shop string, phones []string) error {
	for _, p := range phones {
		if p == "" {
			continue
		}
		if _, err := s.forgetNumber(ctx, optOutKey(p), scope(source, shop)); err != nil {
			return err
		}
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 aws.String(s.table),
			Key:                       replyKey(p, lastTaskSK),
			ConditionExpression:       aws.String("begins_with(taskId, :shop)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":shop": str(scope(source, shop) + ":")},
		})
		if err != nil && !isConditionFailed(err) {
			return fmt.Errorf("delete reply route: %w", err)
		}
	}
	return nil
}

// forgetNumber erases the number's item with key for shop scope sc: the
// whole item (the number is its key) when the number has not opted out and
// its reply route, if any, leads to a task of sc; its cap slots go with it.
// An opted-out number keeps its item, opt-out and cap slots (the
// suppression list outlives erasure) and loses only a route to sc's task
// (forgetRoute); so does a number whose route leads to another shop's
// task (that shop's customer). deleted tells whether the item went.
func (s *Store) forgetNumber(ctx context.Context, key map[string]types.AttributeValue, sc string) (deleted bool, err error) {
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key:       key,
		ConditionExpression: aws.String(fmt.Sprintf("attribute_not_exists(%s) AND (attribute_not_exists(%s) OR begins_with(%s, :shop))",
			attrOptedOutAt, attrRouteTask, attrRouteTask)),
		ExpressionAttributeValues: map[string]types.AttributeValue{":shop": str(sc + ":")},
	})
	switch {
	case err == nil:
		return true, nil
	case !isConditionFailed(err):
		return false, fmt.Errorf("delete number item: %w", err)
	}
	return false, s.forgetRoute(ctx, key, sc)
}

// forgetRoute removes the reply route from the number's item with key
// when it leads to a task of the shop scope sc; nothing else of the item.
func (s *Store) forgetRoute(ctx context.Context, key map[string]types.AttributeValue, sc string) error {
	u := newUpdate()
	u.remove(attrRouteTask, attrRouteAt)
	cond := fmt.Sprintf("begins_with(%s, %s)", u.name(attrRouteTask), u.value("shop", str(sc+":")))
	if _, err := s.updateItem(ctx, key, u, cond); err != nil && !isConditionFailed(err) {
		return fmt.Errorf("remove reply route: %w", err)
	}
	return nil
}

// conversationText is a conversation's texts, to tell whether it holds
// anything to erase.
func conversationText(es []entryItem) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Text)
		b.WriteString(e.At)
	}
	return b.String()
}

// shopItemsFilter selects a shop's items for its erasure's scan: its
// tasks, customer records, webhook events, waiting forwards, and the reply
// routes (REPLY#<phone>) that lead to its tasks, and its customers' links
// for the effect report; and the numbers' items whose reply route leads
// to its tasks (erased unless opted out: forgetNumberRoutes).
const shopItemsFilter = "begins_with(pk, :task) OR begins_with(pk, :customer) OR begins_with(pk, :event) OR " +
	"begins_with(pk, :forward) OR (begins_with(pk, :reply) AND begins_with(taskId, :taskId)) OR pk = :effect OR " +
	"(begins_with(pk, :number) AND begins_with(routeTask, :taskId))"

// forgetNumberRoutes takes the numbers' items out of the items a shop's
// erasure found (shop scope sc: their routes lead to its tasks) and erases
// them with forgetNumber: an opted-out number keeps its item and loses the
// route. It returns the other items, to delete, and how many numbers it
// erased or unrouted.
func (s *Store) forgetNumberRoutes(ctx context.Context, items []map[string]types.AttributeValue, sc string) (rest []map[string]types.AttributeValue, n int, err error) {
	for _, item := range items {
		if pk, ok := item["pk"].(*types.AttributeValueMemberS); !ok || !strings.HasPrefix(pk.Value, numberPrefix) {
			rest = append(rest, item)
			continue
		}
		if _, err := s.forgetNumber(ctx, map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]}, sc); err != nil {
			return rest, n, err
		}
		n++
	}
	return rest, n, nil
}

// shopItemsValues are shopItemsFilter's values for a source's shop.
func shopItemsValues(source thankyou.Source, shop string) map[string]types.AttributeValue {
	sc := scope(source, shop)
	return map[string]types.AttributeValue{
		":effect":   str(effectPK(shop)),
		":task":     str("TASK#" + sc + ":"),
		":customer": str("CUSTOMER#" + sc + "#"),
		":event":    str("EVENT#" + sc + ":"),
		":forward":  str("FORWARD#" + sc + ":"),
		":reply":    str("REPLY#"),
		":number":   str(numberPrefix),
		":taskId":   str(sc + ":"),
	}
}

// eraseTask removes the customer's personal data from task id and reports
// whether it wrote anything.
func (s *Store) eraseTask(ctx context.Context, id string, c thankyou.Customer, now time.Time) (bool, error) {
	for range maxStatusRounds {
		t, it, err := s.getTask(ctx, id)
		if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("erase task %s: %w", id, err)
		}
		personal := personalValues(it, c)
		u := newUpdate()
		changed := false
		for _, f := range []struct{ attr, value string }{
			{"customerName", it.CustomerName},
			{"firstName", it.FirstName},
			{"familyName", it.FamilyName},
			{"phone", it.Phone},
			{"email", it.Email},
			{"items", strings.Join(it.Items, "\n")},
			{"note", it.Note},
			{"conversation", conversationText(it.Conversation)},
		} {
			if f.value != "" {
				u.remove(f.attr)
				changed = true
			}
		}
		if customersNumber(it, c) {
			u.remove("recipient")
			changed = true
		}
		if mentions(it.CancelReason, personal) {
			u.remove("cancelReason")
			changed = true
		}
		// A staff call's reason may be the staff member's own words (SKIP's
		// reason): free text that may say anything of the customer.
		staffWords := it.RemindedAt != "" && it.Reason != "" && it.Reason != erasedReason
		reasonLeaks := staffWords || mentions(it.Reason, personal)
		open := t.State.Open()
		if !changed && !open && !reasonLeaks {
			return false, nil
		}
		if open {
			s.endTask(u, thankyou.StateCancelled, now)
			u.set("reason", str(erasedReason))
		} else {
			u.set("updatedAt", str(formatTime(now)))
			if reasonLeaks {
				u.set("reason", str(erasedReason))
			}
		}
		u.set("erasedAt", str(formatTime(now)))
		u.history(now, "erased", "state="+string(t.State))
		cond := fmt.Sprintf("%s = %s", u.name("state"), u.value("condState", str(string(t.State))))
		_, err = s.apply(ctx, id, u, cond)
		if isConditionFailed(err) {
			continue // changed since read: decide again
		}
		if err != nil {
			return false, fmt.Errorf("erase task %s: %w", id, err)
		}
		return true, nil
	}
	return false, fmt.Errorf("erase task %s: %w", id, thankyou.Errorf(thankyou.ECONFLICT, "task kept changing"))
}

// customersNumber reports whether the task's recipient is the customer's
// own number (not a staff member's).
func customersNumber(it taskItem, c thankyou.Customer) bool {
	return it.Recipient != "" && (it.Recipient == it.Phone || slices.Contains(c.Phones, it.Recipient))
}

// minPersonalLen is the shortest value looked for in free text: shorter
// ones (a one-letter name) identify no one and would match everything.
const minPersonalLen = 2

// personalValues returns the customer's data as a task and a request know
// it, in the forms free text may quote it.
func personalValues(it taskItem, c thankyou.Customer) []string {
	vals := []string{it.CustomerName, it.FirstName, it.FamilyName, it.Email}
	for _, p := range append([]string{it.Phone}, c.Phones...) {
		vals = append(vals, p, strings.TrimPrefix(p, "+"))
	}
	vals = append(vals, c.Emails...)
	var out []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); len(v) >= minPersonalLen {
			out = append(out, v)
		}
	}
	return out
}

// mentions reports whether text contains any of values, ignoring case.
func mentions(text string, values []string) bool {
	if text == "" {
		return false
	}
	lower := strings.ToLower(text)
	for _, v := range values {
		if strings.Contains(lower, strings.ToLower(v)) {
			return true
		}
	}
	return false
}

// EraseShop deletes every item the store holds for a shop (its tasks with
// their conversations, customer records, webhook events, waiting forwards
// and the numbers' items whose reply routes lead to its tasks) and returns
// how many it deleted (a route removed from a number's item counts as
// one). An opted-out number's item is kept, with its opt-out, and loses
// only the route (forgetNumber).
//
// It is the one operation that Scans the table (with a filter on the key
// prefixes of the shop's items): it is rare and administrative (Shopify
// sends shop/redact 48 hours after a shop uninstalls the app), and a
// per-shop index would cost on every write for it. The scan reads the whole
// table, so it takes time in proportion to it: run it apart from a webhook
// that must answer within seconds. It is safe to run again. now is when the
// erasure was asked for; nothing of the shop is left to record it on.
func (s *Store) EraseShop(ctx context.Context, source thankyou.Source, shop string, now time.Time) (int, error) {
	// The shop's stored settings and its staff roster go too (they hold
	// staff phone numbers).
	if shop != "" {
		if err := s.DeleteShop(ctx, source, shop); err != nil && thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
			return 0, fmt.Errorf("erase shop %s: %w", scope(source, shop), err)
		}
		if _, err := s.DeleteShopStaff(ctx, source, shop); err != nil {
			return 0, fmt.Errorf("erase shop %s staff: %w", scope(source, shop), err)
		}
	}
	sc := scope(source, shop)
	p := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		ProjectionExpression:      aws.String("pk, sk"),
		FilterExpression:          aws.String(shopItemsFilter),
		ExpressionAttributeValues: shopItemsValues(source, shop),
	})
	deleted := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return deleted, fmt.Errorf("erase shop %s: scan: %w", sc, err)
		}
		items, forgot, err := s.forgetNumberRoutes(ctx, page.Items, sc)
		deleted += forgot
		if err != nil {
			return deleted, fmt.Errorf("erase shop %s: %w", sc, err)
		}
		n, err := s.deleteAll(ctx, items)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("erase shop %s: %w", sc, err)
		}
	}
	return deleted, nil
}

// deleteAll deletes the items with the given keys, a few at a time, and
// returns how many it deleted.
func (s *Store) deleteAll(ctx context.Context, keys []map[string]types.AttributeValue) (int, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		deleted  int
		firstErr error
	)
	sem := make(chan struct{}, maxParallelQueries)
	for _, key := range keys {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: aws.String(s.table),
				Key:       map[string]types.AttributeValue{"pk": key["pk"], "sk": key["sk"]},
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("delete item: %w", err)
				}
				return
			}
			deleted++
		})
	}
	wg.Wait()
	return deleted, firstErr
}

// Report and ReportTask are the domain's: what is held about a customer.
type (
	Report     = thankyou.Report
	ReportTask = thankyou.ReportTask
)

// CustomerReport returns what the store holds about a customer at a shop:
// the tasks found as EraseCustomer finds them, with the names of the
// personal fields each still holds, and which of the customer's numbers
// are opted out. It only reads.
func (s *Store) CustomerReport(ctx context.Context, source thankyou.Source, shop string, c thankyou.Customer) (Report, error) {
	ids, _, err := s.customerTasks(ctx, source, shop, c)
	if err != nil {
		return Report{}, fmt.Errorf("customer report at %s: %w", scope(source, shop), err)
	}
	var r Report
	for _, id := range ids {
		t, it, err := s.getTask(ctx, id)
		if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
			continue
		}
		if err != nil {
			return Report{}, fmt.Errorf("customer report at %s: task %s: %w", scope(source, shop), id, err)
		}
		rt := ReportTask{
			ID:          t.ID,
			OrderID:     t.Order.ID,
			OrderNumber: t.Order.Number,
			State:       t.State,
			CreatedAt:   t.CreatedAt,
			DueAt:       t.DueAt,
			Channel:     t.Channel,
		}
		if it.Phone != "" || customersNumber(it, c) {
			rt.Fields = append(rt.Fields, FieldPhone)
		}
		if it.Email != "" {
			rt.Fields = append(rt.Fields, FieldEmail)
		}
		if it.CustomerName != "" || it.FirstName != "" || it.FamilyName != "" {
			rt.Fields = append(rt.Fields, FieldName)
		}
		if len(it.Conversation) > 0 {
			rt.Fields = append(rt.Fields, thankyou.FieldConversation)
		}
		r.Tasks = append(r.Tasks, rt)
	}
	slices.SortStableFunc(r.Tasks, func(a, b ReportTask) int { return a.CreatedAt.Compare(b.CreatedAt) })
	phones := slices.Clone(c.Phones)
	slices.Sort(phones)
	for _, p := range slices.Compact(phones) {
		if p == "" {
			continue
		}
		out, err := s.OptedOut(ctx, p)
		if err != nil {
			return Report{}, fmt.Errorf("customer report at %s: %w", scope(source, shop), err)
		}
		if out {
			r.OptedOut = append(r.OptedOut, p)
		}
	}
	r.OptedOutCount = len(r.OptedOut)
	return r, nil
}
