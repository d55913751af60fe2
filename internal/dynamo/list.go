package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TaskFilter selects tasks for ListTasks; zero fields select everything.
type TaskFilter struct {
	Source thankyou.Source
	// Shop needs Source.
	Shop  string
	State thankyou.State
}

// ListTasks calls fn for every task the filter selects, page by page. It is
// a filtered Scan of the table: for the operators' occasional look (the
// order webhook and the dispatcher never scan), reading the whole table.
func (s *Store) ListTasks(ctx context.Context, f TaskFilter, fn func(thankyou.Task) error) error {
	prefix := "TASK#"
	if f.Source != "" {
		prefix += string(f.Source) + ":"
		if f.Shop != "" {
			prefix = "TASK#" + scope(f.Source, f.Shop) + ":"
		}
	}
	filter := []string{"begins_with(pk, :prefix)"}
	values := map[string]types.AttributeValue{":prefix": str(prefix)}
	names := map[string]string{}
	if f.State != "" {
		filter = append(filter, "#state = :state")
		values[":state"] = str(string(f.State))
		names["#state"] = "state"
	}
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String(strings.Join(filter, " AND ")),
		ExpressionAttributeValues: values,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	p := dynamodb.NewScanPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list tasks: %w", err)
		}
		for _, item := range page.Items {
			t, _, err := decodeTask(item)
			if err != nil {
				return fmt.Errorf("list tasks: %w", err)
			}
			if err := fn(t); err != nil {
				return err
			}
		}
	}
	return nil
}
