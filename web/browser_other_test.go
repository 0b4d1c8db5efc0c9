//go:build !(js && wasm)

package web

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// Outside the browser, fetch is a clear error, never a panic or a net/http call.
func TestCallBFFOutsideBrowser(t *testing.T) {
	err := callBFF(context.Background(), "GET", shared.PathMe, false, nil)
	if !errors.Is(err, errNoBrowser) {
		t.Errorf("callBFF outside the browser = %v; want errNoBrowser", err)
	}
}
