package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// A task's conversation (a customer's replies to the thank-you and the
// staff's answers) is a list on the task's own item, so it lives under the
// task's retention (expiresAt), goes with the task on a shop's erasure and
// is removed from it on a customer's.
//
// Small items find the way to and from it without an index:
//
//   - the reply route on the number's item (numberPrefix): the task whose
//     thank-you last reached the number, written by the admission that
//     let it go (AdmitNumber: no write of its own), read when the number
//     writes back (one read per inbound message; a route stored before
//     it moved there, "REPLY#<customer phone>" / "LAST", is read when the
//     number's item has none);
//   - "REPLY#<staff phone>" / "ORDER#<order number>": the task a forward
//     to that staff phone was about, so `REPLY 1001 ...` from that phone,
//     and only from it, answers that task's customer;
//   - "FORWARD#<task id>" / "ENTRY#<n>": a forward waiting for the staff
//     member's hours, in the due index under its own partition
//     ("FORWARDS"), which the dispatcher reads once a run and the sweep of
//     thank-yous never sees. It names the entry, never its text.
//
// Every one carries the task id and expires with the retention (a route
// on an opted-out number's item is stored as long as the opt-out, and
// read as expired after the retention); keys hold phone numbers: never log
// them.

// forwardsPK is the due-index partition of waiting forwards.
const forwardsPK = "FORWARDS"

// entryItem is one conversation entry as stored.
type entryItem struct {
	At        string `dynamodbav:"at"`
	From      string `dynamodbav:"from"`
	Text      string `dynamodbav:"text,omitempty"`
	Complaint string `dynamodbav:"complaint,omitempty"`
}

// replyItem is a REPLY# item.
type replyItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	TaskID    string `dynamodbav:"taskId"`
	At        string `dynamodbav:"at"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func replyKey(e164, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("REPLY#" + e164), "sk": str(sk)}
}

// lastTaskSK and orderSK are the sort keys of REPLY# items.
const lastTaskSK = "LAST"

func orderSK(number string) string { return "ORDER#" + number }

// NoteLastTask records that task id's thank-you just reached phone on the
// old route item ("REPLY#<phone>" / "LAST"), as versions before the route
// moved to the number's item did. Nothing in the functions writes it any
// more (an admission, AdmitNumber, writes the route); it stays for the
// tests of LastTask's reading of items written before an upgrade, which
// expire a retention after it.
func (s *Store) NoteLastTask(ctx context.Context, phone, id string, now time.Time) error {
	return s.putReply(ctx, phone, lastTaskSK, id, now)
}

// LastTask returns the task whose thank-you last reached phone, unless
// that route expired by now: the route on the number's item, else (for a
// thank-you sent before the route moved there) the old "REPLY#<phone>" /
// "LAST" item.
func (s *Store) LastTask(ctx context.Context, phone string, now time.Time) (string, bool, error) {
	if err := checkPhone("reply route", phone); err != nil {
		return "", false, err
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      optOutKey(phone),
		ProjectionExpression:     aws.String("#task, #at"),
		ExpressionAttributeNames: map[string]string{"#task": attrRouteTask, "#at": attrRouteAt},
	})
	if err != nil {
		return "", false, fmt.Errorf("read reply route: %w", err)
	}
	if v, ok := out.Item[attrRouteTask].(*types.AttributeValueMemberS); ok && v.Value != "" {
		var at time.Time
		if a, ok := out.Item[attrRouteAt].(*types.AttributeValueMemberS); ok {
			at, _ = parseTime(a.Value)
		}
		// The route lives for the retention, as the task does.
		if now.Unix() > s.expiresAt(at) {
			return "", false, nil
		}
		return v.Value, true, nil
	}
	return s.getReply(ctx, phone, lastTaskSK, now)
}

// NoteAnswerable records that a reply of task id's customer was forwarded
// to staffPhone, under the order's number: REPLY <number> from that phone
// answers the task's customer.
func (s *Store) NoteAnswerable(ctx context.Context, staffPhone, number, id string, now time.Time) error {
	return s.putReply(ctx, staffPhone, orderSK(number), id, now)
}

// AnswerableTask returns the task that REPLY <number> from staffPhone
// answers, if a reply of its customer was forwarded there (and the route
// has not expired by now).
func (s *Store) AnswerableTask(ctx context.Context, staffPhone, number string, now time.Time) (string, bool, error) {
	return s.getReply(ctx, staffPhone, orderSK(number), now)
}

func (s *Store) putReply(ctx context.Context, phone, sk, id string, now time.Time) error {
	if phone == "" || id == "" {
		return thankyou.Errorf(thankyou.EINVALID, "reply route: no phone or task")
	}
	it := replyItem{PK: "REPLY#" + phone, SK: sk, TaskID: id, At: formatTime(now), ExpiresAt: s.expiresAt(now)}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("reply route of task %s: %w", id, err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("reply route of task %s: %w", id, err)
	}
	return nil
}

func (s *Store) getReply(ctx context.Context, phone, sk string, now time.Time) (string, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: replyKey(phone, sk)})
	if err != nil {
		return "", false, fmt.Errorf("read reply route: %w", err)
	}
	if len(out.Item) == 0 {
		return "", false, nil
	}
	var it replyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return "", false, fmt.Errorf("read reply route: %w", err)
	}
	// DynamoDB's TTL may lag by days: an expired route is no route.
	if it.ExpiresAt != 0 && now.Unix() > it.ExpiresAt {
		return "", false, nil
	}
	return it.TaskID, it.TaskID != "", nil
}

// AddEntry appends e to task id's conversation and, for a customer's reply
// that read as a complaint, flags the task as needing attention. It returns
// the task as it is now and the entry's index in its conversation. A task
// whose conversation is full (thankyou.MaxConversation), an erased task,
// or a message whose SID was recorded already refuses it with ECONFLICT;
// an unknown task is ENOTFOUND.
func (s *Store) AddEntry(ctx context.Context, id string, e thankyou.Entry, now time.Time) (thankyou.Task, int, error) {
	if len(e.Text) > thankyou.MaxEntryText {
		return thankyou.Task{}, 0, thankyou.Errorf(thankyou.EINVALID, "conversation of task %s: text longer than %d bytes", id, thankyou.MaxEntryText)
	}
	ev := entryItem{At: formatTime(e.At), From: string(e.From), Text: e.Text, Complaint: e.Complaint}
	av, err := attributevalue.Marshal(ev)
	if err != nil {
		return thankyou.Task{}, 0, fmt.Errorf("conversation of task %s: %w", id, err)
	}
	u := newUpdate()
	c := u.name("conversation")
	u.setExpr("conversation", fmt.Sprintf("list_append(if_not_exists(%s, %s), %s)", c,
		u.value("noEntries", &types.AttributeValueMemberL{}), u.value("entry", &types.AttributeValueMemberL{Value: []types.AttributeValue{av}})))
	if e.Complaint != "" {
		u.set("attention", &types.AttributeValueMemberBOOL{Value: true})
	}
	u.set("updatedAt", str(formatTime(now)))
	u.history(now, "conversation", "from="+string(e.From)+complaintDetail(e))
	cond := fmt.Sprintf("attribute_exists(pk) AND attribute_not_exists(%s) AND (attribute_not_exists(%s) OR size(%s) < %s)",
		u.name("erasedAt"), c, c, u.value("max", num(thankyou.MaxConversation)))
	if e.SID != "" {
		// Twilio may deliver a message twice: its SID is recorded once.
		sids := u.name("replySids")
		cond += fmt.Sprintf(" AND NOT contains(%s, %s)", sids, u.value("sid", str(e.SID)))
		u.add("replySids", &types.AttributeValueMemberSS{Value: []string{e.SID}})
	}
	item, err := s.apply(ctx, id, u, cond)
	if isConditionFailed(err) {
		if _, gerr := s.GetTask(ctx, id); thankyou.ErrorCode(gerr) == thankyou.ENOTFOUND {
			return thankyou.Task{}, 0, gerr
		}
		return thankyou.Task{}, 0, thankyou.Errorf(thankyou.ECONFLICT, "conversation of task %s is full or erased, or has this message already", id)
	}
	if err != nil {
		return thankyou.Task{}, 0, fmt.Errorf("conversation of task %s: %w", id, err)
	}
	t, _, err := decodeTask(item)
	if err != nil {
		return thankyou.Task{}, 0, err
	}
	return t, len(t.Conversation) - 1, nil
}

// ClearAttention takes the needs-attention flag off task id (someone at
// the shop dealt with the complaint) and returns the task; a later
// complaint flags it again.
func (s *Store) ClearAttention(ctx context.Context, id string, now time.Time) (thankyou.Task, error) {
	u := newUpdate()
	u.remove("attention")
	u.set("updatedAt", str(formatTime(now)))
	u.history(now, "attention cleared", "")
	item, err := s.apply(ctx, id, u, "attribute_exists(pk)")
	if isConditionFailed(err) {
		return thankyou.Task{}, thankyou.Errorf(thankyou.ENOTFOUND, "no task %s", id)
	}
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("clear attention of task %s: %w", id, err)
	}
	t, _, err := decodeTask(item)
	return t, err
}

// complaintDetail says, for the history, that a reply was a complaint
// (not which word: that is a piece of the customer's text).
func complaintDetail(e thankyou.Entry) string {
	if e.Complaint == "" {
		return ""
	}
	return " complaint"
}

// NoteForwarded records on task id's history that entry n was forwarded to
// staff (who, as "member=<id>" or "shop staff phone", never a number).
func (s *Store) NoteForwarded(ctx context.Context, id string, n int, to string, now time.Time) error {
	u := newUpdate()
	u.history(now, "reply forwarded", fmt.Sprintf("entry=%d to=%s", n, to))
	if _, err := s.apply(ctx, id, u, "attribute_exists(pk)"); err != nil && !isConditionFailed(err) {
		return fmt.Errorf("note forward of task %s: %w", id, err)
	}
	return nil
}

func forwardKey(f thankyou.Forward) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("FORWARD#" + f.TaskID), "sk": str(fmt.Sprintf("ENTRY#%03d", f.Entry))}
}

func forwardSK(due time.Time, f thankyou.Forward) string {
	return formatTime(due) + "#" + f.TaskID + "#" + strconv.Itoa(f.Entry)
}

// QueueForward puts (or moves) a forward waiting until f.Due.
func (s *Store) QueueForward(ctx context.Context, f thankyou.Forward, now time.Time) error {
	item := forwardKey(f)
	item["taskId"] = str(f.TaskID)
	item["entry"] = num(int64(f.Entry))
	item["duePk"] = str(forwardsPK)
	item["dueSk"] = str(forwardSK(f.Due, f))
	item["expiresAt"] = num(s.expiresAt(now))
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("queue forward of task %s: %w", f.TaskID, err)
	}
	return nil
}

// DueForwards returns up to limit forwards due at now, earliest first.
func (s *Store) DueForwards(ctx context.Context, now time.Time, limit int) ([]thankyou.Forward, error) {
	bound := formatTime(now.UTC().Truncate(time.Second).Add(time.Second))
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(DueIndex),
		KeyConditionExpression: aws.String("duePk = :pk AND dueSk < :bound"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(forwardsPK), ":bound": str(bound),
		},
		Limit: aws.Int32(int32(max(1, min(limit, 1000)))),
	})
	if err != nil {
		return nil, fmt.Errorf("due forwards: %w", err)
	}
	var fs []thankyou.Forward
	for _, item := range out.Items {
		sk, ok := item["dueSk"].(*types.AttributeValueMemberS)
		if !ok {
			continue
		}
		// "<time>#<task id>#<entry>": the task id may hold '#' escaped
		// by nothing, so the time is the first part and the entry the last.
		at, rest, _ := strings.Cut(sk.Value, "#")
		i := strings.LastIndexByte(rest, '#')
		if i < 0 {
			continue
		}
		n, err := strconv.Atoi(rest[i+1:])
		due, terr := parseTime(at)
		if err != nil || terr != nil {
			continue
		}
		fs = append(fs, thankyou.Forward{TaskID: rest[:i], Entry: n, Due: due})
	}
	return fs, nil
}

// ClaimForward takes a due forward for lease: it is due again then, so a
// run that dies before DoneForward leaves it to a later run. false: another
// run took or moved it.
func (s *Store) ClaimForward(ctx context.Context, f thankyou.Forward, now time.Time, lease time.Duration) (bool, error) {
	u := newUpdate()
	u.set("dueSk", str(forwardSK(now.Add(lease), f)))
	cond := fmt.Sprintf("%s = %s", u.name("dueSk"), u.value("was", str(forwardSK(f.Due, f))))
	_, err := s.updateItem(ctx, forwardKey(f), u, cond)
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim forward of task %s: %w", f.TaskID, err)
	}
	return true, nil
}

// DoneForward deletes a forward that was sent or will never be.
func (s *Store) DoneForward(ctx context.Context, f thankyou.Forward) error {
	if _, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: forwardKey(f)}); err != nil {
		return fmt.Errorf("delete forward of task %s: %w", f.TaskID, err)
	}
	return nil
}
