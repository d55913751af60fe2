//go:build !race

package localstack_test

// raceDetector is true when the tests run with -race, whose
// instrumentation makes the stack several times slower.
const raceDetector = false
