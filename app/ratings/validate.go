package ratings

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/staff"
)

// Input is one rating with its raw values, as they come from a JSON body
// (see DecodeBatch) or from the cells of a file. Field names in errors are
// the API's: external_id, rated_at, channel, item_code, staff_no, staff_ref,
// level, reasons, comment, is_default.
type Input struct {
	ExternalID string
	RatedAt    string // see ParseTime; a local time is in the center's zone
	Channel    string // any word channel.Parse understands
	ItemCode   string // 事项编码; optional
	StaffNo    string // 工号; exactly one of StaffNo and StaffRef
	StaffRef   string // an external id of the person (window number, agent id, …)
	Comment    string
	Level      any // a number or one of the five words; see ParseLevel
	Reasons    any // []string, []any of strings or one string; see ParseReasons
	IsDefault  any // bool, 是/否, true/false, 1/0, "" or nil; see ParseBool
	// Citizen personal data, optional: stored only if given, masked on
	// every page but the administrator's, purged after the retention period.
	CitizenPhone    string
	CitizenIDNumber string
}

// maxCode bounds staff numbers, staff refs and item codes: longer ones
// cannot exist in the directory.
const maxCode = 64

// draft is an input on its way to a Rating: parsed, not yet resolved
// against the directory.
type draft struct {
	r        Rating
	staffNo  string
	staffRef string
	itemCode string
	bad      bool
}

// Validate turns raw inputs into ratings of the center, checking every field
// of every input and collecting all problems rather than stopping at the
// first:
//
//   - external_id: required, at most MaxExternalID characters, one line;
//   - rated_at: required, see ParseTime (a local time is in the center's
//     zone), not more than MaxFutureSkew after now;
//   - channel: required, see channel.Parse;
//   - item_code: optional; if given, a service item of the center;
//   - staff_no / staff_ref: exactly one; a staff_no of the center, or a
//     staff_ref that is the external id of exactly one person of the center;
//   - level, reasons, is_default: see ParseLevel, ParseReasons, ParseBool;
//   - comment: at most MaxComment characters (line breaks allowed);
//   - citizen_phone, citizen_id_number: optional; see ParsePhone and
//     ParseIDNumber.
//
// Staff numbers, staff refs and item codes are looked up with one query
// each for the whole batch. The ratings returned are those of the inputs
// without a FieldError, in input order; their ReceivedAt, Source and
// CreatedAt are left for the caller. Errors are ordered by index and, within
// an input, by field in the order above. A repeated external id is not an
// error here: storing decides what is a duplicate. The error is for the
// database or an unknown center (store.ErrNotFound).
func (s *Service) Validate(ctx context.Context, centerID int64, in []Input) ([]Rating, []FieldError, error) {
	c, err := s.staff.Center(ctx, centerID)
	if err != nil {
		return nil, nil, err
	}
	loc, err := c.Location()
	if err != nil {
		return nil, nil, fmt.Errorf("ratings: center %d: %w", centerID, err)
	}
	now := s.now()

	var errs []FieldError
	drafts := make([]draft, len(in))
	var nos, refs, codes []string
	seenNo, seenRef, seenCode := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range in {
		d := &drafts[i]
		fail := func(field, msg string) {
			errs = append(errs, FieldError{Index: i, Field: field, Message: msg})
			d.bad = true
		}
		parseInput(d, &in[i], centerID, loc, now, fail)
		if d.staffNo != "" && !seenNo[d.staffNo] {
			seenNo[d.staffNo] = true
			nos = append(nos, d.staffNo)
		}
		if d.staffRef != "" && !seenRef[d.staffRef] {
			seenRef[d.staffRef] = true
			refs = append(refs, d.staffRef)
		}
		if d.itemCode != "" && !seenCode[d.itemCode] {
			seenCode[d.itemCode] = true
			codes = append(codes, d.itemCode)
		}
	}

	byNo, err := s.staffByNo(ctx, centerID, nos)
	if err != nil {
		return nil, nil, err
	}
	byRef, err := s.staffByRef(ctx, centerID, refs)
	if err != nil {
		return nil, nil, err
	}
	items, err := s.itemsByCode(ctx, centerID, codes)
	if err != nil {
		return nil, nil, err
	}

	for i := range drafts {
		d := &drafts[i]
		fail := func(field, msg string) {
			errs = append(errs, FieldError{Index: i, Field: field, Message: msg})
			d.bad = true
		}
		if d.itemCode != "" {
			if id, ok := items[d.itemCode]; ok {
				d.r.ItemID = &id
			} else {
				fail("item_code", fmt.Sprintf("事项编码 %q 不存在 (no service item with this code in the center)", d.itemCode))
			}
		}
		switch {
		case d.staffNo != "":
			if id, ok := byNo[d.staffNo]; ok {
				d.r.StaffID = id
			} else {
				fail("staff_no", fmt.Sprintf("工号 %q 不存在 (no staff member with this number in the center)", d.staffNo))
			}
		case d.staffRef != "":
			switch ids := byRef[d.staffRef]; len(ids) {
			case 1:
				d.r.StaffID = ids[0]
			case 0:
				fail("staff_ref", fmt.Sprintf("外部编号 %q 没有对应的工作人员 (no staff member has this external id)", d.staffRef))
			default:
				fail("staff_ref", fmt.Sprintf("外部编号 %q 对应 %d 名工作人员 (matches %d staff members)", d.staffRef, len(ids), len(ids)))
			}
		}
	}

	slices.SortStableFunc(errs, func(a, b FieldError) int {
		if a.Index != b.Index {
			return a.Index - b.Index
		}
		return fieldRank(a.Field) - fieldRank(b.Field)
	})
	out := make([]Rating, 0, len(drafts))
	for i := range drafts {
		if !drafts[i].bad {
			out = append(out, drafts[i].r)
		}
	}
	return out, errs, nil
}

// parseInput checks everything about one input that needs no lookup and
// notes the codes to look up; fail records a problem.
func parseInput(d *draft, x *Input, centerID int64, loc *time.Location, now time.Time, fail func(field, msg string)) {
	d.r = Rating{CenterID: centerID, Reasons: []string{}}

	if id := strings.TrimSpace(x.ExternalID); id == "" {
		fail("external_id", msgRequired)
	} else if msg := checkLine(id, MaxExternalID); msg != "" {
		fail("external_id", msg)
	} else {
		d.r.ExternalID = id
	}

	if t, err := ParseTime(x.RatedAt, loc); err != nil {
		fail("rated_at", err.Error())
	} else if limit := now.Add(MaxFutureSkew); t.After(limit) {
		fail("rated_at", fmt.Sprintf("评价时间 %s 晚于当前时间 %s 超过 %d 分钟 (more than %d minutes in the future)",
			t.In(loc).Format(time.DateTime), now.In(loc).Format(time.DateTime), int(MaxFutureSkew.Minutes()), int(MaxFutureSkew.Minutes())))
	} else {
		d.r.RatedAt = t
		d.r.PeriodDate = t.In(loc).Format(dateLayout)
	}

	if strings.TrimSpace(x.Channel) == "" {
		fail("channel", msgRequired)
	} else if code, err := channel.Parse(x.Channel); err != nil {
		fail("channel", fmt.Sprintf("未知渠道 %q，应为 窗口/线上/热线 (unknown channel; expected offline, online or hotline)", strings.TrimSpace(x.Channel)))
	} else {
		d.r.Channel = code
	}

	if code := normalizeCode(x.ItemCode); code != "" {
		if msg := checkLine(code, maxCode); msg != "" {
			fail("item_code", msg)
		} else {
			d.itemCode = code
			d.r.ItemCode = &code
		}
	}

	no, ref := normalizeCode(x.StaffNo), normalizeCode(x.StaffRef)
	switch {
	case no != "" && ref != "":
		fail("staff_ref", "staff_no 与 staff_ref 只能填一个 (give staff_no or staff_ref, not both)")
	case no != "":
		if msg := checkLine(no, maxCode); msg != "" {
			fail("staff_no", msg)
		} else {
			d.staffNo = no
		}
	case ref != "":
		if msg := checkLine(ref, maxCode); msg != "" {
			fail("staff_ref", msg)
		} else {
			d.staffRef = ref
		}
	default:
		fail("staff_no", "工号 staff_no 或 staff_ref 必须填一个 (staff_no or staff_ref is required)")
	}

	if lv, err := ParseLevel(x.Level); err != nil {
		fail("level", err.Error())
	} else {
		d.r.Level = lv
	}

	if rs, err := ParseReasons(x.Reasons); err != nil {
		fail("reasons", err.Error())
	} else {
		d.r.Reasons = rs
	}

	comment := strings.TrimSpace(x.Comment)
	if msg := checkText(comment, MaxComment); msg != "" {
		fail("comment", msg)
	} else {
		d.r.Comment = comment
	}

	if b, err := ParseBool(x.IsDefault); err != nil {
		fail("is_default", err.Error())
	} else {
		d.r.IsDefault = b
	}

	if v, err := ParsePhone(x.CitizenPhone); err != nil {
		fail("citizen_phone", err.Error())
	} else if v != "" {
		d.r.CitizenPhone = &v
	}
	if v, err := ParseIDNumber(x.CitizenIDNumber); err != nil {
		fail("citizen_id_number", err.Error())
	} else if v != "" {
		d.r.CitizenIDNumber = &v
	}
}

// fieldRank orders the fields of one input in errors.
func fieldRank(field string) int {
	switch field {
	case "":
		return 0
	case "external_id":
		return 1
	case "rated_at":
		return 2
	case "channel":
		return 3
	case "item_code":
		return 4
	case "staff_no":
		return 5
	case "staff_ref":
		return 6
	case "level":
		return 7
	case "reasons":
		return 8
	case "comment":
		return 9
	case "is_default":
		return 10
	case "citizen_phone":
		return 11
	case "citizen_id_number":
		return 12
	}
	return 13 // unknown fields (DecodeBatch) last
}

// normalizeCode folds identifiers the way the staff directory stores them:
// NFKC turns full-width letters and digits into ASCII, then surrounding
// space goes.
func normalizeCode(s string) string {
	return strings.TrimSpace(norm.NFKC.String(s))
}

// staffByNo maps the staff numbers among nos that exist in the center to
// staff ids, in one query.
func (s *Service) staffByNo(ctx context.Context, centerID int64, nos []string) (map[string]int64, error) {
	out := make(map[string]int64, len(nos))
	if len(nos) == 0 {
		return out, nil
	}
	var rows []staff.Staff
	if err := s.db.NewSelect().Model(&rows).Column("s.id", "s.staff_no").
		Where("s.center_id = ?", centerID).Where("s.staff_no IN (?)", bun.List(nos)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("ratings: look up staff numbers: %w", err)
	}
	for _, r := range rows {
		out[r.StaffNo] = r.ID
	}
	return out, nil
}

// staffByRef maps each of refs to the staff ids of the center that have it
// as an external id, in one query. The directory keeps external ids unique
// per center, so a list longer than one would be a broken directory, which
// Validate reports rather than guesses.
func (s *Service) staffByRef(ctx context.Context, centerID int64, refs []string) (map[string][]int64, error) {
	out := make(map[string][]int64, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	var rows []staff.ExternalID
	if err := s.db.NewSelect().Model(&rows).Column("x.staff_id", "x.external_id").
		Where("x.center_id = ?", centerID).Where("x.external_id IN (?)", bun.List(refs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("ratings: look up staff refs: %w", err)
	}
	for _, r := range rows {
		if !slices.Contains(out[r.ExternalID], r.StaffID) {
			out[r.ExternalID] = append(out[r.ExternalID], r.StaffID)
		}
	}
	return out, nil
}

// itemsByCode maps the codes among codes that are service items of the
// center to item ids, in one query.
func (s *Service) itemsByCode(ctx context.Context, centerID int64, codes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	var rows []staff.ServiceItem
	if err := s.db.NewSelect().Model(&rows).Column("si.id", "si.code").
		Where("si.center_id = ?", centerID).Where("si.code IN (?)", bun.List(codes)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("ratings: look up service items: %w", err)
	}
	for _, r := range rows {
		out[r.Code] = r.ID
	}
	return out, nil
}
