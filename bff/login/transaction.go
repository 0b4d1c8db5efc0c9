package login

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Transaction is one pending sign-in: what the callback needs to finish it.
// It lives server-side, keyed by State, so that several tabs can sign in at
// once (field case F05), and is bound to the browser that started it.
type Transaction struct {
	// State is the state parameter (RFC 6749 §10.12): the transaction's key.
	State string `json:"state"`
	// Nonce is the nonce parameter, checked against the ID token's nonce
	// claim (OpenID Connect Core §3.1.2.1, §3.1.3.7).
	Nonce string `json:"nonce"`
	// CodeVerifier is the PKCE code_verifier (RFC 7636 §4.1).
	CodeVerifier string `json:"code_verifier"`
	// ReturnTo is the checked same-origin path to land on afterwards.
	ReturnTo string `json:"return_to"`
	// Issuer is the issuer the request went to (RFC 9207 mix-up defence).
	Issuer string `json:"issuer"`
	// BrowserBinding is the SHA-256 (hex) of the login cookie's value: only
	// the browser holding that cookie can finish this sign-in.
	BrowserBinding string `json:"browser_binding"`
	// CreatedAt is when the sign-in started.
	CreatedAt time.Time `json:"created_at"`
}

// ErrTransactionNotFound is returned by TransactionStore.Take when no pending
// sign-in has that state: it expired, was used, or never existed.
var ErrTransactionNotFound = errors.New("login: no pending sign-in with that state")

// TransactionStore keeps pending sign-ins. Implementations are safe for
// concurrent use.
type TransactionStore interface {
	// Save stores tx under tx.State until expiry.
	Save(ctx context.Context, tx Transaction, expiry time.Time) error
	// Take returns the transaction stored under state and removes it, so that
	// each is used at most once; ErrTransactionNotFound when there is none.
	Take(ctx context.Context, state string) (Transaction, error)
}

// NewTransactionStore returns a TransactionStore that keeps transactions in
// an scs.Store (the session store), under "gatehouse.login." plus the SHA-256
// of the state. Take is atomic among the goroutines of this process; the
// in-memory store is not shared with other processes anyway.
func NewTransactionStore(store scs.Store) TransactionStore {
	return &scsTransactions{store: store}
}

type scsTransactions struct {
	store scs.Store
	mu    sync.Mutex // makes Find+Delete in Take one step
}

var _ TransactionStore = (*scsTransactions)(nil)

func transactionKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return "gatehouse.login." + hex.EncodeToString(sum[:])
}

func (s *scsTransactions) Save(_ context.Context, tx Transaction, expiry time.Time) error {
	b, err := json.Marshal(tx)
	if err != nil {
		return fmt.Errorf("login: encode transaction: %w", err)
	}
	if err := s.store.Commit(transactionKey(tx.State), b, expiry); err != nil {
		return fmt.Errorf("login: save transaction: %w", err)
	}
	return nil
}

func (s *scsTransactions) Take(_ context.Context, state string) (Transaction, error) {
	key := transactionKey(state)
	s.mu.Lock()
	b, found, err := s.store.Find(key)
	if err == nil && found {
		err = s.store.Delete(key)
	}
	s.mu.Unlock()
	if err != nil {
		return Transaction{}, fmt.Errorf("login: take transaction: %w", err)
	}
	if !found {
		return Transaction{}, ErrTransactionNotFound
	}
	var tx Transaction
	if err := json.Unmarshal(b, &tx); err != nil {
		return Transaction{}, fmt.Errorf("login: decode transaction: %w", err)
	}
	if tx.State != state {
		return Transaction{}, ErrTransactionNotFound
	}
	return tx, nil
}
