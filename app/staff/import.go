package staff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/store"
)

// ImportOptions tune Import.
type ImportOptions struct {
	Encoding string // auto (or ""), utf-8 or gb18030; see csvfile.Decode
	// SkipInvalid imports the valid rows and reports the others in
	// ImportResult.Rejected, instead of refusing the whole file.
	SkipInvalid bool
	AsOf        string // YYYY-MM-DD team moves and new memberships take effect; "" = today
	// AfterSave, when not nil, runs for every imported row (created,
	// updated or unchanged, in file order) inside the import transaction,
	// after all rows are written — e.g. to create accounts. An error rolls
	// the whole import back.
	AfterSave func(ctx context.Context, tx bun.Tx, m *Member, created bool) error
}

// RowError is one problem with one line of an imported file. Line 0 means
// the file as a whole.
type RowError struct {
	Line    int
	Field   string
	Message string
}

// Error formats the problem as "LINE: field: message", leaving out the
// parts that are empty; callers prefix the file name.
func (e RowError) Error() string {
	var parts []string
	if e.Line > 0 {
		parts = append(parts, strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		parts = append(parts, e.Field)
	}
	return strings.Join(append(parts, e.Message), ": ")
}

// ImportError is returned when a file cannot be imported because of its
// content: the file itself is unreadable (one row, often Line 0 or 1), or
// rows are invalid and SkipInvalid is off. Rows lists every problem, in
// line order. It matches ErrInvalid.
type ImportError struct {
	Rows []RowError
}

// maxErrorRows bounds how many rows Error() spells out; Rows has them all.
const maxErrorRows = 10

func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString("staff: import refused: ")
	for i, r := range e.Rows {
		if i == maxErrorRows {
			fmt.Fprintf(&b, "; and %d more", len(e.Rows)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ImportError) Is(target error) bool { return target == ErrInvalid }

// ImportResult reports what Import did. Every accepted row is exactly one of
// Created, Updated or Unchanged; Moved counts the Updated rows whose team
// changed. Rows counts all data rows, rejected ones included.
type ImportResult struct {
	Encoding     string // utf-8 or gb18030
	Rows         int
	Created      int
	Updated      int
	Moved        int
	Unchanged    int
	TeamsCreated []string   // names of the teams the file introduced
	Rejected     []RowError // with SkipInvalid, the rows left out and why
}

// importFields are the columns of a staff list; headers in Chinese or
// English, in any order.
func importFields() []csvfile.Field {
	return []csvfile.Field{
		{Name: "staff_no", Aliases: []string{"工号"}, Required: true},
		{Name: "name", Aliases: []string{"姓名"}, Required: true},
		{Name: "team", Aliases: []string{"班组"}, Required: true},
		{Name: "channels", Aliases: []string{"渠道", "channel"}, Required: true},
		{Name: "external_ids", Aliases: []string{"外部编号", "external_id"}},
		{Name: "active", Aliases: []string{"状态"}},
	}
}

// Import reads a staff list (CSV, UTF-8 with or without BOM, or GB18030) into
// the center. Columns: 工号/staff_no, 姓名/name, 班组/team (a team code or
// name; an unknown one is created with the row's first channel), 渠道/channels
// (a list such as 窗口;线上), optionally 外部编号/external_ids (separated by
// ; or ,) and 状态/active (在职/离职, 1/0, true/false, yes/no). Without an
// external-id column people keep their ids; without a status people keep
// theirs and new people are active.
//
// Everything happens in one transaction. If a row is invalid the file is
// refused with an *ImportError listing every problem and nothing is written,
// unless SkipInvalid asks to import the valid rows and report the others.
func (s *Service) Import(ctx context.Context, centerID int64, r io.Reader, opt ImportOptions) (*ImportResult, error) {
	asOf := ""
	if strings.TrimSpace(opt.AsOf) != "" {
		d, fe := parseDate("as_of", opt.AsOf)
		if fe != nil {
			return nil, fe
		}
		asOf = d
	}
	text, enc, err := csvfile.Decode(r, opt.Encoding)
	if errors.Is(err, csvfile.ErrEncoding) {
		return nil, &FieldError{Field: "encoding", Message: fmt.Sprintf("未知编码 %q，应为 auto/utf-8/gb18030 (unknown encoding; expected auto, utf-8 or gb18030)", opt.Encoding)}
	}
	if err != nil {
		return nil, fileError(err)
	}
	cr, err := csvfile.NewReader(text, importFields())
	if err != nil {
		return nil, fileError(err)
	}
	var reqs []*request
	for {
		rec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fileError(err)
		}
		reqs = append(reqs, parseRow(rec, cr, centerID, asOf))
	}

	res := &ImportResult{Encoding: enc, Rows: len(reqs), TeamsCreated: []string{}}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		b, err := s.loadBatch(ctx, tx, centerID)
		if err != nil {
			return err
		}
		resolveTeams(b, reqs)
		if err := s.plan(ctx, tx, b, reqs); err != nil {
			return err
		}
		res.Rejected = rowErrors(reqs)
		if len(res.Rejected) > 0 && !opt.SkipInvalid {
			return &ImportError{Rows: res.Rejected}
		}
		if res.TeamsCreated, err = s.createTeams(ctx, tx, b, reqs); err != nil {
			return err
		}
		outs, err := s.apply(ctx, tx, b, reqs)
		if err != nil {
			return err
		}
		for _, o := range outs {
			switch {
			case o == nil:
			case o.created:
				res.Created++
			case o.changed:
				res.Updated++
				if o.moved {
					res.Moved++
				}
			default:
				res.Unchanged++
			}
		}
		if opt.AfterSave == nil {
			return nil
		}
		for i, o := range outs {
			if o == nil {
				continue
			}
			if err := opt.AfterSave(ctx, tx, o.member, o.created); err != nil {
				return fmt.Errorf("staff: import line %d (%s): %w", reqs[i].line, reqs[i].in.StaffNo, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// fileError turns a problem with the file as a whole into an *ImportError;
// I/O errors stay what they are.
func fileError(err error) error {
	var fe *csvfile.FormatError
	if errors.As(err, &fe) {
		return &ImportError{Rows: []RowError{{Line: fe.Line, Field: fe.Column, Message: fe.Msg}}}
	}
	return fmt.Errorf("staff: import: %w", err)
}

// parseRow reads the cells of one row into a request; problems only a
// spreadsheet can have (an unknown status word, a blank team) are recorded
// here, the rest by plan.
func parseRow(rec csvfile.Record, cr *csvfile.Reader, centerID int64, asOf string) *request {
	r := &request{
		in: StaffInput{
			CenterID: centerID,
			StaffNo:  rec.Get("staff_no"),
			Name:     rec.Get("name"),
			AsOf:     asOf,
		},
		line:       rec.Line,
		keepExtIDs: !cr.Has("external_ids"),
		newTeam:    rec.Get("team"), // resolved to TeamID by resolveTeams
	}
	if r.newTeam == "" {
		r.fail("team", "不能为空 (required)")
	}
	codes, err := channel.ParseList(rec.Get("channels"))
	if err != nil {
		r.fail("channels", "%s", channelMessage(err))
	}
	r.in.Channels = codes
	if !r.keepExtIDs {
		r.in.ExternalIDs = strings.FieldsFunc(norm.NFKC.String(rec.Get("external_ids")), func(c rune) bool {
			return c == ';' || c == ','
		})
	}
	switch v := rec.Get("active"); v {
	case "":
		r.keepActive = true
	default:
		active, ok := parseActive(v)
		if !ok {
			r.fail("active", "无法识别的状态 %q，应为 在职/离职 (expected 在职/离职, 1/0, true/false, yes/no)", v)
		}
		r.in.Active = active
	}
	return r
}

func parseActive(v string) (active, ok bool) {
	switch strings.ToLower(strings.TrimSpace(norm.NFKC.String(v))) {
	case "在职", "1", "true", "yes", "y", "是", "active":
		return true, true
	case "离职", "0", "false", "no", "n", "否", "inactive":
		return false, true
	}
	return false, false
}

// resolveTeams matches each row's team text against the center's teams by
// code, then by name. Text that matches nothing stays in newTeam, to be
// created if the row is accepted.
func resolveTeams(b *batch, reqs []*request) {
	byCode := make(map[string]*Team, len(b.teams))
	byName := make(map[string][]*Team, len(b.teams))
	for _, t := range b.teams {
		byCode[t.Code] = t
		byName[t.Name] = append(byName[t.Name], t)
	}
	for _, r := range reqs {
		text := r.newTeam
		if text == "" {
			continue
		}
		if t, ok := byCode[text]; ok {
			r.in.TeamID, r.newTeam = t.ID, ""
			continue
		}
		switch ts := byName[text]; len(ts) {
		case 0:
			if fe := checkText("team", text, maxTeamText, false); fe != nil {
				r.errs = append(r.errs, fe)
				r.newTeam = ""
			}
		case 1:
			r.in.TeamID, r.newTeam = ts[0].ID, ""
		default:
			r.errs = append(r.errs, ambiguousTeam("team", text))
			r.newTeam = ""
		}
	}
}

// createTeams creates the teams that accepted rows name but the center does
// not have yet (code = name = the cell text, channel = the first row's first
// channel) and points the rows at them. It returns the new teams' names.
func (s *Service) createTeams(ctx context.Context, tx bun.IDB, b *batch, reqs []*request) ([]string, error) {
	created := make(map[string]int64)
	names := []string{}
	for _, r := range reqs {
		if len(r.errs) > 0 || r.newTeam == "" {
			continue
		}
		id, ok := created[r.newTeam]
		if !ok {
			t := &Team{CenterID: b.center.ID, Code: r.newTeam, Name: r.newTeam, Channel: r.in.Channels[0], CreatedAt: s.now().UTC()}
			if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
				return nil, fmt.Errorf("staff: create team %q: %w", t.Code, store.Translate(err))
			}
			b.teams[t.ID] = t
			created[r.newTeam] = t.ID
			names = append(names, t.Name)
			id = t.ID
		}
		r.in.TeamID = id
	}
	return names, nil
}

// rowErrors lists the problems of all requests by line, and within a line
// in column order.
func rowErrors(reqs []*request) []RowError {
	out := []RowError{}
	for _, r := range reqs {
		errs := append([]*FieldError(nil), r.errs...)
		sort.SliceStable(errs, func(i, j int) bool { return fieldRank(errs[i].Field) < fieldRank(errs[j].Field) })
		for _, e := range errs {
			out = append(out, RowError{Line: r.line, Field: e.Field, Message: e.Message})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

func fieldRank(field string) int {
	switch field {
	case "staff_no":
		return 0
	case "name":
		return 1
	case "team", "team_id":
		return 2
	case "channels":
		return 3
	case "external_ids":
		return 4
	case "active":
		return 5
	}
	return 6
}
