// Package dynamo is the DynamoDB store of Thank-you calls: tasks (one per
// order), the sparse, sharded "due" index the dispatcher sweeps, leases that
// make a task go out once, Twilio status updates, staff calls and automated
// calls (with the sparse "calls" index of calls waiting for a staff
// member's reply), the staff roster, opt-outs, cancellations, customer
// records (for the eligibility rules and privacy requests), webhook event
// deduplication and the erasure of a customer's or a shop's data.
//
// Every change is a single-item conditional write (no transactions), so the
// store runs the same against DynamoDB and against dynalite in tests.
//
// Items hold personal data (phone numbers, names, emails, order items,
// staff notes); keys of opt-out items and of the calls index contain phone
// numbers. Never log items or keys.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Defaults for Options.
const (
	DefaultShards    = 16
	DefaultRetention = 180 * 24 * time.Hour
)

// DueIndex is the name of the table's sparse global secondary index of open
// tasks.
const DueIndex = "due"

// CallsIndex is the name of the table's sparse global secondary index of
// staff calls waiting for a staff member's reply, by that member's phone
// (callPk "CALLS#<phone>", callSk "<reminded at>#<task id>").
const CallsIndex = "calls"

// timeLayout is RFC 3339 in UTC with second precision. It is fixed width, so
// stored times sort as strings.
const timeLayout = "2006-01-02T15:04:05Z"

// Options tune a Store.
type Options struct {
	// Shards is the number of partitions of the due index (DUE#0 ...
	// DUE#<Shards-1>); 0 means DefaultShards. Changing it on a table that
	// holds open tasks hides some of them from the sweep.
	Shards int
	// Retention is how long a task's item (and its personal data) is kept
	// after the task ends; 0 means DefaultRetention.
	Retention time.Duration
}

// Store reads and writes tasks and opt-outs in one DynamoDB table.
type Store struct {
	client    client
	table     string
	shards    int
	retention time.Duration
}

// New returns a Store on the named table. The client is used as is: its
// endpoint comes from the standard SDK configuration.
func New(client *dynamodb.Client, table string, opts Options) *Store {
	if opts.Shards <= 0 {
		opts.Shards = DefaultShards
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	return &Store{client: newClient(client), table: table, shards: opts.Shards, retention: opts.Retention}
}

// taskKey is the primary key of a task's item.
func taskKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("TASK#" + id), "sk": str("TASK")}
}

// duePK returns the due-index partition of a task: DUE#<FNV-1a(id) % shards>.
func (s *Store) duePK(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return "DUE#" + strconv.Itoa(int(h.Sum32()%uint32(s.shards)))
}

// dueSK returns the due-index sort key of a task due at t.
func dueSK(t time.Time, id string) string { return formatTime(t) + "#" + id }

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

func (s *Store) expiresAt(end time.Time) int64 { return end.Add(s.retention).Unix() }

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// getItem reads the item at key (strongly consistent) into v, a pointer
// to an item struct or to a map[string]types.AttributeValue for the item
// as it is; found is false, and v untouched, when there is none. A read
// error is returned as is; a decoding error is wrapped.
func (s *Store) getItem(ctx context.Context, key map[string]types.AttributeValue, v any) (found bool, err error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, err
	}
	if out.Item == nil {
		return false, nil
	}
	if m, ok := v.(*map[string]types.AttributeValue); ok {
		*m = out.Item
		return true, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, v); err != nil {
		return true, fmt.Errorf("decode item: %w", err)
	}
	return true, nil
}

// batchGet reads keys (at most maxBatchGet) with strongly consistent
// BatchGetItem requests and calls fn with every item found, asking again,
// with a growing wait, for the keys a request left unprocessed
// (throttling), at most maxBatchRounds requests in all. It returns the
// requests made; fn's first error is returned as is.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, fn func(item map[string]types.AttributeValue) error) (requests int, err error) {
	wait := 50 * time.Millisecond
	for round := 0; len(keys) > 0; round++ {
		if round == maxBatchRounds {
			return requests, fmt.Errorf("%d keys still unprocessed after %d requests", len(keys), round)
		}
		if round > 0 {
			select {
			case <-ctx.Done():
				return requests, ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}},
		})
		requests++
		if err != nil {
			return requests, err
		}
		for _, item := range out.Responses[s.table] {
			if err := fn(item); err != nil {
				return requests, err
			}
		}
		keys = out.UnprocessedKeys[s.table].Keys
	}
	return requests, nil
}

// eachItem calls fn with every item the query in finds, page after page,
// and stops at fn's first error, which it returns as is. A page that
// cannot be read is an error wrapped with what (as is when what is empty).
func (s *Store) eachItem(ctx context.Context, in *dynamodb.QueryInput, what string, fn func(item map[string]types.AttributeValue) error) error {
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if what == "" {
				return err
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		for _, item := range page.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
	}
	return nil
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// update collects the clauses and placeholders of an UpdateItem request.
// Every attribute goes through a name placeholder (#attr), since several of
// ours (state, source, ...) are reserved words.
type update struct {
	sets    []string
	removes []string
	adds    []string
	names   map[string]string
	values  map[string]types.AttributeValue
}

func newUpdate() *update {
	return &update{names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

// name returns the placeholder of an attribute name.
func (u *update) name(attr string) string {
	u.names["#"+attr] = attr
	return "#" + attr
}

// value returns the placeholder of a value, under a key unique in the request.
func (u *update) value(key string, v types.AttributeValue) string {
	u.values[":"+key] = v
	return ":" + key
}

// set adds SET attr = v.
func (u *update) set(attr string, v types.AttributeValue) {
	u.sets = append(u.sets, u.name(attr)+" = "+u.value(attr, v))
}

// setString adds SET attr = v, or REMOVE attr when v is empty.
func (u *update) setString(attr, v string) {
	if v == "" {
		u.remove(attr)
		return
	}
	u.set(attr, str(v))
}

// setInt adds SET attr = v, or REMOVE attr when v is 0.
func (u *update) setInt(attr string, v int) {
	if v == 0 {
		u.remove(attr)
		return
	}
	u.set(attr, num(int64(v)))
}

// setExpr adds SET attr = expr; expr uses placeholders made with name and value.
func (u *update) setExpr(attr, expr string) {
	u.sets = append(u.sets, u.name(attr)+" = "+expr)
}

// add adds ADD attr v: v is added to a number, or its elements to a set
// (which is created if missing).
func (u *update) add(attr string, v types.AttributeValue) {
	u.adds = append(u.adds, u.name(attr)+" "+u.value(attr, v))
}

func (u *update) remove(attrs ...string) {
	for _, a := range attrs {
		u.removes = append(u.removes, u.name(a))
	}
}

// history appends a history entry. detail must be free of personal data:
// build it from states, codes and ids only, never from free text.
func (u *update) history(now time.Time, event, detail string) {
	h := u.name("history")
	u.setExpr("history", fmt.Sprintf("list_append(if_not_exists(%s, %s), %s)", h,
		u.value("emptyList", &types.AttributeValueMemberL{Value: []types.AttributeValue{}}),
		u.value("historyEntry", &types.AttributeValueMemberL{Value: []types.AttributeValue{historyValue(now, event, detail)}})))
}

func (u *update) expression() string {
	var b strings.Builder
	if len(u.sets) > 0 {
		b.WriteString("SET ")
		b.WriteString(strings.Join(u.sets, ", "))
	}
	if len(u.removes) > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("REMOVE ")
		b.WriteString(strings.Join(u.removes, ", "))
	}
	if len(u.adds) > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("ADD ")
		b.WriteString(strings.Join(u.adds, ", "))
	}
	return b.String()
}

// apply runs the update on a task under condition and returns the item as
// it is after the update.
func (s *Store) apply(ctx context.Context, id string, u *update, condition string) (map[string]types.AttributeValue, error) {
	return s.updateItem(ctx, taskKey(id), u, condition)
}

// updateItem runs the update on the item with key under condition ("" for
// none) and returns the item as it is after the update.
func (s *Store) updateItem(ctx context.Context, key map[string]types.AttributeValue, u *update, condition string) (map[string]types.AttributeValue, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key,
		UpdateExpression:         aws.String(u.expression()),
		ExpressionAttributeNames: u.names,
		ReturnValues:             types.ReturnValueAllNew,
	}
	if condition != "" {
		in.ConditionExpression = aws.String(condition)
	}
	if len(u.values) > 0 {
		in.ExpressionAttributeValues = u.values
	}
	out, err := s.client.UpdateItem(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.Attributes, nil
}
