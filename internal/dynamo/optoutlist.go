package dynamo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
)

// OptOut is one opted-out number. Phone is personal data: mask it.
type OptOut struct {
	Phone string
	// Keyword is the word that opted the number out (STOP, ...), or
	// KeywordOperator for one an operator added.
	Keyword string
	// Reason is the operator's note (an opt-out received by phone or
	// email); "" for one received by SMS.
	Reason string
	At     time.Time
}

// KeywordOperator marks an opt-out an operator added.
const KeywordOperator = "operator"

type optOutItem struct {
	Phone      string `dynamodbav:"phone"`
	Keyword    string `dynamodbav:"keyword,omitempty"`
	Reason     string `dynamodbav:"reason,omitempty"`
	OptedOutAt string `dynamodbav:"optedOutAt,omitempty"`
}

func (it optOutItem) optOut() OptOut {
	at, _ := parseTime(it.OptedOutAt)
	return OptOut{Phone: it.Phone, Keyword: it.Keyword, Reason: it.Reason, At: at}
}

// AddOptOut records an opt-out an operator received by other means than
// SMS (by phone, by email), effective at once: every contact to e164 is
// refused from the next check on. reason is the operator's note.
func (s *Store) AddOptOut(ctx context.Context, e164, reason string, now time.Time) error {
	if err := checkPhone("add opt-out", e164); err != nil {
		return err
	}
	if err := s.optOut(ctx, e164, KeywordOperator, reason, now); err != nil {
		return fmt.Errorf("add opt-out %s: %w", phone.Mask(e164), err)
	}
	return nil
}

// GetOptOut reads the opt-out of e164 (strongly consistent); found is
// false when the number is not opted out.
func (s *Store) GetOptOut(ctx context.Context, e164 string) (o OptOut, found bool, err error) {
	if err := checkPhone("get opt-out", e164); err != nil {
		return OptOut{}, false, err
	}
	var item map[string]types.AttributeValue
	if _, err = s.getItem(ctx, optOutKey(e164), &item); err != nil {
		return OptOut{}, false, fmt.Errorf("get opt-out %s: %w", phone.Mask(e164), err)
	}
	if !isOptedOut(item) {
		return OptOut{}, false, nil
	}
	var it optOutItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return OptOut{}, false, fmt.Errorf("decode opt-out %s: %w", phone.Mask(e164), err)
	}
	if it.Phone == "" {
		it.Phone = e164
	}
	return it.optOut(), true, nil
}

// ListOptOuts returns every opted-out number, the newest first. Opt-outs
// have no partition of their own: this is a filtered Scan of the table,
// for the operators' tool.
func (s *Store) ListOptOuts(ctx context.Context) ([]OptOut, error) {
	var out []OptOut
	p := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String("begins_with(pk, :p) AND sk = :sk AND attribute_exists(optedOutAt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str(numberPrefix), ":sk": str("OPTOUT")},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list opt-outs: %w", err)
		}
		for _, raw := range page.Items {
			var it optOutItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, fmt.Errorf("decode opt-out: %w", err)
			}
			out = append(out, it.optOut())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return out[i].Phone < out[j].Phone
	})
	return out, nil
}
