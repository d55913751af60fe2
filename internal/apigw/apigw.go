// Package apigw is the HTTP edge of the functions behind API Gateway's HTTP
// API: it reads request bodies and headers out of payload-format-2.0 events,
// maps application errors to HTTP answers in one place, and serves such
// handlers over net/http for local runs.
package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/boundlog"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Body returns the request's raw body, base64-decoded when API Gateway
// encoded it. A body longer than limit bytes is an ETOOLARGE error; it is
// checked before decoding work is done where possible.
func Body(req events.APIGatewayV2HTTPRequest, limit int) ([]byte, error) {
	raw := req.Body
	if !req.IsBase64Encoded {
		if len(raw) > limit {
			return nil, thankyou.Errorf(thankyou.ETOOLARGE, "body is larger than %d KiB", limit>>10)
		}
		return []byte(raw), nil
	}
	if base64.StdEncoding.DecodedLen(len(raw)) > limit+3 {
		return nil, thankyou.Errorf(thankyou.ETOOLARGE, "body is larger than %d KiB", limit>>10)
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, thankyou.WrapError(thankyou.EINVALID, "body is marked base64 but is not valid base64", err)
	}
	if len(b) > limit {
		return nil, thankyou.Errorf(thankyou.ETOOLARGE, "body is larger than %d KiB", limit>>10)
	}
	return b, nil
}

// Header returns the request's headers as an http.Header, so that lookups
// are case-insensitive whatever case the client (or API Gateway) used.
func Header(req events.APIGatewayV2HTTPRequest) http.Header {
	h := make(http.Header, len(req.Headers))
	for k, v := range req.Headers {
		// HTTP API joins repeated headers with commas; keep the value as is.
		h.Add(k, v)
	}
	return h
}

// StatusFor maps an application error code to an HTTP status.
func StatusFor(code string) int {
	switch code {
	case "":
		return http.StatusOK
	case thankyou.EINVALID, thankyou.ETOOLARGE:
		// The order webhook's contract: malformed and oversize bodies are 400.
		return http.StatusBadRequest
	case thankyou.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case thankyou.EFORBIDDEN:
		return http.StatusForbidden
	case thankyou.ENOTFOUND:
		return http.StatusNotFound
	case thankyou.ECONFLICT:
		return http.StatusConflict
	default:
		return http.StatusInternalServerError
	}
}

// ErrorBody is the JSON body of every error answer.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// MaxMessage is the most bytes of an error answer's message: a message
// may quote what the sender sent, and an answer never grows with it.
const MaxMessage = 512

// Error answers err as JSON: its code and user-facing message, cut to
// MaxMessage bytes. Internal errors show a generic message; the caller
// logs the details.
func Error(err error) events.APIGatewayV2HTTPResponse {
	code := thankyou.ErrorCode(err)
	return JSON(StatusFor(code), ErrorBody{Error: code, Message: boundlog.Clip(thankyou.ErrorMessage(err), MaxMessage)})
}

// JSON answers v as JSON with the given status.
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal","message":"internal error"}`)
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}
}

// XML answers an XML document (TwiML) with the given status.
func XML(status int, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "text/xml; charset=utf-8"},
		Body:       body,
	}
}

// LogError logs an error answer: client errors at info, server errors at
// error level. Records never include request bodies.
func LogError(ctx context.Context, log *slog.Logger, req events.APIGatewayV2HTTPRequest, err error) {
	level := slog.LevelInfo
	if StatusFor(thankyou.ErrorCode(err)) >= 500 {
		level = slog.LevelError
	}
	log.Log(ctx, level, "request refused", "route", req.RouteKey, "code", thankyou.ErrorCode(err), "error", err.Error())
}
