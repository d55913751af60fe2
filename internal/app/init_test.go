package app_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// maxInitBytes is the most any of the project's packages may allocate when
// a function's process starts (Go runs every linked package's
// initialisation before main). Tables, regular expressions and schemas are
// built on first use instead, so a cold start pays only for what its first
// event needs.
const maxInitBytes = 8 << 10

// TestNothingHeavyRunsAtInit builds each function as sam build does and
// starts it with GODEBUG=inittrace=1, which reports what each package's
// initialisation allocated (bytes are deterministic, unlike times). The
// process then stops at its configuration, before any event.
func TestNothingHeavyRunsAtInit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the three functions")
	}
	dir := t.TempDir()
	for _, fn := range []string{"order-webhook", "dispatcher", "twilio-webhook"} {
		t.Run(fn, func(t *testing.T) {
			bin := filepath.Join(dir, fn)
			build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-tags", "lambda.norpc", "-o", bin, module+"functions/"+fn)
			build.Env = append(build.Environ(), "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
			run := exec.Command(bin)
			run.Env = []string{"GODEBUG=inittrace=1"} // no configuration: it stops before lambda.Start
			out, _ := run.CombinedOutput()
			seen := 0
			for _, line := range strings.Split(string(out), "\n") {
				// init <package> @<t> ms, <d> ms clock, <n> bytes, <m> allocs
				f := strings.Fields(line)
				if len(f) < 9 || f[0] != "init" {
					continue
				}
				seen++
				if !strings.HasPrefix(f[1], module) {
					continue
				}
				n, err := strconv.Atoi(f[7])
				if err != nil {
					t.Fatalf("cannot read %q", line)
				}
				if n > maxInitBytes {
					t.Errorf("%s allocates %d bytes at init (at most %d): build it on first use", f[1], n, maxInitBytes)
				}
			}
			if seen == 0 {
				t.Fatalf("no init trace in the output:\n%s", out)
			}
			// app.Run reports the missing configuration as one JSON line.
			if want := `{"level":"ERROR","message":"` + fn + ` cannot start","error":`; !strings.Contains(string(out), want) {
				t.Errorf("output lacks %s:\n%s", want, out)
			}
		})
	}
}
