//go:build !race

package argon2_test

const raceDetector = false
