// Package lambdaemu is a minimal AWS Lambda Runtime API (the 2018-06-01
// version aws-lambda-go's runtime client speaks), to run a function's real
// bootstrap outside Lambda: the cold-start measurement (infra/coldstart)
// and the sam local test (infra/samlocal) use it.
package lambdaemu

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Invocation is one event handed to the function.
type Invocation struct {
	ID       string
	Payload  []byte
	Deadline time.Time
	ARN      string
}

// Answer is what the function posted back.
type Answer struct {
	ID   string
	At   time.Time
	Body []byte
	// Kind is "response", "error" (the handler failed) or "init" (the
	// function failed before asking for an event).
	Kind string
}

// RuntimeAPI is a minimal AWS Lambda Runtime API (the 2018-06-01 version
// aws-lambda-go's runtime client speaks): it hands out the events it is
// given one at a time, and records the answers. A request for the next event
// waits until the driver offers one, so that the driver sees each answer
// before the function can start on the next event.
type RuntimeAPI struct {
	// Addr is the host:port for AWS_LAMBDA_RUNTIME_API.
	Addr string
	// Offers takes the next event; Answers gives each answer.
	Offers  chan Invocation
	Answers chan Answer
	srv     *http.Server

	onFirst func()

	mu        sync.Mutex
	served    map[string]time.Time
	firstNext time.Time
}

// NewRuntimeAPI starts a Runtime API on a free loopback port. onFirst is
// called when the function first asks for an event (its INIT is over).
func NewRuntimeAPI(onFirst func()) (*RuntimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: listen: %w", err)
	}
	a := &RuntimeAPI{
		Addr:    ln.Addr().String(),
		Offers:  make(chan Invocation),
		Answers: make(chan Answer, 4),
		served:  map[string]time.Time{},
		onFirst: onFirst,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.post("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.post("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.post("init"))
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Printf("runtime API: %v\n", err)
		}
	}()
	return a, nil
}

// next hands out the next event once the driver offers it, with the
// headers Lambda sets.
func (a *RuntimeAPI) next(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	first := a.firstNext.IsZero()
	if first {
		a.firstNext = time.Now()
	}
	a.mu.Unlock()
	if first && a.onFirst != nil {
		a.onFirst()
	}
	select {
	case inv := <-a.Offers:
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.ID)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.Deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.ARN)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0")
		a.mu.Lock()
		a.served[inv.ID] = time.Now()
		a.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.Payload)
	case <-r.Context().Done():
	}
}

// post records an answer of the given kind.
func (a *RuntimeAPI) post(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
		a.Answers <- Answer{ID: r.PathValue("id"), At: at, Body: body, Kind: kind}
	}
}

// ServedAt returns when the event id was handed out.
func (a *RuntimeAPI) ServedAt(id string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.served[id]
}

// FirstRequest returns when the function first asked for an event: the end
// of its INIT phase.
func (a *RuntimeAPI) FirstRequest() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.firstNext
}

// Close stops the API.
func (a *RuntimeAPI) Close() { _ = a.srv.Close() }
