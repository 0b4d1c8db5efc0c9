package web

// loadStatus is where the loading of some remote data stands.
type loadStatus int

const (
	// statusIdle: not asked yet (the zero value).
	statusIdle loadStatus = iota
	// statusLoading: asked, no answer yet.
	statusLoading
	// statusFailed: the answer was an error; see remote.err.
	statusFailed
	// statusLoaded: the answer is in remote.data.
	statusLoaded
)

// remote is data loaded from the BFF, as {status, err, data}. data keeps the
// last answer that arrived, if any, while a reload is loading.
type remote[T any] struct {
	status loadStatus
	err    error
	data   T
}
