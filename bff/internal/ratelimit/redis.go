package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis fails over to its Memory for this long after a Redis error, and logs
// a failure at most once per logEvery: a Redis that is down costs each
// request at most one bounded wait every failBack, and the log a line every
// logEvery.
const (
	failBack     = 5 * time.Second
	logEvery     = time.Minute
	redisTimeout = time.Second
)

// countScript counts a request in a fixed window, atomically on the server
// whichever replica sends it. KEYS[1] is the window's counter; ARGV[1] the
// limit; ARGV[2] the counter's time-to-live in milliseconds. It returns the
// request's number in the window. A request over the limit writes nothing:
// a flood from one key costs one read per request once it is refused.
var countScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return n + 1 end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n
`)

// Redis counts in Redis, so that every replica on one server shares each
// count: a fixed window of Limit.Per, numbered from the Unix epoch by this
// process's clock, allows Limit.Requests in each window (up to twice that
// across a window's end). A counter is one Redis string that expires a
// second after its window; keys are Prefix + a hash of the key (never the
// key itself: it may be a session's id) + the window's number.
//
// When Redis fails, Take counts in Fallback instead, for failBack, and logs
// the failure at most once a minute: the limit then holds per replica, and
// no request is refused for Redis's sake. Safe for concurrent use.
type Redis struct {
	client   redis.Scripter
	prefix   string
	now      func() time.Time
	fallback *Memory
	log      *slog.Logger

	mu        sync.Mutex
	downUntil time.Time // Take uses the fallback until then
	loggedAt  time.Time // the last failure logged
}

// NewRedis returns a Redis counter on client with keys starting with
// prefix, falling back on fallback. now and log default to time.Now and
// slog.Default().
func NewRedis(client redis.Scripter, prefix string, fallback *Memory, now func() time.Time, log *slog.Logger) *Redis {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Redis{client: client, prefix: prefix, now: now, fallback: fallback, log: log}
}

// Take implements Counter.
func (c *Redis) Take(ctx context.Context, key string, l Limit) (bool, time.Duration) {
	if l.Off() {
		return true, 0
	}
	now := c.now()
	if c.down(now) {
		return c.fallback.Take(ctx, key, l)
	}
	per := l.Per.Nanoseconds()
	window := now.UnixNano() / per
	left := time.Duration((window+1)*per - now.UnixNano())
	sum := sha256.Sum256([]byte(key))
	k := c.prefix + base64.RawURLEncoding.EncodeToString(sum[:12]) + ":" + strconv.FormatInt(window, 36)
	// Not the request's context: a client that goes away must not look
	// like a Redis failure.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	n, err := countScript.Run(ctx, c.client, []string{k}, l.Requests, (left + time.Second).Milliseconds()).Int()
	if err != nil {
		c.failed(now, err)
		return c.fallback.Take(ctx, key, l)
	}
	if n > l.Requests {
		return false, left
	}
	return true, 0
}

// down reports whether Redis failed less than failBack ago.
func (c *Redis) down(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return now.Before(c.downUntil)
}

// failed turns to the fallback for failBack, and logs err unless a failure
// was logged less than logEvery ago.
func (c *Redis) failed(now time.Time, err error) {
	c.mu.Lock()
	c.downUntil = now.Add(failBack)
	quiet := !c.loggedAt.IsZero() && now.Sub(c.loggedAt) < logEvery
	if !quiet {
		c.loggedAt = now
	}
	c.mu.Unlock()
	if !quiet {
		c.log.Warn("rate limit: Redis failed; counting in this process for now (logged at most once a minute)",
			"error", err.Error())
	}
}
