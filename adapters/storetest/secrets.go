package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/authd/authd/ports"
)

func testSecrets(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()

	t.Run("FirstWriterWins", func(t *testing.T) {
		t.Parallel()
		name := "test-key-" + newID(t)
		first := []byte{0x00, 0x01, 0xfe, 0xff, 'a'}
		got, err := b.Secrets().Secret(ctx, name, first)
		noErr(t, "Secret(first)", err)
		if !bytes.Equal(got, first) {
			t.Errorf("Secret(first) = %x, want %x", got, first)
		}
		got, err = b.Secrets().Secret(ctx, name, []byte("second"))
		noErr(t, "Secret(second)", err)
		if !bytes.Equal(got, first) {
			t.Errorf("Secret(second) = %x, want the first value %x", got, first)
		}
		otherName := name + "-other"
		got, err = b.Secrets().Secret(ctx, otherName, []byte("other"))
		noErr(t, "Secret(other name)", err)
		if string(got) != "other" {
			t.Errorf("Secret(other name) = %q, want %q", got, "other")
		}
	})
}
