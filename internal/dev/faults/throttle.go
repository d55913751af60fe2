// Package faults injects the faults that the fault and load suite puts the
// service through, in front of the real local servers: Throttler answers a
// fraction of DynamoDB requests with DynamoDB's own throttling error, and
// FlakyTwilio fails a fraction of Twilio sends with Twilio's temporary
// errors and with timeouts. Both are HTTP reverse proxies, so the service's
// normal clients (the AWS SDK with its standard retryer, twilio-go) go
// through them unchanged. The suite itself is this package's tests; the
// command infra/ddbthrottle runs a Throttler on its own.
package faults

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ThrottleErrorType is the error DynamoDB answers when a table or index is
// over its provisioned (or on-demand) throughput.
const ThrottleErrorType = "ProvisionedThroughputExceededException"

// throttleBody is DynamoDB's own answer to a throttled request.
const throttleBody = `{"__type":"com.amazonaws.dynamodb.v20120810#` + ThrottleErrorType + `",` +
	`"message":"The level of configured provisioned throughput for the table was exceeded. ` +
	`Consider increasing your provisioning level with the UpdateTable API."}`

// targetPrefix starts the X-Amz-Target header of every DynamoDB API call.
const targetPrefix = "DynamoDB_20120810."

// Throttler is an HTTP reverse proxy in front of a DynamoDB-compatible
// endpoint. It answers a fraction of DynamoDB API calls the way DynamoDB
// answers a throttled request (HTTP 400, x-amzn-ErrorType
// ProvisionedThroughputExceededException, the JSON error body and its
// x-amz-crc32), without forwarding them, and forwards every other request
// unchanged.
//
// A forwarded call that its client gives up on (a cancelled context, a
// process that died) is still carried to its end at the target, as
// DynamoDB carries out a request that reached it whether or not anyone
// waits for the answer. This also keeps dynalite running: it exits when a
// client aborts a request it is still reading. A Throttler with fraction 0
// is such a shield and nothing else.
//
// It is safe for concurrent use.
type Throttler struct {
	fraction float64
	proxy    *httputil.ReverseProxy

	mu  sync.Mutex
	rng *mrand.Rand

	calls, throttled atomic.Int64
}

// NewThrottler returns a Throttler that forwards to target (such as
// "http://127.0.0.1:8000") and throttles each DynamoDB call with
// probability fraction, in [0, 1]. seed makes the choice of throttled calls
// reproducible for a given order of calls; 0 picks a random seed.
func NewThrottler(target string, fraction float64, seed uint64) (*Throttler, error) {
	u, err := parseTarget(target)
	if err != nil {
		return nil, fmt.Errorf("throttler: %w", err)
	}
	if err := checkFraction(fraction); err != nil {
		return nil, fmt.Errorf("throttler: %w", err)
	}
	t := &Throttler{fraction: fraction, rng: newRand(seed)}
	t.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			// The SDK signs the Host header: keep the one it sent.
			r.Out.Host = r.In.Host
			r.Out = r.Out.WithContext(context.WithoutCancel(r.Out.Context()))
		},
		// A client that gave up is no error here.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				http.Error(w, "throttler: target unreachable: "+err.Error(), http.StatusBadGateway)
			}
		},
	}
	return t, nil
}

// maxRequest bounds a request body (DynamoDB's own limit is 16 MB).
const maxRequest = 16 << 20

// ServeHTTP throttles or forwards one request.
func (t *Throttler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The whole request is read before anything is forwarded, so that the
	// target never sees a request cut short by a client that went away.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return // the client is gone: nothing reaches the target
	}
	if len(body) > maxRequest {
		http.Error(w, "throttler: request body over 16 MB", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	if !strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix) {
		t.proxy.ServeHTTP(w, r)
		return
	}
	t.calls.Add(1)
	if !roll(&t.mu, t.rng, t.fraction) {
		t.proxy.ServeHTTP(w, r)
		return
	}
	t.throttled.Add(1)
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("x-amzn-RequestId", requestID())
	h.Set("x-amzn-ErrorType", ThrottleErrorType)
	h.Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(throttleBody))), 10))
	h.Set("Content-Length", strconv.Itoa(len(throttleBody)))
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, throttleBody)
}

// ThrottleStats counts what a Throttler did.
type ThrottleStats struct {
	// Calls counts the DynamoDB API calls received (each SDK retry too).
	Calls int64
	// Throttled counts those answered with ThrottleErrorType.
	Throttled int64
}

// Stats returns the counts so far.
func (t *Throttler) Stats() ThrottleStats {
	return ThrottleStats{Calls: t.calls.Load(), Throttled: t.throttled.Load()}
}

func parseTarget(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q is not an http(s)://host[:port] URL", target)
	}
	return u, nil
}

func checkFraction(f float64) error {
	if math.IsNaN(f) || f < 0 || f > 1 {
		return errors.New("fraction must be between 0 and 1")
	}
	return nil
}

// newRand returns a generator seeded with seed, or with a random seed when
// seed is 0.
func newRand(seed uint64) *mrand.Rand {
	if seed == 0 {
		seed = mrand.Uint64() | 1
	}
	return mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// roll reports true with probability p, drawing from rng under mu.
func roll(mu *sync.Mutex, rng *mrand.Rand, p float64) bool {
	if p <= 0 {
		return false
	}
	mu.Lock()
	defer mu.Unlock()
	return rng.Float64() < p
}

func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
