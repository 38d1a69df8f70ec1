package argon2

// SetObserver installs a hook that is told the number of computations in flight each
// time one starts. It must be called before h is used concurrently.
func SetObserver(h *Hasher, f func(inFlight int)) { h.observe = f }
