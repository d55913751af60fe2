package main

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

// invocation is one event handed to the function.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	arn      string
}

// answer is what the function posted back.
type answer struct {
	id   string
	at   time.Time
	body []byte
	// kind is "response", "error" (the handler failed) or "init" (the
	// function failed before asking for an event).
	kind string
}

// runtimeAPI is a minimal AWS Lambda Runtime API (the 2018-06-01 version
// aws-lambda-go's runtime client speaks): it hands out the events it is
// given one at a time, and records the answers. A request for the next event
// waits until the driver offers one, so that the driver sees each answer
// before the function can start on the next event.
type runtimeAPI struct {
	addr    string
	srv     *http.Server
	offers  chan invocation
	answers chan answer

	onFirst func()

	mu        sync.Mutex
	served    map[string]time.Time
	firstNext time.Time
}

// newRuntimeAPI starts a Runtime API on a free loopback port. onFirst is
// called when the function first asks for an event (its INIT is over).
func newRuntimeAPI(onFirst func()) (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: listen: %w", err)
	}
	a := &runtimeAPI{
		addr:    ln.Addr().String(),
		offers:  make(chan invocation),
		answers: make(chan answer, 4),
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
func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
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
	case inv := <-a.offers:
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0")
		a.mu.Lock()
		a.served[inv.id] = time.Now()
		a.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

// post records an answer of the given kind.
func (a *runtimeAPI) post(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
		a.answers <- answer{id: r.PathValue("id"), at: at, body: body, kind: kind}
	}
}

// servedAt returns when the event id was handed out.
func (a *runtimeAPI) servedAt(id string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.served[id]
}

// firstRequest returns when the function first asked for an event: the end
// of its INIT phase.
func (a *runtimeAPI) firstRequest() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.firstNext
}

func (a *runtimeAPI) close() { _ = a.srv.Close() }
