package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// numberPrefix begins the key of a number's item, "OPTOUT#<E.164>" /
// "OPTOUT", which holds what a thank-you to the number must check and
// leaves behind, so that admitting one is a single conditional write
// (AdmitNumber):
//
//   - its opt-out: phone, keyword, reason, optedOutAt. The number is opted
//     out exactly when optedOutAt is set (every opt-out ever stored has
//     it);
//   - the number cap's slots: s<i> (when taken) and o<i> (a hash of the
//     task that holds it);
//   - the reply route: routeTask and routeAt, the task whose thank-you
//     last reached the number (a message from it is a reply to that task),
//     valid for the retention after routeAt;
//   - expiresAt (TTL): set by an admission, a retention ahead; removed by
//     an opt-out, which never expires; set again when the opt-out is
//     cleared.
//
// The key holds the phone number: never log it.
const numberPrefix = "OPTOUT#"

// The number item's attributes that more than one function names.
const (
	attrOptedOutAt = "optedOutAt"
	attrRouteTask  = "routeTask"
	attrRouteAt    = "routeAt"
)

// optOutAttrs are the opt-out's attributes on a number's item.
var optOutAttrs = []string{"phone", "keyword", "reason", attrOptedOutAt}

// optOutKey is the primary key of a number's item (numberItemDoc).
func optOutKey(e164 string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(numberPrefix + e164), "sk": str("OPTOUT")}
}

// isOptedOut reports whether a number's item, as read, records an opt-out.
func isOptedOut(item map[string]types.AttributeValue) bool {
	_, ok := item[attrOptedOutAt]
	return ok
}

func checkPhone(op, e164 string) error {
	if e164 == "" {
		return thankyou.Errorf(thankyou.EINVALID, "%s: empty phone number", op)
	}
	return nil
}

// SetOptOut records that the E.164 number e164 asked (with keyword, e.g.
// STOP) to receive no more messages. Recording it again updates it.
// Opt-outs do not expire.
func (s *Store) SetOptOut(ctx context.Context, e164, keyword string, now time.Time) error {
	if err := checkPhone("set opt-out", e164); err != nil {
		return err
	}
	if err := s.optOut(ctx, e164, keyword, "", now); err != nil {
		return fmt.Errorf("set opt-out %s: %w", phone.Mask(e164), err)
	}
	return nil
}

// optOut writes the opt-out onto the number's item, keeping its slots and
// reply route, and takes its expiry off: an opt-out never expires.
func (s *Store) optOut(ctx context.Context, e164, keyword, reason string, now time.Time) error {
	u := newUpdate()
	u.set("phone", str(e164))
	u.setString("keyword", keyword)
	u.setString("reason", strings.TrimSpace(reason))
	u.set(attrOptedOutAt, str(formatTime(now)))
	u.remove("expiresAt")
	_, err := s.updateItem(ctx, optOutKey(e164), u, "")
	return err
}

// ClearOptOut removes the opt-out of the E.164 number e164 (it texted
// START), and only it: the number's cap slots and reply route stay, and
// the item expires a retention after now. Clearing a number that is not
// opted out is no error.
func (s *Store) ClearOptOut(ctx context.Context, e164 string, now time.Time) error {
	if err := checkPhone("clear opt-out", e164); err != nil {
		return err
	}
	u := newUpdate()
	u.remove(optOutAttrs...)
	u.set("expiresAt", num(s.expiresAt(now)))
	_, err := s.updateItem(ctx, optOutKey(e164), u, "attribute_exists(pk)")
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("clear opt-out %s: %w", phone.Mask(e164), err)
	}
	return nil
}

// OptedOut reports whether the E.164 number e164 has opted out
// (strongly consistent read).
func (s *Store) OptedOut(ctx context.Context, e164 string) (bool, error) {
	if err := checkPhone("check opt-out", e164); err != nil {
		return false, err
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      optOutKey(e164),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#at"),
		ExpressionAttributeNames: map[string]string{"#at": attrOptedOutAt},
	})
	if err != nil {
		return false, fmt.Errorf("check opt-out %s: %w", phone.Mask(e164), err)
	}
	return isOptedOut(out.Item), nil
}
