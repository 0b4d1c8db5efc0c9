package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// requestTimeout bounds every call to the BFF.
const requestTimeout = 20 * time.Second

// fetchRequest is one call to the BFF. Path is a path on this origin.
type fetchRequest struct {
	Method  string
	Path    string
	Headers map[string]string
}

// fetchResponse is the BFF's answer: the status and the whole body.
type fetchResponse struct {
	Status int
	Body   []byte
}

// errNetwork marks a request that got no answer (offline, DNS, CORS, abort).
var errNetwork = errors.New("no answer from the server")

// httpError is a non-2xx answer from the BFF, with its shared.Error body (or
// one made up from the status when the body was not one).
type httpError struct {
	Status int
	Body   shared.Error
}

func (e *httpError) Error() string {
	return fmt.Sprintf("web: HTTP %d: %s", e.Status, e.Body.Error())
}

// Unwrap gives the *shared.Error, for errors.As.
func (e *httpError) Unwrap() error { return &e.Body }

// callBFF sends method path to the BFF, with shared.HeaderCSRF when csrf is
// set (every /api call and the logout), and decodes a 2xx JSON answer into out
// (unless out is nil). Blocking: only from Context.Async.
func callBFF(ctx context.Context, method, path string, csrf bool, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req := fetchRequest{Method: method, Path: path}
	if csrf {
		req.Headers = map[string]string{shared.HeaderCSRF: shared.CSRFValue}
	}
	res, err := browserFetch(ctx, req)
	if err != nil {
		return err
	}
	return decodeResponse(res, out)
}

// decodeResponse turns an answer into out (2xx) or an *httpError (anything
// else). A 2xx body that is not the expected JSON is an error too.
func decodeResponse(res fetchResponse, out any) error {
	if res.Status >= 200 && res.Status < 300 {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(res.Body, out); err != nil {
			return fmt.Errorf("web: reading the answer: %w", err)
		}
		return nil
	}
	e := &httpError{Status: res.Status}
	if json.Unmarshal(res.Body, &e.Body) != nil || e.Body.Code == "" {
		e.Body = shared.Error{}
	}
	if e.Body.Message == "" {
		e.Body.Message = codeMessage(e.Body.Code, res.Status)
	}
	return e
}

// storeUnavailableMessage is the text for 503
// shared.CodeSessionStoreUnavailable when the BFF's answer did not say more.
// The BFF keeps the session through the outage, so the text says the user is
// still signed in.
const storeUnavailableMessage = "Sign-in is temporarily unavailable: Gatehouse's session store is not answering. " +
	"You are still signed in; try again in a moment."

// codeMessage is the text for an error answer with code that did not say
// more: a sentence for the codes the app explains, statusMessage otherwise.
func codeMessage(code shared.Code, status int) string {
	switch code {
	case shared.CodeSessionExpired:
		return "Your session has ended. Sign in again."
	case shared.CodeProviderUnavailable:
		return "Your sign-in provider is not answering. Your session is kept; try again in a moment."
	case shared.CodeSessionStoreUnavailable:
		// Gatehouse's own store, not the provider: say so, but name no
		// technology (which store it is is for the operator's log).
		return storeUnavailableMessage
	default:
		return statusMessage(status)
	}
}

// statusMessage is the text for an error answer that did not say more.
func statusMessage(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "You are not signed in."
	case status == http.StatusForbidden:
		return "The server refused this request."
	case status == http.StatusNotFound:
		return "The server has no such resource."
	case status == http.StatusTooManyRequests:
		return "Too many requests. Wait a moment and try again."
	case status >= 500:
		return "The server had a problem. Try again in a moment."
	default:
		return fmt.Sprintf("The server answered with an error (HTTP %d).", status)
	}
}

// errorStatus gives the HTTP status and code of err: those of an *httpError,
// or 0 and "" when no answer arrived (or err is nil).
func errorStatus(err error) (int, shared.Code) {
	var he *httpError
	if errors.As(err, &he) {
		return he.Status, he.Body.Code
	}
	return 0, ""
}

// userMessage is the text to show for err: the BFF's message, or a plain
// sentence for failures without an answer. Internal detail never shows.
func userMessage(err error) string {
	var he *httpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &he):
		return he.Body.Message
	case errors.Is(err, context.DeadlineExceeded):
		return "The server took too long to answer. Try again."
	case errors.Is(err, errNetwork):
		return "The server could not be reached. Check your connection and try again."
	default:
		return "The answer from the server could not be read. Try again."
	}
}
