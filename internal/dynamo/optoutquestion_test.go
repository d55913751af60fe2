package dynamo_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
)

func TestANumberIsAskedToConfirmAnOptOutOncePerWindow(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	var first atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := e.store.ClaimOptOutQuestion(ctx, testPhone, t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				first.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := first.Load(); n != 1 {
		t.Fatalf("10 concurrent claims: %d questions, want 1", n)
	}
	for _, tc := range []struct {
		name  string
		phone string
		at    int64 // seconds after t0
		want  bool
	}{
		{"same number, a day later", testPhone, 24 * 3600, false},
		{"same number, just inside the window", testPhone, int64(dynamo.OptOutQuestionWindow.Seconds()) - 1, false},
		{"another number", "+14155550199", 0, true},
		{"same number, after the window", testPhone, int64(dynamo.OptOutQuestionWindow.Seconds()) + 1, true},
	} {
		got, err := e.store.ClaimOptOutQuestion(ctx, tc.phone, t0.Add(secs(tc.at)))
		if err != nil || got != tc.want {
			t.Errorf("%s: claim = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name  string
		phone string
		at    time.Time
		want  bool
	}{
		{"asked, a day later", testPhone, t0.Add(24 * time.Hour), true},
		{"never asked", "+14155550177", t0, false},
		{"asked, after the window", "+14155550199", t0.Add(dynamo.OptOutQuestionWindow + time.Second), false},
	} {
		got, err := e.store.AskedOptOutQuestion(ctx, tc.phone, tc.at)
		if err != nil || got != tc.want {
			t.Errorf("%s: asked = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if out, err := e.store.OptedOut(ctx, testPhone); err != nil || out {
		t.Errorf("a question is not an opt-out: opted out = %v, %v", out, err)
	}
	// The record holds no phone number in clear.
	scan, err := e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range scan.Items {
		if s := strings.Join(itemStrings(it), " "); strings.Contains(s, strings.TrimPrefix(testPhone, "+")) {
			t.Errorf("question record holds the phone number: %s", s)
		}
	}
	if _, err := e.store.ClaimOptOutQuestion(ctx, "", t0); err == nil {
		t.Error("an empty number was claimed")
	}
}

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }

// itemStrings returns the string and number values of an item.
func itemStrings(it map[string]types.AttributeValue) []string {
	var out []string
	for k, v := range it {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out = append(out, k+"="+v.Value)
		case *types.AttributeValueMemberN:
			out = append(out, k+"="+v.Value)
		}
	}
	return out
}
