package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
)

// OptOutQuestionWindow is how long after asking a number to confirm an
// opt-out (its message was ambiguous) it is not asked again. A thank-you
// task lives a few days (its due time plus EXPIRE_AFTER, 72 hours by
// default), so a number is never asked twice about one task.
const OptOutQuestionWindow = 30 * 24 * time.Hour

// optOutQuestionKey is the primary key of the record that a number was
// asked to confirm an opt-out. It holds the number's hash, not the number,
// and its prefix is not "OPTOUT#": it is no opt-out.
func optOutQuestionKey(e164 string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("OPTOUTQ#" + phoneKey(e164)), "sk": str("OPTOUTQ")}
}

// ClaimOptOutQuestion claims the one question asking the E.164 number
// e164 to confirm an opt-out with STOP: it returns true when the number
// was not asked within OptOutQuestionWindow before now, and records the
// question, or false and no error when it was. It is one conditional
// PutItem, so concurrent ambiguous messages get one question; the record
// expires (DynamoDB TTL) at the end of the window, and a record past its
// expiry counts as absent.
func (s *Store) ClaimOptOutQuestion(ctx context.Context, e164 string, now time.Time) (bool, error) {
	if err := checkPhone("claim opt-out question", e164); err != nil {
		return false, err
	}
	item := optOutQuestionKey(e164)
	item["askedAt"] = str(formatTime(now))
	item["expiresAt"] = num(now.Add(OptOutQuestionWindow).Unix())
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #expiresAt < :now"),
		ExpressionAttributeNames:  map[string]string{"#expiresAt": "expiresAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim opt-out question %s: %w", phone.Mask(e164), err)
	}
	return true, nil
}

// AskedOptOutQuestion reports whether the E.164 number e164 was asked to
// confirm an opt-out within OptOutQuestionWindow before now (strongly
// consistent read), so that its "yes" can be read as the answer.
func (s *Store) AskedOptOutQuestion(ctx context.Context, e164 string, now time.Time) (bool, error) {
	if err := checkPhone("check opt-out question", e164); err != nil {
		return false, err
	}
	var item map[string]types.AttributeValue
	_, err := s.getItem(ctx, optOutQuestionKey(e164), &item)
	if err != nil {
		return false, fmt.Errorf("check opt-out question %s: %w", phone.Mask(e164), err)
	}
	exp, ok := item["expiresAt"].(*types.AttributeValueMemberN)
	if !ok {
		return false, nil
	}
	n, err := strconv.ParseInt(exp.Value, 10, 64)
	if err != nil {
		return false, fmt.Errorf("check opt-out question %s: expiresAt %q: %w", phone.Mask(e164), exp.Value, err)
	}
	return n >= now.Unix(), nil
}
