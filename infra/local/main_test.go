package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// TestMain runs the command itself when the tests re-execute their binary
// with LOCAL_RUN_MAIN set, so that a test sees its exit status and output.
func TestMain(m *testing.M) {
	if os.Getenv("LOCAL_RUN_MAIN") == "1" {
		os.Args = append([]string{"local"}, strings.Fields(os.Getenv("LOCAL_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestBusyPortIsOneLineNamingThePortAndTheFlag: whichever of the three
// addresses is taken, the command prints one line naming it and the flag
// that moves it, exits 1 without a panic, and leaves nothing listening.
func TestBusyPortIsOneLineNamingThePortAndTheFlag(t *testing.T) {
	if _, err := os.Stat("../node_modules/.bin/dynalite"); err != nil {
		t.Fatalf("dynalite is needed (npm ci --prefix infra): %v", err)
	}
	for _, tc := range []struct{ flag, mode string }{
		{"-api", ""}, {"-twilio", ""}, {"-dynamodb", ""}, {"-dynamodb", "-services"}, {"-twilio", "-services"},
	} {
		t.Run(tc.flag+tc.mode, func(t *testing.T) {
			busy, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			addrs := map[string]string{"-api": freeAddr(t), "-twilio": freeAddr(t), "-dynamodb": freeAddr(t)}
			addrs[tc.flag] = busy.Addr().String()
			args := []string{tc.mode, "-api", addrs["-api"], "-twilio", addrs["-twilio"], "-dynamodb", addrs["-dynamodb"]}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Dir = "../.."
			cmd.Env = append(os.Environ(), "LOCAL_RUN_MAIN=1", "LOCAL_ARGS="+strings.Join(args, " "), "AWS_ENDPOINT_URL_DYNAMODB=")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running after 60s with %s taken:\n%s%s", tc.flag, stdout.String(), stderr.String())
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1\nstderr:\n%s", err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "port "+addrs[tc.flag]) || !strings.Contains(lines[0], "with "+tc.flag+" ") {
				t.Errorf("stderr = %q, want one line naming port %s and the flag %s", stderr.String(), addrs[tc.flag], tc.flag)
			}
			if strings.Contains(stderr.String(), "panic") {
				t.Errorf("panicked:\n%s", stderr.String())
			}
			// Nothing left listening on the other addresses.
			for f, a := range addrs {
				if f == tc.flag {
					continue
				}
				if c, err := net.DialTimeout("tcp", a, 200*time.Millisecond); err == nil {
					c.Close()
					t.Errorf("%s (%s) still answers after the failed start", a, f)
				}
			}
		})
	}
}

// TestBannerNamesEveryRouteTheDynamoDBEndpointAndTheToolsEnvironment: what
// `make local` prints first is enough to use the stack: the API and each
// route, DynamoDB and its table, and the one line for the operators' tool.
func TestBannerNamesEveryRouteTheDynamoDBEndpointAndTheToolsEnvironment(t *testing.T) {
	tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	s := &localstack.Stack{APIURL: "http://127.0.0.1:3000", DynamoDBEndpoint: "http://127.0.0.1:8000", Table: "thankyou-local", Twilio: tw}
	var out bytes.Buffer
	banner(&out, s)
	text := out.String()
	for _, fn := range []string{config.OrderWebhook, config.TwilioWebhook} {
		for _, route := range config.Routes[fn] {
			method, path, _ := strings.Cut(route, " ")
			for _, src := range []string{"shopify", "woocommerce", "stripe", "generic"} {
				if p := strings.Replace(path, "{source}", src, 1); !strings.Contains(text, method+" http://127.0.0.1:3000"+p+" ") {
					t.Errorf("banner lacks the route %s %s:\n%s", method, p, text)
				}
			}
		}
	}
	for _, want := range []string{"http://127.0.0.1:8000  table thankyou-local", tw.URL(),
		"export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local TABLE_NAME=thankyou-local"} {
		if !strings.Contains(text, want) {
			t.Errorf("banner lacks %q:\n%s", want, text)
		}
	}
}
