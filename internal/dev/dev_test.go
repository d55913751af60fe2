package dev_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/thankyoucalls/thankyoucalls/"

// goList runs go list with args and returns the non-empty lines it prints.
func goList(t *testing.T, env []string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}

func isDev(pkg string) bool {
	return pkg == module+"internal/dev" || strings.HasPrefix(pkg, module+"internal/dev/")
}

// The shipped binaries (the Lambdas, built as sam build builds them, and the
// operators' tool) link no development package.
func TestShippedBinariesLinkNoDevelopmentPackage(t *testing.T) {
	builds := []struct {
		name string
		env  []string
		args []string
	}{
		{"lambdas", []string{"GOOS=linux", "CGO_ENABLED=0"}, []string{"-deps", "-tags", "lambda.norpc", module + "functions/..."}},
		{"operators-tool", nil, []string{"-deps", module + "cmd/thankyou"}},
	}
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			for _, p := range goList(t, b.env, b.args...) {
				if isDev(p) {
					t.Errorf("%s links %s", b.name, p)
				}
			}
		})
	}
	// The check can fail: the local runner does link the local stack.
	var found bool
	for _, p := range goList(t, nil, "-deps", module+"infra/local") {
		found = found || isDev(p)
	}
	if !found {
		t.Error("infra/local links no internal/dev package: the check matches nothing")
	}
}

// Every main is under cmd/ (shipped tools), functions/ (the Lambdas) or
// infra/ (development tools), as docs/architecture.md says.
func TestEveryMainIsUnderCmdFunctionsOrInfra(t *testing.T) {
	mains := goList(t, nil, "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, module+"...")
	if len(mains) == 0 {
		t.Fatal("go list found no main package")
	}
	for _, p := range mains {
		rel := strings.TrimPrefix(p, module)
		if !strings.HasPrefix(rel, "cmd/") && !strings.HasPrefix(rel, "functions/") && !strings.HasPrefix(rel, "infra/") {
			t.Errorf("main package %s is not under cmd/, functions/ or infra/", p)
		}
	}
}
