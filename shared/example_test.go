package shared_test

import (
	"encoding/json"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// The SPA decodes every error answer of the BFF into a shared.Error and
// branches on its Code; people read its Message.
func ExampleError() {
	body := []byte(`{"error":"session_expired","message":"Your session has ended. Sign in again."}`)
	var e shared.Error
	if err := json.Unmarshal(body, &e); err != nil {
		panic(err)
	}
	fmt.Println(e.Code == shared.CodeSessionExpired, e.Code.HTTPStatus())
	fmt.Println(e.Message)
	// Output:
	// true 401
	// Your session has ended. Sign in again.
}
