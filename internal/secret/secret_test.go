package secret

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

// awsServer is a small local server speaking the AWS JSON 1.1 protocol for
// the two operations the Resolver uses: SSM GetParameter and Secrets
// Manager GetSecretValue. Like AWS, it refuses a request whose Signature
// Version 4 signature is not testCreds' over the request as received, for
// the service its target names, in us-east-1. It counts the requests it
// answers.
type awsServer struct {
	*httptest.Server
	params   map[string]string // SSM SecureString parameters by name
	secrets  map[string]string // Secrets Manager SecretStrings by ARN
	requests atomic.Int64
	// fail, when set, answers instead (status and body) while it returns true.
	fail func() (int, string, bool)
}

var testCreds = aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", SessionToken: "session"}

// checkSignature re-signs the request as received and compares the
// Authorization headers: the body's hash, the service, the region and the
// credentials must all be those a correct client used.
func checkSignature(r *http.Request, body []byte) error {
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %w", err)
	}
	if got := r.Header.Get("X-Amz-Security-Token"); got != testCreds.SessionToken {
		return fmt.Errorf("X-Amz-Security-Token = %q", got)
	}
	service := serviceSSM
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.") {
		service = serviceSecretsManager
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.Path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	// The headers the client signed (the transport adds others after).
	auth := r.Header.Get("Authorization")
	_, signed, _ := strings.Cut(auth, "SignedHeaders=")
	signed, _, _ = strings.Cut(signed, ",")
	for _, h := range strings.Split(signed, ";") {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	hash := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, again, hex.EncodeToString(hash[:]), service, "us-east-1", at); err != nil {
		return err
	}
	if got, want := auth, again.Header.Get("Authorization"); got != want {
		return fmt.Errorf("Authorization = %q, want %q", got, want)
	}
	return nil
}

func newAWSServer(t *testing.T, params, secrets map[string]string) *awsServer {
	t.Helper()
	s := &awsServer{params: params, secrets: secrets}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *awsServer) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if s.fail != nil {
		if status, body, ok := s.fail(); ok {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		writeAWSError(w, "SerializationException", "message", "expected a POST to / of application/x-amz-json-1.1")
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		writeAWSError(w, "SerializationException", "message", err.Error())
		return
	}
	if err := checkSignature(r, raw); err != nil {
		w.WriteHeader(http.StatusForbidden)
		writeJSON(w, map[string]string{"__type": "InvalidSignatureException", "message": err.Error()})
		return
	}
	var in struct {
		Name           string
		WithDecryption bool
		SecretID       string `json:"SecretId"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeAWSError(w, "SerializationException", "message", err.Error())
		return
	}
	switch target := r.Header.Get("X-Amz-Target"); target {
	case "AmazonSSM.GetParameter":
		if !in.WithDecryption {
			writeAWSError(w, "ValidationException", "message", "test server: SecureString read without WithDecryption")
			return
		}
		v, ok := s.params[in.Name]
		if !ok {
			writeAWSError(w, "ParameterNotFound", "message", "")
			return
		}
		writeJSON(w, map[string]any{"Parameter": map[string]any{
			"ARN":              "arn:aws:ssm:us-east-1:123456789012:parameter" + in.Name,
			"DataType":         "text",
			"LastModifiedDate": 1.7e9,
			"Name":             in.Name,
			"Type":             "SecureString",
			"Value":            v,
			"Version":          1,
		}})
	case "secretsmanager.GetSecretValue":
		v, ok := s.secrets[in.SecretID]
		if !ok {
			writeAWSError(w, "ResourceNotFoundException", "Message", "Secrets Manager can't find the specified secret.")
			return
		}
		writeJSON(w, map[string]any{
			"ARN":           in.SecretID,
			"CreatedDate":   1.7e9,
			"Name":          "thankyou/twilio",
			"SecretString":  v,
			"VersionId":     "b6a1e7c0-0000-4000-8000-000000000001",
			"VersionStages": []string{"AWSCURRENT"},
		})
	default:
		writeAWSError(w, "UnknownOperationException", "message", "unknown target "+target)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	_ = json.NewEncoder(w).Encode(v)
}

func writeAWSError(w http.ResponseWriter, typ, messageField, message string) {
	w.WriteHeader(http.StatusBadRequest)
	body := map[string]string{"__type": typ}
	if message != "" {
		body[messageField] = message
	}
	writeJSON(w, body)
}

// newResolver returns a Resolver whose AWS client is pointed at srv, as
// NewAWSClient builds it from an SDK configuration.
func newResolver(srv *awsServer) *Resolver {
	return &Resolver{AWS: NewAWSClient(aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return testCreds, nil }),
		HTTPClient:   srv.Client(),
	}, func(string) string { return "" })}
}

const (
	twilioParam = "/thankyou/twilio-auth-token"
	twilioARN   = "arn:aws:secretsmanager:us-east-1:123456789012:secret:thankyou/twilio-AbCdEf"
	govARN      = "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:thankyou/shopify-XyZ123"
)

func TestResolveReadsEachKindOfSecret(t *testing.T) {
	srv := newAWSServer(t,
		map[string]string{twilioParam: "token-from-ssm"},
		map[string]string{twilioARN: "token-from-secrets-manager", govARN: "shopify-from-gov"},
	)
	tests := []struct {
		name         string
		secret       config.Secret
		want         string
		wantRequests int64
	}{
		{"a local value wins without a request", config.Secret{Value: "local", Ref: twilioParam}, "local", 0},
		{"an SSM parameter name is read from SSM", config.Secret{Ref: twilioParam}, "token-from-ssm", 1},
		{"a Secrets Manager ARN is read from Secrets Manager", config.Secret{Ref: twilioARN}, "token-from-secrets-manager", 1},
		{"an ARN in another partition is read from Secrets Manager", config.Secret{Ref: govARN}, "shopify-from-gov", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newResolver(srv)
			before := srv.requests.Load()
			got, err := r.Resolve(context.Background(), tt.secret)
			if err != nil {
				t.Fatalf("Resolve(%v): %v", tt.secret, err)
			}
			if got != tt.want {
				t.Errorf("Resolve(%v) = %q, want %q", tt.secret, got, tt.want)
			}
			if got := srv.requests.Load() - before; got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
		})
	}
}

func TestSecretIsReadOncePerColdStart(t *testing.T) {
	srv := newAWSServer(t,
		map[string]string{twilioParam: "token-from-ssm"},
		map[string]string{twilioARN: "token-from-secrets-manager"},
	)
	r := newResolver(srv)
	ctx := context.Background()
	for _, s := range []config.Secret{{Ref: twilioParam}, {Ref: twilioARN}} {
		first, err := r.Resolve(ctx, s)
		if err != nil {
			t.Fatalf("first Resolve(%v): %v", s, err)
		}
		before := srv.requests.Load()
		// Concurrent callers share the cached value too.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				got, err := r.Resolve(ctx, s)
				if err != nil || got != first {
					t.Errorf("later Resolve(%v) = %q, %v, want %q, nil", s, got, err, first)
				}
			})
		}
		wg.Wait()
		if got := srv.requests.Load() - before; got != 0 {
			t.Errorf("requests after the first Resolve(%v) = %d, want 0", s, got)
		}
	}
}

func TestConcurrentFirstReadsMakeOneRequest(t *testing.T) {
	srv := newAWSServer(t, map[string]string{twilioParam: "token-from-ssm"}, nil)
	r := newResolver(srv)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := r.Resolve(context.Background(), config.Secret{Ref: twilioParam}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.requests.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestMissingSecretErrorNamesIt(t *testing.T) {
	srv := newAWSServer(t, map[string]string{"/other": "v"}, map[string]string{})
	tests := []struct {
		name     string
		ref      string
		wantCode string
	}{
		{"SSM parameter", "/thankyou/missing", "ParameterNotFound"},
		{"Secrets Manager secret", twilioARN, "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newResolver(srv)
			got, err := r.Resolve(context.Background(), config.Secret{Ref: tt.ref})
			if err == nil {
				t.Fatalf("Resolve(%s) = %q, nil; want an error", tt.ref, got)
			}
			if !strings.Contains(err.Error(), tt.ref) {
				t.Errorf("error %q does not name %s", err, tt.ref)
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != tt.wantCode || ae.Status != http.StatusBadRequest {
				t.Errorf("error %q does not wrap AWS's %s answer", err, tt.wantCode)
			}
			if !IsNotFound(err) {
				t.Errorf("IsNotFound(%q) = false, want true", err)
			}
			if IsNotFound(errors.New("AccessDenied")) {
				t.Error("IsNotFound is true for an unrelated error")
			}
			// A failed read is not cached: the next Resolve asks again.
			before := srv.requests.Load()
			if _, err := r.Resolve(context.Background(), config.Secret{Ref: tt.ref}); err == nil {
				t.Errorf("second Resolve(%s) succeeded, want an error", tt.ref)
			}
			if got := srv.requests.Load() - before; got != 1 {
				t.Errorf("requests for the second Resolve = %d, want 1", got)
			}
		})
	}
}

func TestUnusableSecretsFailNamingTheParameter(t *testing.T) {
	// An SSM parameter holding an empty value, and a Secrets Manager ARN
	// with no Secrets Manager client: both fail, naming what failed.
	srv := newAWSServer(t, map[string]string{"/empty": ""}, nil)
	r := newResolver(srv)
	noAWS := &Resolver{}
	for _, c := range []struct {
		r   *Resolver
		ref string
	}{{r, "/empty"}, {noAWS, twilioARN}, {noAWS, twilioParam}} {
		r, ref := c.r, c.ref
		_, err := r.Resolve(context.Background(), config.Secret{Ref: ref})
		if err == nil {
			t.Fatalf("Resolve(%s) succeeded, want an error", ref)
		}
		if !strings.Contains(err.Error(), ref) {
			t.Errorf("error %q does not name %s", err, ref)
		}
	}
	if _, err := r.Resolve(context.Background(), config.Secret{}); err == nil {
		t.Error("Resolve of an empty Secret succeeded, want an error")
	}
}

func TestIsSecretsManagerARN(t *testing.T) {
	tests := []struct {
		ref  string
		want bool
	}{
		{twilioARN, true},
		{govARN, true},
		{"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x", true},
		{"/thankyou/twilio-auth-token", false},
		{"thankyou-twilio-auth-token", false},
		{"arn:aws:ssm:us-east-1:123456789012:parameter/thankyou/x", false},
		{"arn:awsx:secretsmanager:us-east-1:1:secret:x", false},
		{"arn:aws:secretsmanager", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsSecretsManagerARN(tt.ref); got != tt.want {
			t.Errorf("IsSecretsManagerARN(%q) = %v, want %v", tt.ref, got, tt.want)
		}
	}
}

func ExampleResolver() {
	// Locally a secret's value comes from the environment; no AWS call is made.
	r := &Resolver{}
	token, err := r.Resolve(context.Background(), config.Secret{Value: "local-token"})
	fmt.Println(token, err)
	// Output: local-token <nil>
}

func TestEnvReferencesReadTheEnvironment(t *testing.T) {
	r := &Resolver{Getenv: func(k string) string { return map[string]string{"SHOP_A_SECRET": "a-secret"}[k] }}
	got, err := r.Resolve(context.Background(), config.Secret{Ref: "env:SHOP_A_SECRET"})
	if err != nil || got != "a-secret" {
		t.Errorf("Resolve(env:SHOP_A_SECRET) = %q, %v; want a-secret", got, err)
	}
	_, err = r.Resolve(context.Background(), config.Secret{Ref: "env:UNSET"})
	if !IsNotFound(err) || !strings.Contains(err.Error(), "env:UNSET") {
		t.Errorf("unset variable: %v, want a not-found error naming it", err)
	}
}
