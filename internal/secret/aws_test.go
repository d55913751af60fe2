package secret

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

// sent is what a request to AWS carries that AWS reads.
type sent struct {
	Method, Path, ContentType, Target string
	Body                              map[string]any
	Scope                             string // the credential scope: <date>/<region>/<service>/aws4_request
	Signed                            []string
}

// recorder answers every request with an empty JSON object and keeps what
// it was sent.
func recorder(t *testing.T) (*httptest.Server, func() []sent) {
	t.Helper()
	var mu sync.Mutex
	var got []sent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		s := sent{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Target: r.Header.Get("X-Amz-Target")}
		if err := json.Unmarshal(raw, &s.Body); err != nil {
			t.Errorf("body %q is not JSON: %v", raw, err)
		}
		// AWS4-HMAC-SHA256 Credential=AKID/<scope>, SignedHeaders=a;b, Signature=...
		for _, part := range strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 "), ", ") {
			if v, ok := strings.CutPrefix(part, "Credential="); ok {
				_, s.Scope, _ = strings.Cut(v, "/")
			}
			if v, ok := strings.CutPrefix(part, "SignedHeaders="); ok {
				s.Signed = strings.Split(v, ";")
			}
		}
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Parameter":{"Value":"v"},"SecretString":"v"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []sent { mu.Lock(); defer mu.Unlock(); return append([]sent(nil), got...) }
}

// TestRequestsAreTheSDKClients checks that the client sends what the
// SDK's own ssm and secretsmanager clients send for the same operations:
// method, path, content type, target, JSON body, and a signature for the
// same service and region over at least the headers AWS requires signed.
func TestRequestsAreTheSDKClients(t *testing.T) {
	srv, got := recorder(t)
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return testCreds, nil })
	ctx := context.Background()
	sdkSSM := ssm.New(ssm.Options{Region: "eu-west-3", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client()})
	sdkSM := secretsmanager.New(secretsmanager.Options{Region: "eu-west-3", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client()})
	if _, err := sdkSSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(twilioParam), WithDecryption: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sdkSM.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(twilioARN)}); err != nil {
		t.Fatal(err)
	}
	c := &AWSClient{Credentials: creds, Region: "eu-west-3", HTTPClient: srv.Client(), SSMEndpoint: srv.URL, SecretsManagerEndpoint: srv.URL}
	if v, err := c.GetParameter(ctx, twilioParam); err != nil || v != "v" {
		t.Fatalf("GetParameter = %q, %v", v, err)
	}
	if v, err := c.GetSecretValue(ctx, twilioARN); err != nil || v != "v" {
		t.Fatalf("GetSecretValue = %q, %v", v, err)
	}
	all := got()
	if len(all) != 4 {
		t.Fatalf("%d requests, want 4", len(all))
	}
	for i, op := range []string{"GetParameter", "GetSecretValue"} {
		sdk, ours := all[i], all[i+2]
		if sdk.Method != ours.Method || sdk.Path != ours.Path || sdk.ContentType != ours.ContentType || sdk.Target != ours.Target {
			t.Errorf("%s: sent %s %s %s %s, the SDK %s %s %s %s", op, ours.Method, ours.Path, ours.ContentType, ours.Target,
				sdk.Method, sdk.Path, sdk.ContentType, sdk.Target)
		}
		gb, _ := json.Marshal(ours.Body)
		wb, _ := json.Marshal(sdk.Body)
		if string(gb) != string(wb) {
			t.Errorf("%s: body %s, the SDK's %s", op, gb, wb)
		}
		if ours.Scope != sdk.Scope {
			t.Errorf("%s: credential scope %q, the SDK's %q", op, ours.Scope, sdk.Scope)
		}
		for _, h := range []string{"content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"} {
			if !strings.Contains(";"+strings.Join(ours.Signed, ";")+";", ";"+h+";") {
				t.Errorf("%s: %s is not signed (signed: %v)", op, h, ours.Signed)
			}
		}
	}
}

func TestErrorsAndRetries(t *testing.T) {
	tests := []struct {
		name      string
		answers   []string // "<status> <body>" in turn, then the server's own answer
		ref       string
		want      string // in the error; "" means success
		wantTries int64
		notFound  bool
	}{
		{"a server error is retried", []string{`500 {"__type":"InternalServerError"}`}, twilioParam, "", 2, false},
		{"a throttle is retried", []string{`400 {"__type":"com.amazonaws.ssm#ThrottlingException","message":"Rate exceeded"}`, `429 `}, twilioARN, "", 3, false},
		{"three failures give up, naming the last", []string{`503 `, `503 `, `503 not json`}, twilioParam, "ssm answered HTTP 503 Service Unavailable", 3, false},
		{"access denied is not retried and says why", []string{`400 {"__type":"AccessDeniedException","Message":"not authorized to perform secretsmanager:GetSecretValue"}`}, twilioARN,
			"read secret " + twilioARN + ": secretsmanager answered HTTP 400 AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue", 1, false},
		{"not found, from its code", []string{`400 {"__type":"ParameterNotFound:http://internal.amazon.com/"}`}, twilioParam, "ParameterNotFound", 1, true},
		{"a bad signature is refused", nil, "", "InvalidSignatureException", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAWSServer(t, map[string]string{twilioParam: "p"}, map[string]string{twilioARN: "s"})
			var mu sync.Mutex
			answers := tt.answers
			srv.fail = func() (int, string, bool) {
				mu.Lock()
				defer mu.Unlock()
				if len(answers) == 0 {
					return 0, "", false
				}
				status, body, _ := strings.Cut(answers[0], " ")
				answers = answers[1:]
				code := map[string]int{"400": 400, "429": 429, "500": 500, "503": 503}[status]
				return code, body, true
			}
			r := newResolver(srv)
			ref := tt.ref
			if ref == "" {
				// Signed for the wrong region.
				ref = twilioParam
				r.AWS.Region = "us-west-2"
			}
			v, err := r.Resolve(context.Background(), config.Secret{Ref: ref})
			if got := srv.requests.Load(); got != tt.wantTries {
				t.Errorf("requests = %d, want %d", got, tt.wantTries)
			}
			if tt.want == "" {
				if err != nil || v == "" {
					t.Fatalf("Resolve = %q, %v; want the value", v, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve = %q, %v; want an error with %q", v, err, tt.want)
			}
			if IsNotFound(err) != tt.notFound {
				t.Errorf("IsNotFound(%v) = %v, want %v", err, !tt.notFound, tt.notFound)
			}
		})
	}
}

func TestEndpoints(t *testing.T) {
	env := map[string]string{"AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:4566"}
	c := NewAWSClient(aws.Config{Region: "ap-northeast-1"}, func(k string) string { return env[k] })
	tests := []struct {
		c       *AWSClient
		service string
		want    string
	}{
		{c, serviceSSM, "http://127.0.0.1:4566/"},
		{c, serviceSecretsManager, "https://secretsmanager.ap-northeast-1.amazonaws.com/"},
		{NewAWSClient(aws.Config{Region: "cn-north-1"}, func(string) string { return "" }), serviceSSM, "https://ssm.cn-north-1.amazonaws.com.cn/"},
		{NewAWSClient(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://localhost:9/")}, func(string) string { return "" }), serviceSecretsManager, "http://localhost:9/"},
	}
	for _, tt := range tests {
		if got, err := tt.c.endpoint(tt.service); err != nil || got != tt.want {
			t.Errorf("endpoint(%s) = %q, %v; want %q", tt.service, got, err, tt.want)
		}
	}
	if _, err := (&AWSClient{}).endpoint(serviceSSM); err == nil {
		t.Error("endpoint without a region: no error")
	}
	if _, err := (&AWSClient{Region: "us-east-1"}).GetParameter(context.Background(), "/x"); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("GetParameter without credentials = %v, want an error saying so", err)
	}
	var ae *APIError
	if errors.As(errors.New("x"), &ae) {
		t.Error("errors.As matched an unrelated error")
	}
}
