package proxy

import (
	"context"
	"net/http"
)

func contextWith(r *http.Request, out *outbound) context.Context {
	return context.WithValue(r.Context(), outboundKey{}, out)
}

func fromContext(r *http.Request) *outbound {
	return r.Context().Value(outboundKey{}).(*outbound)
}
