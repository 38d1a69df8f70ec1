package sqlstore

import (
	"context"
	"time"

	"github.com/authd/authd/ports"
)

var _ ports.SecretStore = (*SecretStore)(nil)

// SecretStore keeps generated secrets (the default signing key, the refresh key) in
// the secrets table, so every instance and every restart on one database agree.
type SecretStore struct{ s *Store }

// Secret inserts candidate under name unless the name exists, then reads what is
// stored. The insert never fails on a duplicate (ON CONFLICT DO NOTHING, or ON
// DUPLICATE KEY UPDATE on MySQL, which unlike INSERT IGNORE hides no other error), so
// of concurrent first starts the first writer wins and all read its value.
func (ss *SecretStore) Secret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	row := &secretRow{Name: name, Value: candidate, CreatedAt: ts(time.Now())}
	q := ss.s.db.NewInsert().Model(row)
	if ss.s.target.dialect == dialectMySQL {
		q = q.On("DUPLICATE KEY UPDATE").Set("name = name")
	} else {
		q = q.On("CONFLICT (name) DO NOTHING")
	}
	if _, err := ss.s.exec(ctx, q); err != nil {
		return nil, translate(err)
	}
	var stored secretRow
	if err := ss.s.db.NewSelect().Model(&stored).Where("name = ?", name).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return stored.Value, nil
}
