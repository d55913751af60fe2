package dynamotest_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

func TestCountRequestsCountsEachRequest(t *testing.T) {
	var n *atomic.Int64
	c := dynamotest.NewClient(t, func(o *dynamodb.Options) { n = dynamotest.CountRequests(o) })
	for i := range 3 {
		if _, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
			t.Fatal(err)
		}
		if got, want := n.Load(), int64(i+1); got != want {
			t.Errorf("after %d requests: counted %d", want, got)
		}
	}
}

func TestNewTableIsGoneAfterTheTest(t *testing.T) {
	var table string
	t.Run("uses a table", func(t *testing.T) {
		c, name := dynamotest.NewTable(t)
		table = name
		out, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Table.TableStatus; got != types.TableStatusActive {
			t.Errorf("status = %s, want ACTIVE", got)
		}
	})
	_, err := dynamotest.NewClient(t).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("DescribeTable after the test: %v, want ResourceNotFoundException", err)
	}
}

func TestTwoTablesOfOneTestHaveDifferentNames(t *testing.T) {
	_, a := dynamotest.NewTable(t)
	_, b := dynamotest.NewTable(t)
	if a == b {
		t.Errorf("both tables are named %s", a)
	}
}
