package faults_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// The suite's knobs.
const (
	// scaleEnv sizes the suite: 1 is the full size (1,000 tasks for the
	// dispatcher tests); the default keeps `go test ./...` short.
	scaleEnv     = "THANKYOU_FAULT_SCALE"
	defaultScale = 0.2
	// seedEnv replays the faults' random choices of an earlier run (each
	// test logs its seed). Concurrency still varies the interleaving.
	seedEnv = "THANKYOU_FAULT_SEED"
)

// The local Twilio account of events/env.json.
const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
)

// tick is the dispatcher's schedule (template.yaml: rate(5 minutes)).
const tick = 5 * time.Minute

var discard = slog.New(slog.NewJSONHandler(io.Discard, nil))

// scaled returns full × THANKYOU_FAULT_SCALE, and at least least.
func scaled(t testing.TB, full, least int) int {
	t.Helper()
	s := defaultScale
	if v := os.Getenv(scaleEnv); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			t.Fatalf("%s=%q: want a positive number (1 = full size)", scaleEnv, v)
		}
		s = f
	}
	return max(least, int(math.Round(float64(full)*s)))
}

// seed returns THANKYOU_FAULT_SEED, or a random seed, and logs it.
func seed(t testing.TB) uint64 {
	t.Helper()
	if v := os.Getenv(seedEnv); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil || s == 0 {
			t.Fatalf("%s=%q: want a positive whole number", seedEnv, v)
		}
		t.Logf("seed %d (from %s)", s, seedEnv)
		return s
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	s := binary.LittleEndian.Uint64(b[:]) | 1
	t.Logf("seed %d (%s=%d replays these faults)", s, seedEnv, s)
	return s
}

func repoPath(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", ".."}, parts...)...)
}

// env returns a function's configuration from events/env.json (the local
// secrets, as the Lambdas get them), on table, with overrides.
func env(t testing.TB, function, table string, override map[string]string) config.Getenv {
	t.Helper()
	all, err := localstack.LoadEnvFile(repoPath("events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	vars, ok := all[function]
	if !ok {
		t.Fatalf("events/env.json has no %s", function)
	}
	return func(k string) string {
		if k == "TABLE_NAME" {
			return table
		}
		if v, ok := override[k]; ok {
			return v
		}
		return vars[k]
	}
}

// countItems counts the items of the table whose pk starts with prefix
// ("" for all of them). It scans: for tests only.
func countItems(t testing.TB, c *dynamodb.Client, table, prefix string) int {
	t.Helper()
	in := &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount}
	if prefix != "" {
		in.FilterExpression = aws.String("begins_with(pk, :p)")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: prefix}}
	}
	n := 0
	p := dynamodb.NewScanPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += int(page.Count)
	}
	return n
}

// allTasks reads every task of the store.
func allTasks(t testing.TB, s *dynamo.Store) map[string]thankyou.Task {
	t.Helper()
	out := map[string]thankyou.Task{}
	err := s.ListTasks(context.Background(), dynamo.TaskFilter{}, func(task thankyou.Task) error {
		out[task.ID] = task
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// taskOf returns the task id a message's status callback URL carries.
func taskOf(m twiliotest.Message) string {
	_, q, _ := strings.Cut(m.StatusCallback, "?")
	v, _ := url.ParseQuery(q)
	return v.Get("task")
}

// messagesByTask groups the messages Twilio accepted by task.
func messagesByTask(msgs []twiliotest.Message) map[string][]twiliotest.Message {
	out := map[string][]twiliotest.Message{}
	for _, m := range msgs {
		out[taskOf(m)] = append(out[taskOf(m)], m)
	}
	return out
}

// counter counts named things safely from many goroutines.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) add(k string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[k] += n
}

// table formats rows of label and value for t.Log.
func tabulate(rows ...[2]any) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n  %-58s %v", r[0], r[1])
	}
	return b.String()
}
