package archivefile

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/authd/authd/domain"
)

// maxLine bounds one record: far above any account's, far below memory trouble.
const maxLine = 16 << 20

// Writer writes an archive. It buffers; Close writes the end record and flushes.
type Writer struct {
	w      *bufio.Writer
	enc    *json.Encoder
	counts Counts
}

// NewWriter writes the header, naming source (the backend exported), to w.
func NewWriter(w io.Writer, source string, now time.Time) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	aw := &Writer{w: bw, enc: json.NewEncoder(bw), counts: Counts{}}
	now = now.UTC()
	return aw, aw.enc.Encode(record{Kind: KindHeader, Format: Format, Version: Version, CreatedAt: &now, Source: source})
}

func (w *Writer) put(r record) error {
	w.counts[r.Kind]++
	return w.enc.Encode(r)
}

// Secret writes one generated secret.
func (w *Writer) Secret(s domain.Secret) error {
	return w.put(record{Kind: KindSecret, Name: s.Name, Value: s.Value})
}

// Account writes the user record and then each of its records.
func (w *Writer) Account(a domain.Account) error {
	id := a.User.ID
	if err := w.put(record{Kind: KindUser, User: fromUser(a.User)}); err != nil {
		return err
	}
	for _, f := range a.Factors {
		if err := w.put(record{Kind: KindFactor, UserID: id, Factor: fromFactor(f)}); err != nil {
			return err
		}
	}
	if len(a.RecoveryCodes) > 0 {
		if err := w.put(record{Kind: KindRecoveryCodes, UserID: id, RecoveryCodes: a.RecoveryCodes}); err != nil {
			return err
		}
	}
	for _, p := range a.Passkeys {
		if err := w.put(record{Kind: KindPasskey, UserID: id, Passkey: fromPasskey(p)}); err != nil {
			return err
		}
	}
	for _, s := range a.Sessions {
		if err := w.put(record{Kind: KindSession, UserID: id, Session: fromSession(s)}); err != nil {
			return err
		}
	}
	for _, t := range a.Tokens {
		if err := w.put(record{Kind: KindToken, UserID: id, Token: fromToken(t)}); err != nil {
			return err
		}
	}
	for _, ident := range a.Identities {
		if err := w.put(record{Kind: KindIdentity, UserID: id, Identity: fromIdentity(ident)}); err != nil {
			return err
		}
	}
	return nil
}

// Event writes one audit event.
func (w *Writer) Event(e domain.Event) error {
	return w.put(record{Kind: KindEvent, Event: fromEvent(e)})
}

// Counts returns how many records of each kind were written so far.
func (w *Writer) Counts() Counts { return w.counts }

// Close writes the end record with the counts and flushes; it does not close the
// underlying writer.
func (w *Writer) Close() error {
	counts := w.counts
	if err := w.enc.Encode(record{Kind: KindEnd, Counts: counts}); err != nil {
		return err
	}
	return w.w.Flush()
}

// Item is one thing read from an archive: exactly one of its fields is set.
type Item struct {
	Secret  *domain.Secret
	Account *domain.Account
	Event   *domain.Event
}

// Reader reads an archive item by item, holding one account at a time.
type Reader struct {
	sc      *bufio.Scanner
	line    int
	pending *record
	counts  Counts
	done    bool
	// Header is the file's header record's content.
	Source    string
	CreatedAt time.Time
}

// NewReader reads and checks the header.
func NewReader(r io.Reader) (*Reader, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	rd := &Reader{sc: sc, counts: Counts{}}
	h, err := rd.read()
	if err != nil {
		return nil, err
	}
	if h == nil || h.Kind != KindHeader || h.Format != Format {
		return nil, errors.New("archive: not an authd archive (the first line is no authd-archive header)")
	}
	if h.Version != Version {
		return nil, fmt.Errorf("archive: version %d, this authd reads version %d", h.Version, Version)
	}
	rd.Source = h.Source
	if h.CreatedAt != nil {
		rd.CreatedAt = *h.CreatedAt
	}
	return rd, nil
}

// read returns the next record, or nil at the end of input.
func (r *Reader) read() (*record, error) {
	if r.pending != nil {
		p := r.pending
		r.pending = nil
		return p, nil
	}
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil {
			return nil, fmt.Errorf("archive: line %d: %w", r.line+1, err)
		}
		return nil, nil
	}
	r.line++
	var rec record
	if err := json.Unmarshal(r.sc.Bytes(), &rec); err != nil {
		return nil, fmt.Errorf("archive: line %d: %w", r.line, err)
	}
	return &rec, nil
}

// Next returns the next item, or io.EOF after the end record. A file that ends
// without its end record, or whose counts disagree with it, is an error: it was
// cut off or altered.
func (r *Reader) Next() (Item, error) {
	for {
		rec, err := r.read()
		if err != nil {
			return Item{}, err
		}
		if rec == nil {
			if !r.done {
				return Item{}, fmt.Errorf("archive: ends at line %d without its end record (cut off?)", r.line)
			}
			return Item{}, io.EOF
		}
		if r.done {
			return Item{}, fmt.Errorf("archive: line %d: a record after the end record", r.line)
		}
		switch rec.Kind {
		case KindEnd:
			for k, n := range rec.Counts {
				if r.counts[k] != n {
					return Item{}, fmt.Errorf("archive: the end record counts %d %s records, the file has %d", n, k, r.counts[k])
				}
			}
			for k, n := range r.counts {
				if rec.Counts[k] != n {
					return Item{}, fmt.Errorf("archive: the end record counts %d %s records, the file has %d", rec.Counts[k], k, n)
				}
			}
			r.done = true
			continue
		case KindSecret:
			r.counts[rec.Kind]++
			return Item{Secret: &domain.Secret{Name: rec.Name, Value: rec.Value}}, nil
		case KindEvent:
			if rec.Event == nil {
				return Item{}, fmt.Errorf("archive: line %d: event record without event", r.line)
			}
			r.counts[rec.Kind]++
			e := rec.Event.domain()
			return Item{Event: &e}, nil
		case KindUser:
			if rec.User == nil || rec.User.ID == "" {
				return Item{}, fmt.Errorf("archive: line %d: user record without user id", r.line)
			}
			r.counts[rec.Kind]++
			acc, err := r.account(rec.User.domain())
			if err != nil {
				return Item{}, err
			}
			return Item{Account: acc}, nil
		default:
			return Item{}, fmt.Errorf("archive: line %d: a %q record outside an account, or of an unknown kind", r.line, rec.Kind)
		}
	}
}

// account reads the records of u that follow its user record.
func (r *Reader) account(u domain.User) (*domain.Account, error) {
	acc := &domain.Account{User: u}
	for {
		rec, err := r.read()
		if err != nil {
			return nil, err
		}
		if rec == nil || rec.UserID != u.ID {
			r.pending = rec
			if rec == nil {
				r.pending = nil
			}
			return acc, nil
		}
		bad := func() error {
			return fmt.Errorf("archive: line %d: %s record without its content", r.line, rec.Kind)
		}
		switch rec.Kind {
		case KindFactor:
			if rec.Factor == nil {
				return nil, bad()
			}
			acc.Factors = append(acc.Factors, rec.Factor.domain(u.ID))
		case KindRecoveryCodes:
			acc.RecoveryCodes = append(acc.RecoveryCodes, rec.RecoveryCodes...)
		case KindPasskey:
			if rec.Passkey == nil {
				return nil, bad()
			}
			acc.Passkeys = append(acc.Passkeys, rec.Passkey.domain(u.ID))
		case KindSession:
			if rec.Session == nil {
				return nil, bad()
			}
			acc.Sessions = append(acc.Sessions, rec.Session.domain(u.ID))
		case KindToken:
			if rec.Token == nil {
				return nil, bad()
			}
			acc.Tokens = append(acc.Tokens, rec.Token.domain(u.ID))
		case KindIdentity:
			if rec.Identity == nil {
				return nil, bad()
			}
			acc.Identities = append(acc.Identities, rec.Identity.domain(u.ID))
		default:
			return nil, fmt.Errorf("archive: line %d: unknown record kind %q for account %s", r.line, rec.Kind, u.ID)
		}
		r.counts[rec.Kind]++
	}
}
