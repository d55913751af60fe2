package twilio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxRetryAfter caps a Retry-After we honour.
const maxRetryAfter = 24 * time.Hour

// maxErrorBody is how much of an error answer is kept.
const maxErrorBody = 64 << 10

// do runs one twilio-go call under ctx and the per-request timeout, and
// turns its error into a *thankyou.SendError (joined with ctx.Err() when ctx
// ended).
//
// twilio-go's requests carry no context and its errors lose the HTTP status
// of non-JSON answers and the Retry-After header. So each call gets its own
// small twilio-go client whose transport puts the call's context on the
// request and records the answer's status and headers; the connection pool
// underneath is shared.
func (c *Client) do(ctx context.Context, call func(*twapi.ApiService) error) error {
	reqCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	rec := &recorder{base: c.transport, ctx: reqCtx}
	inner := &twclient.Client{
		Credentials: c.creds,
		HTTPClient: &http.Client{
			Transport: rec,
			// As twilio-go's default client: return redirects as answers.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	inner.SetAccountSid(c.accountSID)
	var base twclient.BaseClient = inner
	if c.base != nil {
		base = &baseURLClient{Client: inner, base: c.base}
	}
	err := call(twapi.NewApiServiceWithClient(base))
	if err == nil {
		return nil
	}
	se := classify(err, rec.answer(), reqCtx, c.timeout)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w: %w", se, ctxErr)
	}
	return se
}

// baseURLClient is a twilio-go client that sends every request to another
// scheme and host (a Twilio-compatible server) with the same path and query.
type baseURLClient struct {
	*twclient.Client
	base *url.URL
}

// SendRequest rewrites rawURL's scheme and host and sends the request with
// the inner client.
func (b *baseURLClient) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host = b.base.Scheme, b.base.Host
	return b.Client.SendRequest(method, u.String(), data, headers, body...)
}

// answer is what the recorder saw of the last HTTP answer.
type answer struct {
	status      int
	retryAfter  string
	contentType string
}

// recorder is the http.RoundTripper of one call: it sends requests under
// the call's context, remembers the last answer, and reads error bodies
// into memory (twilio-go does not close them, which would hold the
// connection).
type recorder struct {
	base http.RoundTripper
	ctx  context.Context

	mu   sync.Mutex
	last answer
}

// RoundTrip implements http.RoundTripper.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req.WithContext(r.ctx))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.last = answer{
		status:      resp.StatusCode,
		retryAfter:  resp.Header.Get("Retry-After"),
		contentType: resp.Header.Get("Content-Type"),
	}
	r.mu.Unlock()
	if resp.StatusCode >= 400 {
		body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		if readErr != nil {
			return nil, readErr
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

func (r *recorder) answer() answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// classify turns a twilio-go error into a *thankyou.SendError, using what
// the recorder saw of the answer (a zero answer: no answer at all).
func classify(err error, a answer, reqCtx context.Context, timeout time.Duration) *thankyou.SendError {
	se := &thankyou.SendError{Status: a.status}
	var restErr *twclient.TwilioRestError
	var v1Err *twclient.RestErrorV1
	switch {
	case errors.As(err, &restErr):
		if se.Status == 0 {
			se.Status = restErr.Status
		}
		se.Code, se.Message = restErr.Code, restErr.Message
	case errors.As(err, &v1Err):
		if se.Status == 0 {
			se.Status = v1Err.HttpStatusCode
		}
		se.Code, se.Message = v1Err.Code, v1Err.Message
	case a.status >= 400:
		// Not Twilio's JSON: a proxy's HTML page, say.
		kind, _, _ := mime.ParseMediaType(a.contentType)
		if kind == "" {
			kind = "unknown"
		}
		se.Message = fmt.Sprintf("unreadable answer (%s)", kind)
	case a.status != 0:
		// Twilio answered success but the answer could not be read: the
		// message may have been accepted.
		se.Message = "success answer could not be read"
		se.Temporary = true
		return se
	case errors.Is(reqCtx.Err(), context.DeadlineExceeded):
		se.Message = fmt.Sprintf("no answer within %s", timeout)
		se.Temporary = true
		return se
	default:
		se.Message = transportMessage(err)
		se.Temporary = true
		return se
	}
	if se.Message == "" {
		se.Message = http.StatusText(se.Status)
	}
	se.Message = scrubNumbers(se.Message)
	se.Temporary = se.Status == http.StatusTooManyRequests || se.Status >= 500
	if se.Status == http.StatusTooManyRequests || se.Status == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(a.retryAfter, time.Now()); ok {
			se.RetryAfter = d
		}
	}
	return se
}

// transportMessage describes a failed exchange without the request URL
// (whose query may hold a phone number).
func transportMessage(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return "no answer: " + scrubNumbers(err.Error())
}

var numberPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\+?[0-9]{7,}`) })

// scrubNumbers masks anything that looks like a phone number in a message
// from Twilio ("The 'To' number +14155550123 is not ...").
func scrubNumbers(s string) string {
	return numberPattern().ReplaceAllStringFunc(s, phone.Mask)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date, relative to now. It caps the delay at maxRetryAfter and reports
// false when v is absent or unreadable.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	} else if errors.Is(err, strconv.ErrRange) {
		return maxRetryAfter, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}
