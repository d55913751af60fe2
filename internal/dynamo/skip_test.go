package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestSkipCodeIsStoredAndOldTasksGetOneFromTheirReason: a skipped task
// keeps its code next to its readable reason; a task stored before codes
// (no skipCode attribute) reads with the code its reason was written with.
func TestSkipCodeIsStoredAndOldTasksGetOneFromTheirReason(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	for i, tc := range []struct {
		code   thankyou.SkipCode
		reason string
		want   thankyou.SkipCode
	}{
		{thankyou.SkipMinTotal, "order total 12.00 is below the minimum 25.00", thankyou.SkipMinTotal},
		{thankyou.SkipRuleError, `the shop's minimum total rule "NaN" is not an amount (fix it with --min-total)`, thankyou.SkipRuleError},
		{"", "order total 12.00 is below the minimum 25.00", thankyou.SkipMinTotal},
		{"", "ships to FR, not US", thankyou.SkipCountry},
		{"", "no usable phone number", thankyou.SkipNoPhone},
		{"", "something nobody wrote a code for", thankyou.SkipOther},
	} {
		task := pendingTask(string(rune('a'+i)), t0)
		task.State, task.DueAt, task.Deadline, task.Recipient = thankyou.StateSkipped, time.Time{}, time.Time{}, ""
		task.Reason, task.SkipCode = tc.reason, tc.code
		e.create(t, task)
		_, stored := e.raw(t, task.ID)["skipCode"].(*types.AttributeValueMemberS)
		if stored != (tc.code != "") {
			t.Errorf("%q: skipCode attribute stored %v, want %v", tc.reason, stored, tc.code != "")
		}
		if got := e.get(t, task.ID); got.SkipCode != tc.want || got.Reason != tc.reason {
			t.Errorf("read back %q %q, want %q %q", got.SkipCode, got.Reason, tc.want, tc.reason)
		}
	}
}

func TestStaffSkipIsCodedStaff(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := e.reminded(t, "s1", reminder("SM1", "ana", callerA, 1, t0.Add(2*time.Hour)), t0)
	if _, err := e.store.CloseCall(context.Background(), task.ID, callerA, thankyou.StateSkipped, "", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, task.ID); got.State != thankyou.StateSkipped || got.SkipCode != thankyou.SkipStaff || got.Reason == "" {
		t.Errorf("after SKIP: %s %q %q, want skipped, staff, a reason", got.State, got.SkipCode, got.Reason)
	}
}
