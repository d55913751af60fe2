package shops

import "time"

// SetClock sets the registry's clock.
func SetClock(r *Registry, now func() time.Time) { r.now = now }

// CacheLen is how many shop ids the registry remembers.
func CacheLen(r *Registry) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cache)
}
