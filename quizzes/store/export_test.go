package store

import (
	"context"

	"github.com/uptrace/bun"
)

// StartWithPause is StartID with pause called between the plan and the
// write transaction, where a concurrent edit may land.
func (s *Store) StartWithPause(ctx context.Context, quizID, staffID int64, enrolmentID *int64, seed int64, pause func()) (int64, error) {
	pl, err := s.plan(ctx, s.db, quizID, staffID, enrolmentID, seed)
	if err != nil {
		return 0, err
	}
	pause()
	var id int64
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		id, err = s.start(ctx, tx, pl)
		return err
	})
	return id, err
}
