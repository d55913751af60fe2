package app_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunctionsLinkOnlyTheDynamoDBOperationsTheyCall builds each function
// as sam build does but with its symbols, and fails if it links DynamoDB
// operations no function calls. They are there when the SDK's client
// becomes reachable from an interface (held in a type the handlers keep
// behind one, or in a generic function's parameters): the linker then
// keeps all its operations, about 1.3 MiB of each binary.
func TestFunctionsLinkOnlyTheDynamoDBOperationsTheyCall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the three functions")
	}
	const client = "github.com/aws/aws-sdk-go-v2/service/dynamodb.(*Client)."
	never := []string{"CreateTable", "DeleteTable", "CreateBackup", "ExportTableToPointInTime", "TransactWriteItems"}
	dir := t.TempDir()
	for _, fn := range []string{"order-webhook", "dispatcher", "twilio-webhook"} {
		t.Run(fn, func(t *testing.T) {
			bin := filepath.Join(dir, fn)
			build := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-o", bin, module+"functions/"+fn)
			build.Env = append(build.Environ(), "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
			out, err := exec.Command("go", "tool", "nm", bin).Output()
			if err != nil {
				t.Fatalf("go tool nm: %v", err)
			}
			linked := map[string]bool{}
			for _, line := range strings.Split(string(out), "\n") {
				f := strings.Fields(line)
				if len(f) == 3 && strings.HasPrefix(f[2], client) {
					linked[strings.TrimPrefix(f[2], client)] = true
				}
			}
			// The check can fail: every function does call PutItem.
			if !linked["PutItem"] {
				t.Fatalf("no %sPutItem in the symbols: the check reads them wrong", client)
			}
			for _, op := range never {
				if linked[op] {
					t.Errorf("%s links the DynamoDB client's %s, which no function calls: the client is reachable from an interface", fn, op)
				}
			}
		})
	}
}
