package metrics

import (
	"context"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
)

// Store returns st counting its failures in gatehouse_store_errors_total
// (store.ErrNotFound is an answer, not a failure); st itself for a nil
// *Metrics. The wrapper hides st's other methods (store.Pinger, a Redis
// client): ask st for those.
func (m *Metrics) Store(st store.Store) store.Store {
	if m == nil {
		return st
	}
	return countedStore{st: st, m: m}
}

type countedStore struct {
	st store.Store
	m  *Metrics
}

var _ store.Store = countedStore{}

func (c countedStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := c.st.Get(ctx, key)
	if err != nil && err != store.ErrNotFound {
		c.m.StoreError(ctx, "get", err)
	}
	return v, err
}

func (c countedStore) Put(ctx context.Context, key string, value []byte, expiry time.Time) error {
	err := c.st.Put(ctx, key, value, expiry)
	c.m.StoreError(ctx, "put", err)
	return err
}

func (c countedStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, expiry time.Time) (bool, error) {
	ok, err := c.st.CompareAndSwap(ctx, key, old, value, expiry)
	c.m.StoreError(ctx, "compare_and_swap", err)
	return ok, err
}

func (c countedStore) Delete(ctx context.Context, keys ...string) error {
	err := c.st.Delete(ctx, keys...)
	c.m.StoreError(ctx, "delete", err)
	return err
}

func (c countedStore) Claim(ctx context.Context, key string, expiry time.Time) (bool, error) {
	ok, err := c.st.Claim(ctx, key, expiry)
	c.m.StoreError(ctx, "claim", err)
	return ok, err
}

// Lock counts a failure to take the lease, but not a wait that ran out
// (ctx ended while another owner held it): that is contention, counted as
// a busy refresh.
func (c countedStore) Lock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	unlock, err := c.st.Lock(ctx, key, ttl)
	c.m.StoreError(ctx, "lock", err)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		err := unlock(ctx)
		c.m.StoreError(ctx, "lock", err)
		return err
	}, nil
}

func (c countedStore) IndexAdd(ctx context.Context, index, member string, expiry time.Time) error {
	err := c.st.IndexAdd(ctx, index, member, expiry)
	c.m.StoreError(ctx, "index_add", err)
	return err
}

func (c countedStore) IndexMembers(ctx context.Context, index string) ([]string, error) {
	v, err := c.st.IndexMembers(ctx, index)
	c.m.StoreError(ctx, "index_members", err)
	return v, err
}

func (c countedStore) IndexRemove(ctx context.Context, index string, members ...string) error {
	err := c.st.IndexRemove(ctx, index, members...)
	c.m.StoreError(ctx, "index_remove", err)
	return err
}
