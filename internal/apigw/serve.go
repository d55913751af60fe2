package apigw

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// HandlerFunc is an HTTP API Lambda handler.
type HandlerFunc func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Route binds an API Gateway route key ("POST /webhooks/{source}") to a handler.
type Route struct {
	Key     string
	Handler HandlerFunc
}

// Server serves HTTP API handlers over net/http the way API Gateway invokes
// them (payload format 2.0), for the local stack and end-to-end tests.
type Server struct {
	routes []Route
	// MaxBody bounds what is read from a request (API Gateway's own limit is 10 MB).
	MaxBody int64
}

// NewServer returns a Server for the routes.
func NewServer(routes ...Route) *Server {
	return &Server{routes: routes, MaxBody: 10 << 20}
}

// ServeHTTP turns the request into an APIGatewayV2HTTPRequest, runs the
// matching handler and writes its answer. Unmatched requests get 404 as from
// API Gateway; a handler error gets 500 as from Lambda.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		handler HandlerFunc
		key     string
		params  map[string]string
	)
	for _, rt := range s.routes {
		if p, ok := match(rt.Key, r.Method, r.URL.Path); ok {
			handler, key, params = rt.Handler, rt.Key, p
			break
		}
	}
	if handler == nil {
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.MaxBody+1))
	if err != nil {
		http.Error(w, `{"message":"could not read body"}`, http.StatusBadRequest)
		return
	}
	req := Request(r, key, params, body)
	resp, err := handler(r.Context(), req)
	if err != nil {
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// Request builds the payload-format-2.0 event API Gateway would send for r.
// Headers are lower-cased, as API Gateway delivers them; bodies that are not
// UTF-8 text or are form-encoded are base64-encoded, as API Gateway does.
func Request(r *http.Request, routeKey string, params map[string]string, body []byte) events.APIGatewayV2HTTPRequest {
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	host := r.Host
	if i := strings.LastIndex(host, ":"); i > 0 {
		host = host[:i]
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",")
	}
	encode := !utf8.Valid(body) || strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded")
	b := string(body)
	if encode {
		b = base64.StdEncoding.EncodeToString(body)
	}
	now := time.Now()
	return events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		Body:                  b,
		IsBase64Encoded:       encode,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   routeKey,
			Stage:      "$default",
			DomainName: host,
			RequestID:  fmt.Sprintf("local-%d", now.UnixNano()),
			TimeEpoch:  now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  r.RemoteAddr,
				UserAgent: r.UserAgent(),
			},
		},
	}
}

// match reports whether method and path match the route key, and the values
// of its {name} segments.
func match(key, method, path string) (map[string]string, bool) {
	m, pattern, ok := strings.Cut(key, " ")
	if !ok || m != method {
		return nil, false
	}
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(xs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = xs[i]
			continue
		}
		if p != xs[i] {
			return nil, false
		}
	}
	return params, true
}
