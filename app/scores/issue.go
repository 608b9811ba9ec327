package scores

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/store"
)

// Issue is one frozen version of a closed period's scores.
type Issue struct {
	bun.BaseModel `bun:"table:score_issues,alias:si"`
	ID            int64 `bun:",pk,autoincrement"`
	CenterID      int64
	Period        string
	IssueNo       int
	Reason        string
	Data          string // JSON of issuedHeader
	CreatedBy     string
	CreatedAt     time.Time
}

type issueRow struct {
	bun.BaseModel `bun:"table:score_issue_rows,alias:sir"`
	IssueID       int64 `bun:",pk"`
	StaffID       int64 `bun:",pk"`
	Data          string
}

// issuedHeader is what an issue stores besides the people: the settings and
// channel means the scores were computed with.
type issuedHeader struct {
	Settings scoring.Settings               `json:"settings"`
	Channels map[string]scoring.ChannelStat `json:"channels"`
}

// issuedScore is one person's row of an issue.
type issuedScore struct {
	TeamID int64         `json:"team_id"`
	Score  scoring.Score `json:"score"`
}

// Close closes an open period: its live scores become issue 1, frozen. The
// reason says who signed it off. Closing a closed period is ErrClosed.
func (s *Service) Close(ctx context.Context, centerID int64, p scoring.Period, reason string, by Actor) (*Issue, error) {
	return s.issue(ctx, centerID, p, reason, by, false)
}

// Reissue freezes a new issue of a closed period with today's data and
// settings — after a late appeal, a corrected rating or a settings change —
// audited with its reason. Reissuing an open period is ErrOpen.
func (s *Service) Reissue(ctx context.Context, centerID int64, p scoring.Period, reason string, by Actor) (*Issue, error) {
	return s.issue(ctx, centerID, p, reason, by, true)
}

func (s *Service) issue(ctx context.Context, centerID int64, p scoring.Period, reason string, by Actor, again bool) (*Issue, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, &scoring.FieldError{Field: "reason", Message: "请说明原因 (a reason is required)"}
	}
	today, err := s.staff.Today(ctx, centerID)
	if err != nil {
		return nil, err
	}
	if !again && p.LastDate() >= today {
		return nil, &scoring.FieldError{Field: "period", Message: fmt.Sprintf("期间 %s 尚未结束，不能关闭 (the period has not ended yet)", p)}
	}
	sheet, err := s.Compute(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	head, err := json.Marshal(issuedHeader{Settings: sheet.Settings, Channels: sheet.Channels})
	if err != nil {
		return nil, err
	}
	iss := &Issue{CenterID: centerID, Period: p.String(), Reason: reason, Data: string(head), CreatedBy: by.Name, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		prev, err := s.latestIssue(ctx, tx, centerID, p)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if again {
				return fmt.Errorf("%w: %s was never closed; close it first", ErrOpen, p)
			}
			iss.IssueNo = 1
		case err != nil:
			return err
		case !again:
			return fmt.Errorf("%w: %s is closed (issue %d); re-issue it with a reason", ErrClosed, p, prev.IssueNo)
		default:
			iss.IssueNo = prev.IssueNo + 1
		}
		if _, err := tx.NewInsert().Model(iss).Exec(ctx); err != nil {
			// Two closings at once: the unique (center, period, issue_no) lets one win.
			return fmt.Errorf("scores: issue %s: %w", p, store.Translate(err))
		}
		rows := make([]issueRow, 0, len(sheet.Scores))
		for _, sc := range sheet.Scores {
			b, err := json.Marshal(issuedScore{TeamID: sc.TeamID, Score: sc})
			if err != nil {
				return err
			}
			rows = append(rows, issueRow{IssueID: iss.ID, StaffID: sc.StaffID, Data: string(b)})
		}
		for lo := 0; lo < len(rows); lo += 500 {
			chunk := rows[lo:min(lo+500, len(rows))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return fmt.Errorf("scores: issue rows: %w", err)
			}
		}
		action := "scores.close"
		if again {
			action = "scores.reissue"
		}
		return s.audit.Record(ctx, tx, audit.Entry{CenterID: &centerID, Actor: by.Name, IP: by.IP, Action: action,
			Target: "period:" + p.String(), Detail: fmt.Sprintf("issue=%d people=%d reason=%s", iss.IssueNo, len(sheet.Scores), reason)})
	})
	if err != nil {
		return nil, err
	}
	return iss, nil
}

// Issues lists the issues of a period, newest first.
func (s *Service) Issues(ctx context.Context, centerID int64, p scoring.Period) ([]Issue, error) {
	var out []Issue
	if err := s.db.NewSelect().Model(&out).Where("si.center_id = ? AND si.period = ?", centerID, p.String()).
		OrderExpr("si.issue_no DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("scores: issues of %s: %w", p, err)
	}
	return out, nil
}

func (s *Service) latestIssue(ctx context.Context, db bun.IDB, centerID int64, p scoring.Period) (*Issue, error) {
	iss := new(Issue)
	q := db.NewSelect().Model(iss).Where("si.center_id = ? AND si.period = ?", centerID, p.String()).
		OrderExpr("si.issue_no DESC").Limit(1)
	if _, ok := db.(bun.Tx); ok && s.db.Dialect().Name().String() == "pg" {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("scores: %s not closed: %w", p, store.ErrNotFound)
		}
		return nil, fmt.Errorf("scores: issues of %s: %w", p, err)
	}
	return iss, nil
}

// issuedSheet reads an issue back as a Sheet.
func (s *Service) issuedSheet(ctx context.Context, iss *Issue, p scoring.Period) (*Sheet, error) {
	var rows []issueRow
	if err := s.db.NewSelect().Model(&rows).Where("sir.issue_id = ?", iss.ID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("scores: issue %d: %w", iss.ID, err)
	}
	sh := &Sheet{Period: p, IssueNo: iss.IssueNo, IssuedAt: iss.CreatedAt, IssuedBy: iss.CreatedBy, Reason: iss.Reason}
	var h issuedHeader
	if err := json.Unmarshal([]byte(iss.Data), &h); err != nil {
		return nil, fmt.Errorf("scores: issue %d: %w", iss.ID, err)
	}
	sh.Settings, sh.Channels = h.Settings, h.Channels
	for _, r := range rows {
		var is issuedScore
		if err := json.Unmarshal([]byte(r.Data), &is); err != nil {
			return nil, fmt.Errorf("scores: issue %d staff %d: %w", iss.ID, r.StaffID, err)
		}
		is.Score.StaffID, is.Score.TeamID = r.StaffID, is.TeamID
		sh.Scores = append(sh.Scores, is.Score)
	}
	// The order of the live computation: team, then staff number.
	sort.SliceStable(sh.Scores, func(i, j int) bool {
		a, b := sh.Scores[i], sh.Scores[j]
		if a.Team != b.Team {
			return a.Team < b.Team
		}
		return a.StaffNo < b.StaffNo
	})
	return sh, nil
}
