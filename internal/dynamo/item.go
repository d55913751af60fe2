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
	FamilyName     string `dynamodbav:"familyName,omitempty"`
	Locale         string `dynamodbav:"locale,omitempty"`
	Phone          string `dynamodbav:"phone,omitempty"`
	Email          string `dynamodbav:"email,omitempty"`
	Total          string `dynamodbav:"total,omitempty"`
	Currency       string `dynamodbav:"currency,omitempty"`
	OrderCreatedAt string `dynamodbav:"orderCreatedAt,omitempty"`
	Test           bool   `dynamodbav:"test"`
	SkipReason     string `dynamodbav:"skipReason,omitempty"`
	// SkipCode is a skipped task's thankyou.SkipCode (absent on tasks
	// stored before codes: see thankyou.StoredSkipCode).
	SkipCode string `dynamodbav:"skipCode,omitempty"`
	Country  string `dynamodbav:"country,omitempty"`
	Region   string `dynamodbav:"region,omitempty"`
	// Items are the order's first items (personal data of a kind).
	Items []string `dynamodbav:"items,omitempty"`

	Channel        string `dynamodbav:"channel,omitempty"`
	Recipient      string `dynamodbav:"recipient,omitempty"`
	State          string `dynamodbav:"state"`
	Reason         string `dynamodbav:"reason,omitempty"`
	DueAt          string `dynamodbav:"dueAt,omitempty"`
	Deadline       string `dynamodbav:"deadline,omitempty"`
	TimeZone       string `dynamodbav:"timeZone,omitempty"`
	ShopName       string `dynamodbav:"shopName,omitempty"`
	Window         string `dynamodbav:"window,omitempty"`
	Closed         string `dynamodbav:"closed,omitempty"`
	CapDays        int    `dynamodbav:"capDays,omitempty"`
	Template       string `dynamodbav:"template,omitempty"`
	Language       string `dynamodbav:"language,omitempty"`
	Trigger        string `dynamodbav:"trigger,omitempty"`
	TriggeredAt    string `dynamodbav:"triggeredAt,omitempty"`
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

	// A staff call's progress (thankyou.StaffCall); note is the staff
	// member's free text (personal data of a kind).
	StaffMember string `dynamodbav:"staffMember,omitempty"`
	Reminders   int    `dynamodbav:"reminders,omitempty"`
	Reassigned  int    `dynamodbav:"reassigned,omitempty"`
	RemindedAt  string `dynamodbav:"remindedAt,omitempty"`
	Note        string `dynamodbav:"note,omitempty"`

	// The last call's outcome (thankyou.CallOutcome): a staff member's
	// click-to-call bridge or the automated call. callDuration is in whole
	// seconds.
	CallSID      string `dynamodbav:"callSid,omitempty"`
	CallStatus   string `dynamodbav:"callStatus,omitempty"`
	AnsweredBy   string `dynamodbav:"answeredBy,omitempty"`
	CallCustomer string `dynamodbav:"callCustomer,omitempty"`
	CallDuration int64  `dynamodbav:"callDuration,omitempty"`
	CallAt       string `dynamodbav:"callAt,omitempty"`

	// The automated call's settings (thankyou.Voice), and whether the task
	// already fell back from a call to the SMS.
	VoiceConsent  bool   `dynamodbav:"voiceConsent,omitempty"`
	Voice         string `dynamodbav:"voice,omitempty"`
	VoiceLanguage string `dynamodbav:"voiceLanguage,omitempty"`
	VoicePlayURL  string `dynamodbav:"voicePlayUrl,omitempty"`
	VoiceFallback bool   `dynamodbav:"voiceFallback,omitempty"`

	DuePK string `dynamodbav:"duePk,omitempty"`
	DueSK string `dynamodbav:"dueSk,omitempty"`

	// CallPK and CallSK put a reminded staff call in the calls index under
	// its assignee's phone: "CALLS#<phone>", "<reminded at>#<task id>".
	// They hold a phone number: never log them.
	CallPK string `dynamodbav:"callPk,omitempty"`
	CallSK string `dynamodbav:"callSk,omitempty"`

	History []historyEntry `dynamodbav:"history,omitempty"`

	// Conversation is the customer's replies and the staff's answers
	// (personal data: removed by an erasure); attention flags a complaint.
	Conversation []entryItem `dynamodbav:"conversation,omitempty"`
	Attention    bool        `dynamodbav:"attention,omitempty"`
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
		FamilyName:     o.FamilyName,
		Locale:         o.Locale,
		Phone:          o.Phone,
		Email:          o.Email,
		Total:          o.Total,
		Currency:       o.Currency,
		OrderCreatedAt: formatTime(o.CreatedAt),
		Test:           o.Test,
		SkipReason:     o.SkipReason.Detail,
		SkipCode:       string(t.SkipCode),
		Country:        o.Country,
		Region:         o.Region,
		Items:          o.Items,
		Channel:        string(t.Channel),
		Recipient:      t.Recipient,
		State:          string(t.State),
		Reason:         t.Reason,
		DueAt:          formatTime(t.DueAt),
		Deadline:       formatTime(t.Deadline),
		TimeZone:       t.TimeZone,
		ShopName:       t.ShopName,
		CapDays:        t.CapDays,
		Window:         t.Window.String(),
		Closed:         t.Closed,
		Template:       t.Template,
		Language:       t.Language,
		Trigger:        string(t.Trigger),
		TriggeredAt:    formatTime(t.TriggeredAt),
		Attempts:       t.Attempts,
		LeaseOwner:     t.LeaseOwner,
		LeaseExpiresAt: formatTime(t.LeaseExpiresAt),
		MessageSID:     t.MessageSID,
		ErrorCode:      t.ErrorCode,
		CreatedAt:      formatTime(t.CreatedAt),
		UpdatedAt:      formatTime(t.UpdatedAt),
		StaffMember:    t.Staff.MemberID,
		Reminders:      t.Staff.Reminders,
		Reassigned:     t.Staff.Reassigned,
		RemindedAt:     formatTime(t.Staff.RemindedAt),
		Note:           t.Staff.Note,
		CallSID:        t.Call.SID,
		CallStatus:     t.Call.Status,
		AnsweredBy:     t.Call.AnsweredBy,
		CallCustomer:   t.Call.Customer,
		CallDuration:   durationSeconds(t.Call.Duration),
		CallAt:         formatTime(t.Call.At),
		VoiceConsent:   t.Voice.Consent,
		Voice:          t.Voice.Voice,
		VoiceLanguage:  t.Voice.Language,
		VoicePlayURL:   t.Voice.PlayURL,
		VoiceFallback:  t.VoiceFallback,
	}
}

// durationSeconds is d in whole seconds (rounded), as callDuration stores it.
func durationSeconds(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }

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
	window, err := thankyou.ParseWindowText(it.Window)
	if err != nil {
		firstErr = fmt.Errorf("decode task item: window: %w", err)
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
			FamilyName:   it.FamilyName,
			Locale:       it.Locale,
			Phone:        it.Phone,
			Email:        it.Email,
			Total:        it.Total,
			Currency:     it.Currency,
			CreatedAt:    tm("orderCreatedAt", it.OrderCreatedAt),
			Test:         it.Test,
			SkipReason:   storedSkipReason(it.SkipCode, it.SkipReason),
			Country:      it.Country,
			Region:       it.Region,
			Items:        it.Items,
		},
		Channel:         thankyou.Channel(it.Channel),
		Recipient:       it.Recipient,
		State:           thankyou.State(it.State),
		Reason:          it.Reason,
		SkipCode:        storedSkipCode(it),
		DueAt:           tm("dueAt", it.DueAt),
		Deadline:        tm("deadline", it.Deadline),
		TimeZone:        it.TimeZone,
		ShopName:        it.ShopName,
		CapDays:         it.CapDays,
		Window:          window,
		Closed:          it.Closed,
		Template:        it.Template,
		Language:        it.Language,
		Trigger:         thankyou.Trigger(it.Trigger),
		TriggeredAt:     tm("triggeredAt", it.TriggeredAt),
		Attempts:        it.Attempts,
		LeaseOwner:      it.LeaseOwner,
		LeaseExpiresAt:  tm("leaseExpiresAt", it.LeaseExpiresAt),
		MessageSID:      it.MessageSID,
		ErrorCode:       it.ErrorCode,
		CancelRequested: it.CancelRequested,
		CancelReason:    it.CancelReason,
		CreatedAt:       tm("createdAt", it.CreatedAt),
		UpdatedAt:       tm("updatedAt", it.UpdatedAt),
		Staff: thankyou.StaffCall{
			MemberID:   it.StaffMember,
			Reminders:  it.Reminders,
			Reassigned: it.Reassigned,
			RemindedAt: tm("remindedAt", it.RemindedAt),
			Note:       it.Note,
		},
		Call: thankyou.CallOutcome{
			SID:        it.CallSID,
			Status:     it.CallStatus,
			AnsweredBy: it.AnsweredBy,
			Customer:   it.CallCustomer,
			Duration:   time.Duration(it.CallDuration) * time.Second,
			At:         tm("callAt", it.CallAt),
		},
		Voice: thankyou.Voice{
			Consent:  it.VoiceConsent,
			Voice:    it.Voice,
			Language: it.VoiceLanguage,
			PlayURL:  it.VoicePlayURL,
		},
		VoiceFallback: it.VoiceFallback,
	}
	if it.ExpiresAt != 0 {
		t.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
	}
	t.NeedsAttention = it.Attention
	for i, e := range it.Conversation {
		t.Conversation = append(t.Conversation, thankyou.Entry{
			At: tm(fmt.Sprintf("conversation[%d].at", i), e.At), From: thankyou.Speaker(e.From), Text: e.Text, Complaint: e.Complaint,
		})
	}
	if firstErr != nil {
		return thankyou.Task{}, it, firstErr
	}
	return t, it, nil
}

// storedSkipCode is a skipped task's code, read from an item stored with
// or (before codes) without one; "" for a task that is not skipped.
func storedSkipCode(it taskItem) thankyou.SkipCode {
	if thankyou.State(it.State) != thankyou.StateSkipped {
		return ""
	}
	return thankyou.StoredSkipCode(it.SkipCode, it.Reason)
}

// storedSkipReason is the order's skip reason: a source's reason is the
// task's, so it shares the task's code.
func storedSkipReason(code, detail string) thankyou.SkipReason {
	if detail == "" {
		return thankyou.SkipReason{}
	}
	return thankyou.Skip(thankyou.StoredSkipCode(code, detail), detail)
}
