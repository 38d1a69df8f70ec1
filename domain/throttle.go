package domain

import "time"

// Backoff is the failed-login policy (ARCHITECTURE.md §4): Threshold attempts on
// one login identifier go ahead at once; after that, each further attempt must wait
// Base after the previous one, doubling per attempt up to Max. Attempts are
// forgotten Forget after the latest one, and a correct password forgets them at
// once. Every attempt is counted when it is admitted, before its password is
// checked, so that parallel guesses cannot all slip in before the first failure is
// recorded.
type Backoff struct {
	Threshold int
	Base      time.Duration
	Max       time.Duration
	Forget    time.Duration
}

// Attempts is what a store keeps per login identifier: how many attempts were
// admitted, the earliest time the next may start (zero while under the
// threshold), and when the record may be forgotten.
type Attempts struct {
	Count     int
	NextAt    time.Time
	ExpiresAt time.Time
}

// Admit decides one more attempt at now given the stored record cur (the zero
// value when there is none). It returns the record to store and 0 when the attempt
// may go ahead, or cur unchanged and how long the caller must wait. A record past
// its ExpiresAt counts as none.
func (b Backoff) Admit(cur Attempts, now time.Time) (Attempts, time.Duration) {
	if !now.Before(cur.ExpiresAt) {
		cur = Attempts{}
	}
	if b.Threshold > 0 && cur.Count >= b.Threshold && now.Before(cur.NextAt) {
		return cur, cur.NextAt.Sub(now)
	}
	next := Attempts{Count: cur.Count + 1, ExpiresAt: now.Add(b.Forget)}
	if b.Threshold > 0 && next.Count >= b.Threshold {
		next.NextAt = now.Add(b.Delay(next.Count))
	}
	return next, 0
}

// Delay is how long the attempt after the count-th must wait: Base once count
// reaches Threshold, doubling per further attempt, capped at Max.
func (b Backoff) Delay(count int) time.Duration {
	if b.Threshold <= 0 || count < b.Threshold {
		return 0
	}
	d := b.Base
	for i := b.Threshold; i < count && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}
