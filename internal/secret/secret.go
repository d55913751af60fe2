// Package secret provides the values of the functions' secrets (the Shopify
// webhook secret, the Twilio auth token): set locally in the environment, or
// read once per cold start from AWS Systems Manager Parameter Store or AWS
// Secrets Manager and cached. The two AWS calls are made here (AWSClient),
// signed with the AWS SDK's own signer, so the functions do not link the
// SDK's SSM and Secrets Manager clients.
package secret

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

// Resolver returns secrets' values: the value itself when it is set locally
// (config.Secret.Value), else it reads config.Secret.Ref: a Secrets Manager
// secret ARN (arn:aws:secretsmanager:..., or another partition's) from
// Secrets Manager, anything else as the name (or ARN) of an SSM parameter,
// decrypted. Values read are cached per Ref for the Resolver's life, so a
// function reads each secret once per cold start. Errors name the parameter
// or secret that failed, never a value.
//
// The zero value resolves local values and "env:" references; set AWS to
// read SSM and Secrets Manager. A Resolver must not be copied after first
// use. It is safe for concurrent use.
type Resolver struct {
	// AWS reads SSM parameters and Secrets Manager secrets; nil means
	// neither can be read.
	AWS *AWSClient
	// Getenv reads "env:NAME" references; nil means os.Getenv.
	Getenv func(string) string

	mu    sync.Mutex
	cache map[string]string
}

// Resolve returns the value of s.
func (r *Resolver) Resolve(ctx context.Context, s config.Secret) (string, error) {
	if s.Value != "" {
		return s.Value, nil
	}
	ref := strings.TrimSpace(s.Ref)
	if ref == "" {
		return "", errors.New("resolve secret: neither a value nor a parameter name is set")
	}
	if name, ok := strings.CutPrefix(ref, EnvPrefix); ok {
		// Local runs and tests: the value is in the process environment.
		if v := r.getenv(name); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("resolve secret %s: %w", ref, ErrNotFound)
	}
	// The lock is held while reading so that concurrent callers wait for
	// the one read rather than each making their own.
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.cache[ref]; ok {
		return v, nil
	}
	var (
		v   string
		err error
	)
	if IsSecretsManagerARN(ref) {
		v, err = r.fromSecretsManager(ctx, ref)
	} else {
		v, err = r.fromSSM(ctx, ref)
	}
	if err != nil {
		return "", err
	}
	if r.cache == nil {
		r.cache = make(map[string]string)
	}
	r.cache[ref] = v
	return v, nil
}

func (r *Resolver) fromSSM(ctx context.Context, name string) (string, error) {
	if r.AWS == nil {
		return "", fmt.Errorf("read SSM parameter %s: no AWS client configured", name)
	}
	v, err := r.AWS.GetParameter(ctx, name)
	if err != nil {
		return "", fmt.Errorf("read SSM parameter %s: %w", name, err)
	}
	if v == "" {
		return "", fmt.Errorf("read SSM parameter %s: it has no value", name)
	}
	return v, nil
}

func (r *Resolver) fromSecretsManager(ctx context.Context, arn string) (string, error) {
	if r.AWS == nil {
		return "", fmt.Errorf("read secret %s: no AWS client configured", arn)
	}
	v, err := r.AWS.GetSecretValue(ctx, arn)
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", arn, err)
	}
	if v == "" {
		return "", fmt.Errorf("read secret %s: it has no SecretString (binary secrets are not supported)", arn)
	}
	return v, nil
}

// IsSecretsManagerARN reports whether ref is a Secrets Manager ARN
// (arn:<partition>:secretsmanager:...) in the aws partition or another
// (aws-cn, aws-us-gov, ...).
func IsSecretsManagerARN(ref string) bool {
	parts := strings.SplitN(ref, ":", 4)
	if len(parts) < 4 || parts[0] != "arn" {
		return false
	}
	partition := parts[1]
	return (partition == "aws" || strings.HasPrefix(partition, "aws-")) && parts[2] == "secretsmanager"
}

// EnvPrefix marks a reference to an environment variable ("env:NAME"),
// for local runs and tests; in AWS, secrets live in SSM or Secrets Manager.
const EnvPrefix = "env:"

// ErrNotFound is returned for an "env:" reference to an unset variable.
var ErrNotFound = errors.New("secret not found")

func (r *Resolver) getenv(name string) string {
	if r.Getenv != nil {
		return r.Getenv(name)
	}
	return os.Getenv(name)
}

// IsNotFound reports whether err says the secret does not exist (an SSM
// parameter or a Secrets Manager secret that was never created), as
// opposed to a secret that could not be read.
func IsNotFound(err error) bool {
	var ae *APIError
	return (errors.As(err, &ae) && ae.notFound()) || errors.Is(err, ErrNotFound)
}
