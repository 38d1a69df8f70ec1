package domain

// Account is one account with everything that keeps it working after a move to
// another database (ARCHITECTURE.md §13): the user with its password hash, its
// second factors (secrets still sealed: they open under the same encryption key
// and the same ids), its recovery-code hashes, its passkeys and its live sessions
// with their refresh counters. A new kind of account data (external identities,
// say) is one more field here, read and written by each store's Archive.
type Account struct {
	User          User
	Factors       []Factor
	RecoveryCodes []string // hashes, as stored
	Passkeys      []Passkey
	Sessions      []Session
}

// Secret is one generated secret of a store (signing keys, the refresh key, the
// generated encryption key), moved with the accounts so that their tokens still
// verify and their sealed values still open.
type Secret struct {
	Name  string
	Value []byte
}
