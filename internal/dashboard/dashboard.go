// Package dashboard is the shop's dashboard: the operators' tool's view of
// the table as web pages (`thankyou dashboard`). It serves on loopback
// only, behind a random token in every URL, and every action that changes
// something is a POST carrying a CSRF token. The pages are rendered on the
// server with html/template from embedded files: no script, no CDN, no
// network beyond the table's own endpoint.
//
// It shows what the tool prints, as the tool prints it: phone numbers
// masked, no emails, the customer's first name only. Cancelling and
// retrying a task go through the same functions as `tasks cancel` and
// `tasks retry` (operator.Cancel, operator.Retry); opt-outs through the
// same store methods as `optouts`.
package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/operator"
)

// Store is what the dashboard reads and changes: the tool's store with
// its opt-outs.
type Store interface {
	operator.Store
	operator.OptOuts
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options configure a dashboard.
type Options struct {
	Store Store
	// Replies and Effect are the optional pages' data: nil hides the page.
	Replies Replies
	Effect  Effect
	// Retry is what a retried task without a window or zone of its own
	// is sent in (operator.DefaultRetry when zero).
	Retry operator.RetryDefaults
	// Zone is the zone "today" is read in (the machine's, time.Local,
	// when nil).
	Zone *time.Location
	Now  func() time.Time
	Log  *slog.Logger
}

// Server is the dashboard's HTTP handler with its secrets.
type Server struct {
	o     Options
	token string // in every URL: /<token>/...
	csrf  string // in every form
	key   []byte // keys opaque references (opt-outs' numbers)
	pages map[string]*template.Template
}

// New returns a dashboard with fresh random tokens.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("dashboard: no store")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Zone == nil {
		o.Zone = time.Local
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Retry.Zone == nil {
		d, err := operator.DefaultRetry()
		if err != nil {
			return nil, err
		}
		o.Retry = d
	}
	s := &Server{o: o, token: random(16), csrf: random(16), key: []byte(random(32))}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return s, nil
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return hex.EncodeToString(b)
}

// Path is the dashboard's root path, with its token: "/<token>/".
func (s *Server) Path() string { return "/" + s.token + "/" }

// CSRF is the token every form carries (for tests).
func (s *Server) CSRF() string { return s.csrf }

// ref is an opaque, unguessable reference to a value (a phone number) that
// a page must not show.
func (s *Server) ref(v string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// Handler serves the dashboard. A request whose path does not start with
// the token, or whose Host is not a loopback name, is refused with 403; a
// POST without the CSRF token too.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	root := s.Path()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET "+root+"static/", http.StripPrefix(root+"static/", http.FileServerFS(static)))
	mux.HandleFunc("GET "+root+"{$}", s.today)
	mux.HandleFunc("GET "+root+"upcoming", s.upcoming)
	mux.HandleFunc("GET "+root+"staff", s.staff)
	mux.HandleFunc("GET "+root+"task", s.task)
	mux.HandleFunc("POST "+root+"task/cancel", s.cancel)
	mux.HandleFunc("POST "+root+"task/retry", s.retry)
	mux.HandleFunc("GET "+root+"optouts", s.optOuts)
	mux.HandleFunc("POST "+root+"optouts/add", s.optOutAdd)
	mux.HandleFunc("POST "+root+"optouts/remove", s.optOutRemove)
	mux.HandleFunc("GET "+root+"replies", s.replies)
	mux.HandleFunc("GET "+root+"effect", s.effect)
	return s.guard(mux)
}

// guard refuses what did not come from the dashboard's own pages.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		switch {
		case !loopbackHost(r.Host):
			http.Error(w, "forbidden: the dashboard answers only on 127.0.0.1, [::1] or localhost", http.StatusForbidden)
			return
		case !strings.HasPrefix(r.URL.Path, s.Path()) && r.URL.Path+"/" != s.Path():
			http.Error(w, "forbidden: open the address `thankyou dashboard` printed (it holds the token)", http.StatusForbidden)
			return
		case r.URL.Path+"/" == s.Path():
			http.Redirect(w, r, s.Path(), http.StatusSeeOther)
			return
		case r.Method == http.MethodPost:
			r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.csrf)) != 1 {
				http.Error(w, "forbidden: the form's CSRF token is missing or wrong; reload the page and try again", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrNotLoopback is an address the dashboard refuses to listen on.
var ErrNotLoopback = errors.New("the dashboard listens on loopback only (127.0.0.1, [::1] or localhost)")

// Listen listens on addr, which must be a loopback address: 127.0.0.1:0
// (any free port), [::1]:8080, localhost:8080. Anything else, an empty
// host or 0.0.0.0 included, is ErrNotLoopback.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	switch {
	case strings.EqualFold(host, "localhost"):
		addr = net.JoinHostPort("127.0.0.1", addr[strings.LastIndex(addr, ":")+1:])
	case ip == nil || !ip.IsLoopback():
		return nil, fmt.Errorf("--addr %q: %w", addr, ErrNotLoopback)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return l, nil
}

// Serve serves the dashboard on addr (loopback only) until ctx ends. It
// prints the address with its token to out, and with open asks xdg-open
// (when installed) to show it.
func Serve(ctx context.Context, o Options, addr string, open bool, out io.Writer) error {
	s, err := New(o)
	if err != nil {
		return err
	}
	l, err := Listen(addr)
	if err != nil {
		return err
	}
	u := (&url.URL{Scheme: "http", Host: l.Addr().String(), Path: s.Path()}).String()
	fmt.Fprintf(out, "Dashboard: %s\n(this machine only; the address holds the key, keep it to yourself; Ctrl-C stops)\n", u)
	if open {
		if p, err := exec.LookPath("xdg-open"); err == nil {
			cmd := exec.CommandContext(ctx, p, u)
			if err := cmd.Start(); err != nil {
				fmt.Fprintf(out, "could not open a browser: %v\n", err)
			} else {
				go func() { _ = cmd.Wait() }() // reaped; its status says nothing more
			}
		} else {
			fmt.Fprintln(out, "--open: xdg-open is not installed; open the address above in a browser")
		}
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
