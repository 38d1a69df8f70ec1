package domain

import (
	"encoding/hex"
	"io"
	"time"
)

// NewID returns a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds followed by random
// bits. Time-ordered ids keep B-tree inserts local and give pagination a stable order.
func NewID(now time.Time, random io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[6:]); err != nil {
		return "", err
	}
	ms := uint64(now.UnixMilli())
	b[0], b[1], b[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	b[3], b[4], b[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | (b[6] & 0x0f) // version 7
	b[8] = 0x80 | (b[8] & 0x3f) // variant 10
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:]), nil
}

// IsID reports whether s has the canonical form of the ids this service issues:
// a UUID in lower-case hex, 8-4-4-4-12. A page cursor or a path parameter that
// is not one names no record, and can be refused before any store is asked.
func IsID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// IDFloor returns the smallest UUIDv7 of the millisecond of t: every id NewID
// makes at t or later sorts at or above it, every id made in an earlier millisecond
// below it. Stores that page events by id use it to turn a time bound into a key
// bound.
func IDFloor(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	var b [6]byte
	b[0], b[1], b[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	b[3], b[4], b[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:] + "-7000-8000-000000000000"
}

// NextID returns the id right after id in sort order, by adding one to its last
// twelve hex digits (the random tail, leaving version and variant alone). It keeps
// ids that one process makes within one millisecond in the order it made them.
func NextID(id string) string {
	b := []byte(id)
	for i := len(b) - 1; i >= 24; i-- {
		switch b[i] {
		case 'f':
			b[i] = '0'
			continue
		case '9':
			b[i] = 'a'
		default:
			b[i]++
		}
		break
	}
	return string(b)
}
