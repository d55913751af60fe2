package localstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
)

// LoadHTTPEvent reads an API Gateway HTTP API event fixture (events/...).
func LoadHTTPEvent(path string) (events.APIGatewayV2HTTPRequest, error) {
	var ev events.APIGatewayV2HTTPRequest
	b, err := os.ReadFile(path)
	if err != nil {
		return ev, err
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return ev, fmt.Errorf("%s: %w", path, err)
	}
	return ev, nil
}

// PostEvent sends an HTTP API event as the real HTTP request it describes
// to a local API at base (e.g. http://127.0.0.1:3000), and returns the
// answer's status and body.
func PostEvent(ctx context.Context, base string, ev events.APIGatewayV2HTTPRequest) (int, []byte, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return 0, nil, fmt.Errorf("event body: %w", err)
		}
	}
	u := base + ev.RawPath
	if ev.RawQueryString != "" {
		u += "?" + ev.RawQueryString
	}
	req, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range ev.Headers {
		if k != "host" && k != "content-length" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	return resp.StatusCode, rb, err
}
