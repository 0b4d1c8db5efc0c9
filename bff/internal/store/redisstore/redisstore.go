// Package redisstore is a store.Store on Redis (github.com/redis/go-redis/v9),
// for several BFF replicas that share sessions. Every operation that the
// contract calls atomic is one Redis command or one Lua script, so it is
// atomic on the server whichever replica sends it; leases are
// github.com/bsm/redislock locks (SET NX PX with a random owner token,
// released by a script that checks the token).
//
// Keys are Prefix + "v:" + key for values and claims, Prefix + "l:" + key for
// leases and Prefix + "i:" + key for indexes (sorted sets scored by each
// member's expiry in Unix milliseconds). Expiries are sent as time-to-live
// computed from Options.Now, so that the replicas' clocks need not agree with
// the Redis server's.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
)

// DefaultPrefix starts every key Gatehouse writes.
const DefaultPrefix = "gatehouse:"

// DefaultTimeout bounds each command, so that a frozen Redis costs a request
// a bounded wait before it answers 503.
const DefaultTimeout = 2 * time.Second

// Options configure Open. The zero value is ready to use.
type Options struct {
	// Prefix starts every key. Default DefaultPrefix.
	Prefix string
	// Timeout bounds dialling, each read and each write. Default
	// DefaultTimeout.
	Timeout time.Duration
	// Now is the clock that expiries are turned into time-to-live with.
	// Default time.Now.
	Now func() time.Time
}

// Store is a store.Store on one Redis server (or a proxy in front of several).
// Close it to close its connections.
type Store struct {
	client *redis.Client
	locks  *redislock.Client
	prefix string
	now    func() time.Time
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Pinger = (*Store)(nil)
)

// Open connects to the Redis server named by rawURL,
// redis://[user:password@]host:port/db or rediss://… for TLS (the
// go-redis URL syntax), and pings it within ctx. It fails when the URL does
// not parse or the server does not answer; the error never holds the
// password.
func Open(ctx context.Context, rawURL string, opt Options) (*Store, error) {
	ro, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	ro.DialTimeout = opt.Timeout
	ro.ReadTimeout = opt.Timeout
	ro.WriteTimeout = opt.Timeout
	ro.PoolTimeout = opt.Timeout
	// One retry of a command that failed on a broken connection, not the
	// default three with back-off: a request waits at most about two
	// timeouts for a Redis that is down.
	ro.MaxRetries = 1
	ro.DialerRetries = 1      // a Redis that refuses connections answers 503 at once
	ro.DisableIdentity = true // CLIENT SETINFO is Redis 7.2+; 7.0 is supported
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	s := New(redis.NewClient(ro), opt)
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.checkEviction(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// ErrEvicts is returned by Open when the server may evict keys: every key
// Gatehouse writes has a time-to-live, so with a memory limit and any policy
// but noeviction, Redis could drop a session's index entries (and
// back-channel logout would miss it), a refresh lease, or a one-time mark.
var ErrEvicts = errors.New("redisstore: the server evicts keys when it is full (maxmemory with a maxmemory-policy other than noeviction); set maxmemory-policy noeviction, or no maxmemory")

// checkEviction reads maxmemory and maxmemory-policy from INFO memory, which
// managed Redis services allow where they refuse CONFIG GET.
func (s *Store) checkEviction(ctx context.Context) error {
	info, err := s.client.Info(ctx, "memory").Result()
	if err != nil {
		return wrap("info", err)
	}
	var maxmemory, policy string
	for line := range strings.SplitSeq(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		switch k {
		case "maxmemory":
			maxmemory = v
		case "maxmemory_policy":
			policy = v
		}
	}
	if maxmemory != "" && maxmemory != "0" && policy != "noeviction" {
		return fmt.Errorf("%w (it has maxmemory %s and maxmemory-policy %s)", ErrEvicts, maxmemory, policy)
	}
	return nil
}

// quietLogger takes go-redis's own log lines (one per failed dial, per
// request, while Redis is down) down to debug level: the store's errors
// reach the BFF's log through its callers, once per request at most.
type quietLogger struct{}

func (quietLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

func init() { redis.SetLogger(quietLogger{}) }

// New returns a Store on client, which it owns from then on.
func New(client *redis.Client, opt Options) *Store {
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Store{client: client, locks: redislock.New(client), prefix: opt.Prefix, now: opt.Now}
}

// CheckURL reports what is wrong with a Redis URL as Open takes it
// (redis://[user:password@]host[:port][/db][?option=value…], rediss://… for
// TLS), without connecting; the error never holds the password.
func CheckURL(rawURL string) error {
	_, err := parseURL(rawURL)
	return err
}

func parseURL(rawURL string) (*redis.Options, error) {
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %s", redactURLError(err))
	}
	return ro, nil
}

// redactURLError keeps a URL's password out of a parse error's text: a
// *url.Error quotes the whole URL; go-redis's own errors name only the
// scheme or the path.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return "the URL does not parse"
	}
	return err.Error()
}

// Client returns the store's go-redis client, for other counts that replicas
// must share (package ratelimit's counters). The store still owns it.
func (s *Store) Client() *redis.Client { return s.client }

// Prefix returns the prefix of every key the store writes.
func (s *Store) Prefix() string { return s.prefix }

// Close closes the connections.
func (s *Store) Close() error { return s.client.Close() }

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.client.Ping(ctx).Err())
}

func (s *Store) value(key string) string { return s.prefix + "v:" + key }
func (s *Store) lease(key string) string { return s.prefix + "l:" + key }
func (s *Store) index(key string) string { return s.prefix + "i:" + key }

// ttl returns the time-to-live, in milliseconds, of something that expires
// at expiry; 0 or less means it has expired.
func (s *Store) ttl(expiry time.Time) int64 {
	return expiry.Sub(s.now()).Milliseconds()
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := s.client.Get(ctx, s.value(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, wrap("get", err)
	}
	return b, nil
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte, expiry time.Time) error {
	ttl := s.ttl(expiry)
	if ttl <= 0 {
		return wrap("put", s.client.Del(ctx, s.value(key)).Err())
	}
	return wrap("put", s.client.Set(ctx, s.value(key), value, time.Duration(ttl)*time.Millisecond).Err())
}

// swapScript: KEYS[1] the key; ARGV[1] the expected value, ARGV[2] the new
// value, ARGV[3] its time-to-live in milliseconds, or "0" to delete.
var swapScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false or cur ~= ARGV[1] then return 0 end
if ARGV[3] == '0' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`)

// CompareAndSwap implements store.Store.
func (s *Store) CompareAndSwap(ctx context.Context, key string, old, value []byte, expiry time.Time) (bool, error) {
	ttl := s.ttl(expiry)
	if value == nil || ttl <= 0 {
		ttl = 0
	}
	n, err := swapScript.Run(ctx, s.client, []string{s.value(key)}, old, value, strconv.FormatInt(ttl, 10)).Int()
	if err != nil {
		return false, wrap("compare and swap", err)
	}
	return n == 1, nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.value(k)
	}
	return wrap("delete", s.client.Del(ctx, full...).Err())
}

// Claim implements store.Store.
func (s *Store) Claim(ctx context.Context, key string, expiry time.Time) (bool, error) {
	ttl := s.ttl(expiry)
	if ttl <= 0 {
		// Already expired: nothing to hold, but only one caller may win;
		// a claim that lives one millisecond decides.
		ttl = 1
	}
	err := s.client.SetArgs(ctx, s.value(key), "", redis.SetArgs{Mode: "NX", TTL: time.Duration(ttl) * time.Millisecond}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap("claim", err)
	}
	return true, nil
}

// lockRetry is how often a waiter asks for a held lease: from 4 ms, doubling
// up to 128 ms, so that a lease held for one refresh (tens to hundreds of
// milliseconds) is taken over soon after it is released.
func lockRetry() redislock.RetryStrategy {
	return redislock.ExponentialBackoff(4*time.Millisecond, 128*time.Millisecond)
}

// Lock implements store.Store.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	for {
		l, err := s.locks.Obtain(ctx, s.lease(key), ttl, &redislock.Options{RetryStrategy: lockRetry()})
		if err == nil {
			return func(ctx context.Context) error {
				if err := l.Release(ctx); err != nil && !errors.Is(err, redislock.ErrLockNotHeld) {
					return wrap("unlock", err)
				}
				return nil
			}, nil
		}
		// Without a deadline on ctx, redislock gives up after ttl; the
		// contract is to wait until ctx ends.
		if (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redislock.ErrNotObtained)) && ctx.Err() == nil {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, wrap("lock", err)
	}
}

// indexAddScript: KEYS[1] the index; ARGV[1] the member, ARGV[2] its expiry
// (Unix ms), ARGV[3] now (Unix ms), ARGV[4] the member's time-to-live (ms).
// It adds the member with the later of its expiries, drops members that
// have expired, and keeps the index itself alive as long as its longest-lived
// member.
var indexAddScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
`)

// IndexAdd implements store.Store.
func (s *Store) IndexAdd(ctx context.Context, index, member string, expiry time.Time) error {
	ttl := s.ttl(expiry)
	if ttl <= 0 {
		return nil // listed until a time that has passed: never listed
	}
	now := s.now().UnixMilli()
	err := indexAddScript.Run(ctx, s.client, []string{s.index(index)},
		member, expiry.UnixMilli(), now, ttl).Err()
	return wrap("index add", err)
}

// IndexMembers implements store.Store.
func (s *Store) IndexMembers(ctx context.Context, index string) ([]string, error) {
	members, err := s.client.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key:     s.index(index),
		Start:   "(" + strconv.FormatInt(s.now().UnixMilli(), 10),
		Stop:    "+inf",
		ByScore: true,
	}).Result()
	if err != nil {
		return nil, wrap("index members", err)
	}
	slices.Sort(members)
	return members, nil
}

// IndexRemove implements store.Store.
func (s *Store) IndexRemove(ctx context.Context, index string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	return wrap("index remove", s.client.ZRem(ctx, s.index(index), args...).Err())
}
