// Package boltstore is a store.Store in an embedded bbolt file
// (go.etcd.io/bbolt): sessions survive a restart of the BFF on one machine.
// Only one process can open the file at a time (bbolt holds an exclusive
// file lock), so leases are kept in that process's memory.
//
// Every write is its own bbolt transaction, synced to disk before it returns.
// Expired values are never returned; a sweep frees them every SweepInterval in
// batches of sweepBatch keys per transaction, so that it never holds the
// single writer for long and requests keep flowing.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
)

// Defaults of Options.
const (
	DefaultSweepInterval = time.Minute
	DefaultLockTimeout   = time.Second
)

// sweepBatch is how many keys one sweep transaction looks at.
const sweepBatch = 1000

var (
	bucketValues  = []byte("values")
	bucketIndexes = []byte("indexes")
)

// ErrLocked is returned by Open when another process has the file open.
var ErrLocked = errors.New("boltstore: the file is locked by another process")

// Options configure Open. The zero value is ready to use.
type Options struct {
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// SweepInterval is how often expired entries are freed; negative turns
	// the sweep off (tests call Sweep). Default DefaultSweepInterval.
	SweepInterval time.Duration
	// LockTimeout is how long Open waits for another process to release the
	// file before it returns ErrLocked. Default DefaultLockTimeout.
	LockTimeout time.Duration
	// Log receives sweep failures. Default slog.Default().
	Log *slog.Logger
}

// Store is a store.Store in a bbolt file. Close it to release the file.
type Store struct {
	db     *bolt.DB
	path   string
	file   os.FileInfo // the file opened, to tell when path names another
	now    func() time.Time
	log    *slog.Logger
	leases store.LocalLeases

	sweeper   *store.Sweeper
	closeOnce sync.Once
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Pinger = (*Store)(nil)
)

// Open opens or creates the store file at path (mode 0600, its directory
// 0700 when it has to be made), and starts the sweep. It fails with an error
// wrapping ErrLocked when another process holds the file.
func Open(path string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.SweepInterval == 0 {
		opt.SweepInterval = DefaultSweepInterval
	}
	if opt.LockTimeout <= 0 {
		opt.LockTimeout = DefaultLockTimeout
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	db, err := openFile(path, opt.LockTimeout)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketValues); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketIndexes)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	s := &Store{
		db:     db,
		path:   path,
		file:   info,
		now:    opt.Now,
		log:    opt.Log,
		leases: store.LocalLeases{Now: opt.Now},
	}
	s.sweeper = store.NewSweeper(opt.SweepInterval, func() {
		if err := s.Sweep(); err != nil {
			s.log.Warn("session store sweep failed", "error", err.Error())
		}
	})
	return s, nil
}

// Close stops the sweep and closes the file, after the writes in progress.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.sweeper.Stop()
		err = s.db.Close()
	})
	return err
}

// ErrCorrupt is returned by Open for a file that is not a readable bbolt
// database.
var ErrCorrupt = errors.New("boltstore: the file is not a readable session store (corrupt, or another kind of file)")

// openFile opens the database at path. bbolt panics on some corrupt files
// instead of returning an error: that panic becomes ErrCorrupt.
func openFile(path string, lockTimeout time.Duration) (db *bolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, p)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrVersionMismatch) || errors.Is(err, bolterrors.ErrChecksum) {
		err = fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return db, err
}

// Ping reports whether the store still works: the file can be read, and its
// path still names the file that was opened (a file deleted or replaced
// under a running BFF would lose every session at the next start).
func (s *Store) Ping(context.Context) error {
	info, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("boltstore: %w", err)
	}
	if !os.SameFile(info, s.file) {
		return fmt.Errorf("boltstore: %s is no longer the file this process opened (deleted or replaced)", s.path)
	}
	return wrap("ping", s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketValues) == nil || tx.Bucket(bucketIndexes) == nil {
			return errors.New("the buckets are gone")
		}
		return nil
	}))
}

// encode lays an entry out as an 8-byte big-endian expiry in Unix
// nanoseconds followed by the value.
func encode(value []byte, expiry time.Time) []byte {
	b := make([]byte, 8+len(value))
	binary.BigEndian.PutUint64(b, uint64(expiry.UnixNano()))
	copy(b[8:], value)
	return b
}

func expiryOf(b []byte) time.Time {
	if len(b) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)))
}

// live returns the value under key in b when it has not expired. The slice
// is valid only inside the transaction.
func (s *Store) live(b *bolt.Bucket, key string, now time.Time) ([]byte, bool) {
	raw := b.Get([]byte(key))
	if raw == nil || !now.Before(expiryOf(raw)) {
		return nil, false
	}
	return raw[8:], true
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("boltstore: %s: %w", op, err)
}

// Get implements store.Store.
func (s *Store) Get(_ context.Context, key string) ([]byte, error) {
	var out []byte
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		if v, ok := s.live(tx.Bucket(bucketValues), key, s.now()); ok {
			out, found = bytes.Clone(v), true
			if out == nil {
				out = []byte{}
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("get", err)
	}
	if !found {
		return nil, store.ErrNotFound
	}
	return out, nil
}

func (s *Store) put(b *bolt.Bucket, key string, value []byte, expiry time.Time) error {
	if !s.now().Before(expiry) {
		return b.Delete([]byte(key))
	}
	return b.Put([]byte(key), encode(value, expiry))
}

// Put implements store.Store.
func (s *Store) Put(_ context.Context, key string, value []byte, expiry time.Time) error {
	return wrap("put", s.db.Update(func(tx *bolt.Tx) error {
		return s.put(tx.Bucket(bucketValues), key, value, expiry)
	}))
}

// CompareAndSwap implements store.Store.
func (s *Store) CompareAndSwap(_ context.Context, key string, old, value []byte, expiry time.Time) (bool, error) {
	swapped := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValues)
		cur, ok := s.live(b, key, s.now())
		if !ok || !bytes.Equal(cur, old) {
			return nil
		}
		swapped = true
		if value == nil {
			return b.Delete([]byte(key))
		}
		return s.put(b, key, value, expiry)
	})
	return swapped, wrap("compare and swap", err)
}

// Delete implements store.Store. Keys that are not there cost a read, not
// a synced write.
func (s *Store) Delete(_ context.Context, keys ...string) error {
	present := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValues)
		for _, k := range keys {
			if b.Get([]byte(k)) != nil {
				present = true
				return nil
			}
		}
		return nil
	})
	if err != nil || !present {
		return wrap("delete", err)
	}
	return wrap("delete", s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValues)
		for _, k := range keys {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Claim implements store.Store.
func (s *Store) Claim(_ context.Context, key string, expiry time.Time) (bool, error) {
	claimed := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValues)
		if _, ok := s.live(b, key, s.now()); ok {
			return nil
		}
		claimed = true
		return s.put(b, key, nil, expiry)
	})
	return claimed, wrap("claim", err)
}

// Lock implements store.Store.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	return s.leases.Lock(ctx, key, ttl)
}

// IndexAdd implements store.Store.
func (s *Store) IndexAdd(_ context.Context, index, member string, expiry time.Time) error {
	return wrap("index add", s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketIndexes).CreateBucketIfNotExists([]byte(index))
		if err != nil {
			return err
		}
		if cur := b.Get([]byte(member)); cur != nil && !expiry.After(expiryOf(cur)) {
			return nil
		}
		return b.Put([]byte(member), encode(nil, expiry))
	}))
}

// IndexMembers implements store.Store.
func (s *Store) IndexMembers(_ context.Context, index string) ([]string, error) {
	var members []string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIndexes).Bucket([]byte(index))
		if b == nil {
			return nil
		}
		now := s.now()
		return b.ForEach(func(k, v []byte) error {
			if now.Before(expiryOf(v)) {
				members = append(members, string(k))
			}
			return nil
		})
	})
	if err != nil {
		return nil, wrap("index members", err)
	}
	slices.Sort(members) // bbolt's order is already byte order; this states it
	return members, nil
}

// IndexRemove implements store.Store.
func (s *Store) IndexRemove(_ context.Context, index string, members ...string) error {
	return wrap("index remove", s.db.Update(func(tx *bolt.Tx) error {
		parent := tx.Bucket(bucketIndexes)
		b := parent.Bucket([]byte(index))
		if b == nil {
			return nil
		}
		for _, m := range members {
			if err := b.Delete([]byte(m)); err != nil {
				return err
			}
		}
		if k, _ := b.Cursor().First(); k == nil {
			return parent.DeleteBucket([]byte(index))
		}
		return nil
	}))
}

// Sweep frees every expired value and index member, sweepBatch keys per
// transaction.
func (s *Store) Sweep() error {
	if err := s.sweepBucket(bucketValues, nil); err != nil {
		return err
	}
	// Index names, then each index in batches.
	var names [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIndexes).ForEachBucket(func(k []byte) error {
			names = append(names, bytes.Clone(k))
			return nil
		})
	})
	if err != nil {
		return wrap("sweep", err)
	}
	for _, name := range names {
		if err := s.sweepBucket(bucketIndexes, name); err != nil {
			return err
		}
	}
	return nil
}

// sweepBucket deletes the expired entries of the bucket top (or of its
// nested bucket nested), and the nested bucket itself when it ends empty.
func (s *Store) sweepBucket(top, nested []byte) error {
	var from []byte // the first key of the next batch
	for {
		next, err := s.sweepBatch(top, nested, from)
		if err != nil {
			return wrap("sweep", err)
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

func (s *Store) sweepBatch(top, nested, from []byte) (next []byte, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		parent := tx.Bucket(top)
		b := parent
		if nested != nil {
			if b = parent.Bucket(nested); b == nil {
				return nil
			}
		}
		now := s.now()
		c := b.Cursor()
		k, v := c.First()
		if from != nil {
			k, v = c.Seek(from)
		}
		for n := 0; k != nil; n++ {
			if n == sweepBatch {
				next = bytes.Clone(k)
				return nil
			}
			if v != nil && !now.Before(expiryOf(v)) {
				deleted := bytes.Clone(k) // k points into a page that Delete changes
				if err := c.Delete(); err != nil {
					return err
				}
				// Carry on from the element after the deleted one.
				k, v = c.Seek(deleted)
				continue
			}
			k, v = c.Next()
		}
		if nested != nil {
			if k, _ := b.Cursor().First(); k == nil {
				return parent.DeleteBucket(nested)
			}
		}
		return nil
	})
	return next, err
}
