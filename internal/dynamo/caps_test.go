package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestConcurrentTakersGetAtMostTheCapsSlots takes a cap's slots (a
// customer cap's item, and a number's item through its admission) from
// 12 takers at once: exactly max win.
func TestConcurrentTakersGetAtMostTheCapsSlots(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	for name, take := range map[string]func(key, owner string, max int) (bool, error){
		"cap": func(key, owner string, max int) (bool, error) {
			ok, _, err := e.store.TakeSlot(ctx, key, owner, max, 24*time.Hour, t0)
			return ok, err
		},
		"number": func(key, owner string, max int) (bool, error) {
			ok, out, _, err := e.store.AdmitNumber(ctx, key, owner, max, 24*time.Hour, t0)
			if out {
				err = fmt.Errorf("admission of %s: opted out", owner)
			}
			return ok, err
		},
	} {
		for _, max := range []int{1, 3} {
			key := fmt.Sprintf("+1415555%04d", max)
			var got atomic.Int32
			var wg sync.WaitGroup
			for i := range 12 {
				wg.Go(func() {
					ok, err := take(key, fmt.Sprintf("task-%d", i), max)
					if err != nil {
						t.Error(err)
					}
					if ok {
						got.Add(1)
					}
				})
			}
			wg.Wait()
			if int(got.Load()) != max {
				t.Errorf("%s cap %d: %d of 12 concurrent takers got a slot", name, max, got.Load())
			}
		}
	}
}

func TestCapSlotIsTheOwnersAndFreesAfterThePeriod(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	key := "number:" + testPhone
	take := func(owner string, at time.Time) (bool, time.Time) {
		t.Helper()
		ok, free, err := e.store.TakeSlot(ctx, key, owner, 1, 24*time.Hour, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok, free
	}
	if ok, _ := take("a", t0); !ok {
		t.Fatal("first taker refused")
	}
	if ok, _ := take("a", t0.Add(time.Hour)); !ok {
		t.Fatal("the owner's own slot refused")
	}
	// The owner's second contact (a call's SMS fallback) moved the
	// period's start to it.
	if ok, free := take("b", t0.Add(2*time.Hour)); ok || !free.Equal(t0.Add(25*time.Hour)) {
		t.Fatalf("another owner within the period: ok %v, free %v; want refused until %v", ok, free, t0.Add(25*time.Hour))
	}
	if ok, _ := take("b", t0.Add(24*time.Hour)); ok {
		t.Fatal("taken within the period of the owner's last contact")
	}
	if ok, _ := take("b", t0.Add(25*time.Hour)); !ok {
		t.Fatal("refused after the period")
	}
	if _, _, err := e.store.TakeSlot(ctx, key, "c", 0, time.Hour, t0); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Fatalf("cap of 0: %v, want EINVALID", err)
	}
	// No phone number is stored in clear.
	out, err := e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 {
		t.Fatalf("%d items, want the one cap item", len(out.Items))
	}
	for k, v := range out.Items[0] {
		if strings.Contains(fmt.Sprintf("%#v", v), "5550123") {
			t.Errorf("attribute %s holds the phone number", k)
		}
	}
}
