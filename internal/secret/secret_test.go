package secret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

// awsServer is a small local server speaking the AWS JSON 1.1 protocol for
// the two operations the Resolver uses: SSM GetParameter and Secrets
// Manager GetSecretValue. It counts the requests it answers.
type awsServer struct {
	*httptest.Server
	params   map[string]string // SSM SecureString parameters by name
	secrets  map[string]string // Secrets Manager SecretStrings by ARN
	requests atomic.Int64
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
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") {
		writeAWSError(w, "SerializationException", "message", "expected a POST of application/x-amz-json-1.1")
		return
	}
	var in struct {
		Name           string
		WithDecryption bool
		SecretID       string `json:"SecretId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
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

// newResolver returns a Resolver with the real SDK clients pointed at srv.
func newResolver(srv *awsServer) *Resolver {
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
	})
	return &Resolver{
		SSM: ssm.New(ssm.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client(),
		}),
		SecretsManager: secretsmanager.New(secretsmanager.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client(),
		}),
	}
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
		name   string
		ref    string
		wantAs func(error) bool
	}{
		{"SSM parameter", "/thankyou/missing", func(err error) bool {
			var nf *ssmtypes.ParameterNotFound
			return errors.As(err, &nf)
		}},
		{"Secrets Manager secret", twilioARN, func(err error) bool {
			var nf *smtypes.ResourceNotFoundException
			return errors.As(err, &nf)
		}},
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
			if !tt.wantAs(err) {
				t.Errorf("error %q (%T) does not wrap the SDK's not-found error", err, errors.Unwrap(err))
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
	r.SecretsManager = nil
	for _, ref := range []string{"/empty", twilioARN} {
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
