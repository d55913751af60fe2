package dynamo

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// taskItem is a task as stored. Times are RFC 3339 UTC strings with second
// precision; expiresAt is epoch seconds (DynamoDB TTL). Empty values are not
// stored.
type taskItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`

	TaskID         string `dynamodbav:"taskId"`
	Source         string `dynamodbav:"source,omitempty"`
	Shop           string `dynamodbav:"shop,omitempty"`
	OrderID        string `dynamodbav:"orderId,omitempty"`
	OrderNumber    string `dynamodbav:"orderNumber,omitempty"`
	CustomerName   string `dynamodbav:"customerName,omitempty"`
	FirstName      string `dynamodbav:"firstName,omitempty"`
	Phone          string `dynamodbav:"phone,omitempty"`
	Email          string `dynamodbav:"email,omitempty"`
	Total          string `dynamodbav:"total,omitempty"`
	Currency       string `dynamodbav:"currency,omitempty"`
	OrderCreatedAt string `dynamodbav:"orderCreatedAt,omitempty"`
	Test           bool   `dynamodbav:"test"`
	SkipReason     string `dynamodbav:"skipReason,omitempty"`

	Channel        string `dynamodbav:"channel,omitempty"`
	Recipient      string `dynamodbav:"recipient,omitempty"`
	State          string `dynamodbav:"state"`
	Reason         string `dynamodbav:"reason,omitempty"`
	DueAt          string `dynamodbav:"dueAt,omitempty"`
	Deadline       string `dynamodbav:"deadline,omitempty"`
	TimeZone       string `dynamodbav:"timeZone,omitempty"`
	ShopName       string `dynamodbav:"shopName,omitempty"`
	Window         string `dynamodbav:"window,omitempty"`
	Template       string `dynamodbav:"template,omitempty"`
	Attempts       int    `dynamodbav:"attempts"`
	LeaseOwner     string `dynamodbav:"leaseOwner,omitempty"`
	LeaseExpiresAt string `dynamodbav:"leaseExpiresAt,omitempty"`
	ClaimedAt      string `dynamodbav:"claimedAt,omitempty"`
	PrevClaimedAt  string `dynamodbav:"prevClaimedAt,omitempty"`
	MessageSID     string `dynamodbav:"messageSid,omitempty"`
	ErrorCode      int    `dynamodbav:"errorCode,omitempty"`
	CreatedAt      string `dynamodbav:"createdAt,omitempty"`
	UpdatedAt      string `dynamodbav:"updatedAt,omitempty"`
	ExpiresAt      int64  `dynamodbav:"expiresAt,omitempty"`

	// CancelRequested is set when a cancellation arrived while a dispatcher
	// held the task (state sending): the dispatcher must not send it, and
	// ends it cancelled with CancelReason instead.
	CancelRequested bool   `dynamodbav:"cancelRequested,omitempty"`
	CancelReason    string `dynamodbav:"cancelReason,omitempty"`
	// ErasedAt is when the customer's personal data was removed.
	ErasedAt string `dynamodbav:"erasedAt,omitempty"`

	DuePK string `dynamodbav:"duePk,omitempty"`
	DueSK string `dynamodbav:"dueSk,omitempty"`

	History []historyEntry `dynamodbav:"history,omitempty"`
}

// historyEntry is one line of a task's history. It never holds personal data.
type historyEntry struct {
	At     string `dynamodbav:"at"`
	Event  string `dynamodbav:"event"`
	Detail string `dynamodbav:"detail,omitempty"`
}

func historyValue(at time.Time, event, detail string) types.AttributeValue {
	m := map[string]types.AttributeValue{"at": str(formatTime(at)), "event": str(event)}
	if detail != "" {
		m["detail"] = str(detail)
	}
	return &types.AttributeValueMemberM{Value: m}
}

// newTaskItem converts a task to its item, without index attributes,
// expiry or history.
func newTaskItem(t thankyou.Task) taskItem {
	o := t.Order
	return taskItem{
		PK:             "TASK#" + t.ID,
		SK:             "TASK",
		TaskID:         t.ID,
		Source:         string(o.Source),
		Shop:           o.Shop,
		OrderID:        o.ID,
		OrderNumber:    o.Number,
		CustomerName:   o.CustomerName,
		FirstName:      o.FirstName,
		Phone:          o.Phone,
		Email:          o.Email,
		Total:          o.Total,
		Currency:       o.Currency,
		OrderCreatedAt: formatTime(o.CreatedAt),
		Test:           o.Test,
		SkipReason:     o.SkipReason,
		Channel:        string(t.Channel),
		Recipient:      t.Recipient,
		State:          string(t.State),
		Reason:         t.Reason,
		DueAt:          formatTime(t.DueAt),
		Deadline:       formatTime(t.Deadline),
		TimeZone:       t.TimeZone,
		ShopName:       t.ShopName,
		Window:         t.Window,
		Template:       t.Template,
		Attempts:       t.Attempts,
		LeaseOwner:     t.LeaseOwner,
		LeaseExpiresAt: formatTime(t.LeaseExpiresAt),
		MessageSID:     t.MessageSID,
		ErrorCode:      t.ErrorCode,
		CreatedAt:      formatTime(t.CreatedAt),
		UpdatedAt:      formatTime(t.UpdatedAt),
	}
}

// decodeTask converts a stored item to its task and returns the item too
// (for the attributes a Task does not carry, like claimedAt).
func decodeTask(av map[string]types.AttributeValue) (thankyou.Task, taskItem, error) {
	var it taskItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return thankyou.Task{}, it, fmt.Errorf("decode task item: %w", err)
	}
	var firstErr error
	tm := func(field, s string) time.Time {
		t, err := parseTime(s)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("decode task item: %s: %w", field, err)
		}
		return t
	}
	t := thankyou.Task{
		ID: it.TaskID,
		Order: thankyou.Order{
			Source:       thankyou.Source(it.Source),
			Shop:         it.Shop,
			ID:           it.OrderID,
			Number:       it.OrderNumber,
			CustomerName: it.CustomerName,
			FirstName:    it.FirstName,
			Phone:        it.Phone,
			Email:        it.Email,
			Total:        it.Total,
			Currency:     it.Currency,
			CreatedAt:    tm("orderCreatedAt", it.OrderCreatedAt),
			Test:         it.Test,
			SkipReason:   it.SkipReason,
		},
		Channel:         thankyou.Channel(it.Channel),
		Recipient:       it.Recipient,
		State:           thankyou.State(it.State),
		Reason:          it.Reason,
		DueAt:           tm("dueAt", it.DueAt),
		Deadline:        tm("deadline", it.Deadline),
		TimeZone:        it.TimeZone,
		ShopName:        it.ShopName,
		Window:          it.Window,
		Template:        it.Template,
		Attempts:        it.Attempts,
		LeaseOwner:      it.LeaseOwner,
		LeaseExpiresAt:  tm("leaseExpiresAt", it.LeaseExpiresAt),
		MessageSID:      it.MessageSID,
		ErrorCode:       it.ErrorCode,
		CancelRequested: it.CancelRequested,
		CancelReason:    it.CancelReason,
		CreatedAt:       tm("createdAt", it.CreatedAt),
		UpdatedAt:       tm("updatedAt", it.UpdatedAt),
	}
	if it.ExpiresAt != 0 {
		t.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
	}
	if firstErr != nil {
		return thankyou.Task{}, it, firstErr
	}
	return t, it, nil
}
