package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/dashboard"
	"github.com/hpsearch/hpsearch/results"
)

func newServeCmd(stderr io.Writer) *cobra.Command {
	var (
		storage   string
		addr      string
		allowStop bool
		expose    bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a web UI over the stored studies: live progress, plots, trials, comparisons",
		Long: `Serve a web UI over the studies of --storage (the same SQLite file or
PostgreSQL database run and worker write): the studies and how far each got,
a study's best settings (copy as best.yaml), its ranked trials and plots,
each trial's loss and gradient-norm curves, and studies side by side. Pages
of running studies and trials update themselves.

It is read-only, except that with --allow-stop a running trial's page has a
Stop button: the request travels through the store, and the trial — in this
machine's sweep or on a worker elsewhere — ends at its next iteration with
stop reason user, keeping its value.

It listens on 127.0.0.1:8080 by default, reachable from this machine only.
Another address (say 0.0.0.0:8080) needs --expose, since anyone who can reach
it can read every study: there is no login and no TLS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loopback, err := loopbackAddr(addr)
			if err != nil {
				return err
			}
			if !loopback && !expose {
				return usageErr("--addr %s: not a loopback address, so every host that can reach it could read every study; add --expose to serve it anyway (there is no login and no TLS)", addr)
			}
			return withStore(cmd.Context(), storage, func(store results.Store) error {
				opts := dashboard.Options{Storage: redact(storage), AnyHost: !loopback,
					Log: log.New(stderr, "hpsearch: ", log.LstdFlags)}
				if allowStop {
					st, ok := store.(dashboard.Stopper)
					if !ok {
						return usageErr("--allow-stop: the store %s cannot carry stop requests", redact(storage))
					}
					opts.Stopper = st
				}
				return serve(cmd.Context(), dashboard.New(store, opts), addr, loopback, allowStop, storage, stderr)
			})
		},
	}
	storageFlag(cmd, &storage)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on (loopback unless --expose)")
	cmd.Flags().BoolVar(&allowStop, "allow-stop", false, "put a Stop button on running trials' pages (otherwise read-only)")
	cmd.Flags().BoolVar(&expose, "expose", false, "allow a non-loopback --addr: every host that can reach it can read every study")
	return cmd
}

// serve listens on addr and serves h until ctx ends (Ctrl-C), then lets
// requests in flight finish.
func serve(ctx context.Context, h http.Handler, addr string, loopback, allowStop bool, storage string, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	mode := "read-only"
	if allowStop {
		mode = "read-only except Stop on running trials"
	}
	fmt.Fprintf(stderr, "hpsearch: serving %s at http://%s/ (%s; Ctrl-C to stop)\n", redact(storage), browsable(ln.Addr()), mode)
	if !loopback {
		what := "read every study in it (names, configs, parameters, values, errors)"
		if allowStop {
			what += " and stop its running trials"
		}
		fmt.Fprintf(stderr, "hpsearch: warning: %s is not a loopback address: every host that can reach it can %s, with no login and no TLS\n", addr, what)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("serve: shut down: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// loopbackAddr reports whether --addr listens on this machine only; an
// address that is not host:port is a usage error.
func loopbackAddr(addr string) (bool, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return false, usageErr("--addr %q: want host:port (for example 127.0.0.1:8080)", addr)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// browsable is a listening address as a browser reaches it.
func browsable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
}
