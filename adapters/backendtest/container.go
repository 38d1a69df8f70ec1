package backendtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// containerStartTimeout bounds starting one backend's container, pulling its image
// included: a first run on a laptop downloads a few hundred megabytes per image.
const containerStartTimeout = 10 * time.Minute

// containerImage returns the image to start for a backend: the one the variable
// names (CI sets AUTH_TEST_POSTGRES_IMAGE and the like to the stand-ins that
// deploy/testimages.sh builds), else the official image.
func containerImage(envVar, official string) string {
	if v := strings.TrimSpace(os.Getenv(envVar)); v != "" {
		return v
	}
	return official
}

// viaContainer is how a backend reached through a container is reported.
func viaContainer(image string) string { return "container " + image }

// viaURL is how a backend reached through its AUTH_TEST_*_URL is reported.
func viaURL(envVar string) string { return "url " + envVar }

// startContainer runs start, turning a panic of the container library (it has
// panicked when no Docker engine exists) into an error. A started container is left
// to testcontainers' reaper (Ryuk), which removes it when the test binary exits;
// where Ryuk is disabled (TESTCONTAINERS_RYUK_DISABLED=true, as in CI) whoever runs
// the tests removes them (.ci/containers.sh does, by testcontainers' label).
func startContainer(ctx context.Context, start func(context.Context) (string, error)) (url string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("testcontainers: %v", r)
		}
	}()
	return start(ctx)
}

// failedStart removes a container whose start failed after it was created (a wait
// strategy that timed out, a port that never answered): the modules return it
// with the error, and without Ryuk nothing else would ever remove it.
func failedStart(c testcontainers.Container, err error) error {
	if termErr := testcontainers.TerminateContainer(c); termErr != nil {
		return fmt.Errorf("%w (and removing the container failed: %v)", err, termErr)
	}
	return err
}
