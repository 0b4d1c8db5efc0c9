package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/redisstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/storetest"
)

func open(t *testing.T, url, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), url, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	srv := redistest.Start(t)
	var n atomic.Int32
	prefixes := map[store.Store]string{}
	storetest.Run(t, storetest.Harness{
		// Each subtest gets its own key prefix: an empty store on the same server.
		New: func(t *testing.T) store.Store {
			p := fmt.Sprintf("test%d:", n.Add(1))
			s := open(t, srv.URL(0), p)
			prefixes[s] = p
			return s
		},
		// A second client with its own connections, as a second replica.
		Peer: func(t *testing.T, s store.Store) store.Store { return open(t, srv.URL(0), prefixes[s]) },
	})
}

func TestOpenFails(t *testing.T) {
	srv := redistest.Start(t)
	port := srv.Addr[strings.LastIndex(srv.Addr, ":")+1:]
	srv.Stop()
	tests := []struct {
		name, url, notInError string
	}{
		{"nobody listening", "redis://127.0.0.1:" + port + "/0", ""},
		{"bad scheme", "http://127.0.0.1:" + port, ""},
		{"unparsable, with a password", "redis://user:s3cret-pw@127.0.0.1:%zz/0", "s3cret-pw"},
		{"refused, with a password", "redis://user:s3cret-pw@127.0.0.1:" + port + "/0", "s3cret-pw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := redisstore.Open(ctx, tt.url, redisstore.Options{})
			if err == nil {
				t.Fatalf("Open(%q) succeeded; want an error", tt.url)
			}
			if tt.notInError != "" && strings.Contains(err.Error(), tt.notInError) {
				t.Fatalf("Open error %q shows the password", err)
			}
		})
	}
}

func TestFrozenServerFailsWithinTheTimeout(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	// The write before the freeze goes through a handle with the default
	// time-out; only the read on the frozen server needs a short one, and
	// it fails however slow the machine is: nothing answers until Thaw.
	writer := open(t, srv.URL(0), "")
	if err := writer.Put(ctx, "k", []byte("v"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s, err := redisstore.Open(ctx, srv.URL(0), redisstore.Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Freeze()
	if _, err := s.Get(ctx, "k"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get on a frozen server = %v; want a store error, not ErrNotFound", err)
	}
	srv.Thaw()
	// Back: the same handle works again (each try bounded by its time-out,
	// so the loop waits on the server, not on a timer).
	var v []byte
	for v, err = s.Get(ctx, "k"); err != nil; v, err = s.Get(ctx, "k") {
		if t.Context().Err() != nil {
			t.Fatal(err)
		}
	}
	if string(v) != "v" {
		t.Fatalf("Get after thaw = %q; want v", v)
	}
}

func TestOpenRefusesAServerThatEvicts(t *testing.T) {
	srv := redistest.Start(t)
	rc := srv.Client(t)
	ctx := context.Background()
	for _, tt := range []struct {
		maxmemory, policy string
		refused           bool
	}{
		{"0", "allkeys-lru", false}, // no limit: nothing is ever evicted
		{"64mb", "noeviction", false},
		{"64mb", "volatile-lru", true},
		{"64mb", "allkeys-lfu", true},
	} {
		if err := rc.ConfigSet(ctx, "maxmemory", tt.maxmemory).Err(); err != nil {
			t.Fatal(err)
		}
		if err := rc.ConfigSet(ctx, "maxmemory-policy", tt.policy).Err(); err != nil {
			t.Fatal(err)
		}
		s, err := redisstore.Open(ctx, srv.URL(0), redisstore.Options{})
		if err == nil {
			s.Close()
		}
		if refused := errors.Is(err, redisstore.ErrEvicts); refused != tt.refused {
			t.Errorf("Open with maxmemory %s and policy %s = %v; want refused %v", tt.maxmemory, tt.policy, err, tt.refused)
		}
	}
}
