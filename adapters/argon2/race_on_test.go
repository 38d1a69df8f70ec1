//go:build race

package argon2_test

// raceDetector: under the race detector sync.Pool drops a quarter of what it is
// given back (on purpose, to shake out races), so pool reuse can only be checked
// statistically.
const raceDetector = true
