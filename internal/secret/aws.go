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
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AWS services the Resolver reads, by their SigV4 signing names.
const (
	serviceSSM            = "ssm"
	serviceSecretsManager = "secretsmanager"
)

// Error codes AWS answers for a secret that was never created.
const (
	codeParameterNotFound = "ParameterNotFound"
	codeResourceNotFound  = "ResourceNotFoundException"
)

// maxResponse is the most of an AWS answer read: a parameter's value is at
// most 8 KB, a secret's 64 KB.
const maxResponse = 1 << 20

// attempts is how many times a request that failed in a way worth
// retrying (throttled, a server error, no answer) is made in all.
const attempts = 3

// AWSClient makes the two AWS calls the Resolver needs, SSM GetParameter
// and Secrets Manager GetSecretValue, as AWS JSON 1.1 POSTs signed with
// the SDK's own Signature Version 4 signer and the SDK configuration's
// credentials. It is what the SDK's ssm and secretsmanager clients would
// send, without linking those two clients into every function.
type AWSClient struct {
	Credentials aws.CredentialsProvider
	Region      string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient aws.HTTPClient
	// SSMEndpoint and SecretsManagerEndpoint are the services' base URLs;
	// empty means AWS's regional endpoint (https://ssm.<region>.amazonaws.com).
	SSMEndpoint            string
	SecretsManagerEndpoint string
}

// NewAWSClient returns the client of an SDK configuration: its credentials,
// region and HTTP client, and the endpoints the SDK would use, from
// AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_SECRETS_MANAGER (read with
// getenv), else the configuration's base endpoint (AWS_ENDPOINT_URL), else
// AWS's.
func NewAWSClient(cfg aws.Config, getenv func(string) string) *AWSClient {
	base := aws.ToString(cfg.BaseEndpoint)
	endpoint := func(env string) string {
		if v := strings.TrimSpace(getenv(env)); v != "" {
			return v
		}
		return base
	}
	return &AWSClient{
		Credentials:            cfg.Credentials,
		Region:                 cfg.Region,
		HTTPClient:             cfg.HTTPClient,
		SSMEndpoint:            endpoint("AWS_ENDPOINT_URL_SSM"),
		SecretsManagerEndpoint: endpoint("AWS_ENDPOINT_URL_SECRETS_MANAGER"),
	}
}

// APIError is an error answer from AWS.
type APIError struct {
	Service string // the signing name: ssm, secretsmanager
	Status  int    // the HTTP status
	Code    string // AWS's error code: ParameterNotFound, AccessDeniedException, ...
	Message string // AWS's message, if any
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s answered HTTP %d %s", e.Service, e.Status, e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// notFound reports whether the error says the secret was never created.
func (e *APIError) notFound() bool {
	return e.Code == codeParameterNotFound || e.Code == codeResourceNotFound
}

// retryable reports whether the same request may succeed if sent again.
func (e *APIError) retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests ||
		e.Code == "ThrottlingException" || e.Code == "TooManyRequestsException"
}

// GetParameter returns the decrypted value of an SSM parameter (its name
// or ARN).
func (c *AWSClient) GetParameter(ctx context.Context, name string) (string, error) {
	in := struct {
		Name           string
		WithDecryption bool
	}{name, true}
	var out struct {
		Parameter *struct{ Value string }
	}
	if err := c.call(ctx, serviceSSM, "AmazonSSM.GetParameter", in, &out); err != nil {
		return "", err
	}
	if out.Parameter == nil {
		return "", nil
	}
	return out.Parameter.Value, nil
}

// GetSecretValue returns the SecretString of a Secrets Manager secret (its
// ARN); "" for a binary secret.
func (c *AWSClient) GetSecretValue(ctx context.Context, id string) (string, error) {
	in := struct{ SecretId string }{id}
	var out struct{ SecretString string }
	if err := c.call(ctx, serviceSecretsManager, "secretsmanager.GetSecretValue", in, &out); err != nil {
		return "", err
	}
	return out.SecretString, nil
}

// call sends one AWS JSON 1.1 operation and decodes its answer into out,
// retrying throttles, server errors and lost connections.
func (c *AWSClient) call(ctx context.Context, service, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var last error
	for i := range attempts {
		if i > 0 {
			t := time.NewTimer(time.Duration(50<<i) * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w (after: %w)", ctx.Err(), last)
			case <-t.C:
			}
		}
		var retry bool
		retry, last = c.send(ctx, service, target, body, out)
		if last == nil || !retry {
			return last
		}
	}
	return last
}

// send makes one attempt; retry says whether another may succeed.
func (c *AWSClient) send(ctx context.Context, service, target string, body []byte, out any) (retry bool, err error) {
	if c.Credentials == nil {
		return false, errors.New("no AWS credentials configured")
	}
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return false, fmt.Errorf("AWS credentials: %w", err)
	}
	url, err := c.endpoint(service)
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	hash := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(hash[:]), service, c.Region, time.Now()); err != nil {
		return false, fmt.Errorf("sign the request: %w", err)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("read %s's answer: %w", service, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := apiError(service, resp, raw)
		return e.retryable(), e
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, fmt.Errorf("read %s's answer: %w", service, err)
	}
	return false, nil
}

// endpoint is the URL a service's requests go to.
func (c *AWSClient) endpoint(service string) (string, error) {
	u := c.SSMEndpoint
	if service == serviceSecretsManager {
		u = c.SecretsManagerEndpoint
	}
	if u != "" {
		return strings.TrimRight(u, "/") + "/", nil
	}
	if c.Region == "" {
		return "", errors.New("no AWS region configured")
	}
	domain := "amazonaws.com"
	if strings.HasPrefix(c.Region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://" + service + "." + c.Region + "." + domain + "/", nil
}

// apiError reads an AWS JSON error answer: {"__type": "...#Code",
// "message": "..."} (or "Message"), the code also in X-Amzn-ErrorType.
func apiError(service string, resp *http.Response, raw []byte) *APIError {
	var b struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Upper   string `json:"Message"`
	}
	_ = json.Unmarshal(raw, &b) // an answer that is not JSON keeps its status alone
	code := b.Type
	if code == "" {
		code = resp.Header.Get("X-Amzn-ErrorType")
	}
	// "aws.protocoltests#Code:http://..." and "Code:..." name Code.
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	code, _, _ = strings.Cut(code, ":")
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	msg := b.Message
	if msg == "" {
		msg = b.Upper
	}
	return &APIError{Service: service, Status: resp.StatusCode, Code: code, Message: msg}
}
