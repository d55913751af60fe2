package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// tableWait bounds how long CreateTable waits for the table to be ACTIVE.
const tableWait = 2 * time.Minute

// CreateTable creates the table described by in (e.g. from samtemplate's
// CreateTableInput) unless it exists, waits until it is ACTIVE and turns on
// TTL on ttlAttribute (if not empty and not already on). A server without
// TTL support (dynalite answers UnknownOperationException) is accepted.
// It is idempotent.
func CreateTable(ctx context.Context, c *dynamodb.Client, in *dynamodb.CreateTableInput, ttlAttribute string) error {
	name := aws.ToString(in.TableName)
	_, err := c.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, tableWait); err != nil {
		return fmt.Errorf("create table %s: wait until active: %w", name, err)
	}
	if ttlAttribute == "" {
		return nil
	}
	desc, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: in.TableName})
	if err != nil && !unknownOperation(err) {
		return fmt.Errorf("create table %s: describe TTL: %w", name, err)
	}
	if err == nil && desc.TimeToLiveDescription != nil {
		d := desc.TimeToLiveDescription
		on := d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling
		if on && aws.ToString(d.AttributeName) == ttlAttribute {
			return nil
		}
	}
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: in.TableName,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(ttlAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil && !unknownOperation(err) {
		return fmt.Errorf("create table %s: enable TTL: %w", name, err)
	}
	return nil
}

// unknownOperation reports whether the server does not know the operation
// (dynalite has no UpdateTimeToLive).
func unknownOperation(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException"
}
