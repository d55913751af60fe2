package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/thankyoucalls/thankyoucalls/infra/lambdaemu"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
)

// eventResult is one event's measurement.
type eventResult struct {
	handler  time.Duration // handed out → answered
	requests []cost.Request
	logBytes int
	status   int // the API Gateway answer's statusCode, 0 for other events
}

// runResult is one process's measurement, from start to its last answer.
type runResult struct {
	init   time.Duration // start → first request for an event
	cold   time.Duration // start → first answer
	events []eventResult
	// initRequests are the DynamoDB requests made before the first event.
	initRequests []cost.Request
	initLogBytes int
	maxRSSKiB    int64
}

// launch starts bin with env as a Lambda execution environment would, hands
// it the events one after the other through a Runtime API of its own,
// meters what each costs, then kills it.
func launch(ctx context.Context, bin string, env []string, name string, events [][]byte, timeout time.Duration, meter *cost.Meter) (runResult, error) {
	var res runResult
	// The first request for an event ends INIT: what the meter saw until
	// then was the function's initialisation.
	api, err := lambdaemu.NewRuntimeAPI(func() { res.initRequests = meter.Take() })
	if err != nil {
		return runResult{}, err
	}
	defer api.Close()
	logs := newLogSplitter()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+api.Addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	meter.Take() // whatever came before is not this process's
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return runResult{}, fmt.Errorf("start %s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}

	ids := make([]string, len(events))
	for i, payload := range events {
		ids[i] = fmt.Sprintf("%s-%d-%d", name, start.UnixNano(), i)
		inv := lambdaemu.Invocation{
			ID:       ids[i],
			Payload:  payload,
			Deadline: time.Now().Add(timeout),
			ARN:      "arn:aws:lambda:us-east-1:123456789012:function:thankyou-" + name,
		}
		select {
		case api.Offers <- inv:
		case err := <-exited:
			return res, fmt.Errorf("%s exited before asking for event %d: %v\n%s", name, i, err, logs.text())
		case <-time.After(30 * time.Second):
			stop()
			return res, fmt.Errorf("%s did not ask for event %d within 30s\n%s", name, i, logs.text())
		}
		var a lambdaemu.Answer
		select {
		case a = <-api.Answers:
		case err := <-exited:
			return res, fmt.Errorf("%s exited during event %d: %v\n%s", name, i, err, logs.text())
		case <-time.After(timeout):
			stop()
			return res, fmt.Errorf("%s did not answer event %d within %s\n%s", name, i, timeout, logs.text())
		}
		if a.Kind != "response" || a.ID != ids[i] {
			stop()
			return res, fmt.Errorf("%s answered event %d with %s %s: %s\n%s", name, i, a.Kind, a.ID, a.Body, logs.text())
		}
		if i == 0 {
			res.init = api.FirstRequest().Sub(start)
			res.cold = a.At.Sub(start)
		}
		var gw struct {
			StatusCode int `json:"statusCode"`
		}
		_ = json.Unmarshal(a.Body, &gw)
		res.events = append(res.events, eventResult{
			handler:  a.At.Sub(api.ServedAt(ids[i])),
			requests: meter.Take(),
			status:   gw.StatusCode,
		})
	}
	res.maxRSSKiB = peakRSS(cmd.Process.Pid)
	stop()
	byID := logs.bytesByRequest()
	for i := range res.events {
		res.events[i].logBytes = byID[ids[i]]
	}
	res.initLogBytes = byID[""]
	return res, nil
}

// peakRSS returns the peak resident set size of a running process, in KiB
// (VmHWM; a wait4 rusage would count the parent's memory at fork), or 0.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// logSplitter collects a process's output line by line and counts the
// bytes of each Lambda request's lines (by their JSON requestId; lines
// without one count for "").
type logSplitter struct {
	mu      sync.Mutex
	partial []byte
	all     bytes.Buffer
	byID    map[string]int
}

func newLogSplitter() *logSplitter { return &logSplitter{byID: map[string]int{}} }

func (l *logSplitter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i+1]
		var rec struct {
			RequestID string `json:"requestId"`
		}
		_ = json.Unmarshal(bytes.TrimSpace(line), &rec)
		l.byID[rec.RequestID] += len(line)
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *logSplitter) bytesByRequest() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byID
}

// text returns the end of the output, for error messages.
func (l *logSplitter) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.all.Bytes()
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
