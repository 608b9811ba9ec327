package ratings

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/kaoping/kaoping/app/store"
)

// Citizen personal data — the phone number and the ID number a rating may
// carry — is optional, stored only if given, shown masked to everyone but
// administrators (whose every unmasked view the caller audits), and purged
// after the center's retention period while the rating itself is kept.

// ParsePhone normalizes a citizen's phone number: full-width digits folded,
// spaces and hyphens dropped, an optional leading "+", then 5 to 20 digits
// (landlines with area code, mobiles, 12345-style short numbers with an
// extension). "" stays "" (not given).
func ParsePhone(s string) (string, error) {
	s = norm.NFKC.String(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	var b strings.Builder
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", invalidf("联系电话只能包含数字、空格、连字符和开头的 + (a phone number has digits, spaces, hyphens and a leading + only)")
		}
	}
	if digits < 5 || digits > 20 {
		return "", invalidf("联系电话应为 5–20 位数字，而不是 %d 位 (a phone number has 5 to 20 digits, got %d)", digits, digits)
	}
	return b.String(), nil
}

// ParseIDNumber normalizes a citizen's ID number (居民身份证号): 18
// characters, 17 digits and a digit or X, or the old 15 digits. Only the
// form is checked: a wrong check digit is the upstream system's business.
// "" stays "" (not given).
func ParseIDNumber(s string) (string, error) {
	s = strings.ToUpper(norm.NFKC.String(strings.TrimSpace(s)))
	if s == "" {
		return "", nil
	}
	ok := len(s) == 15 || len(s) == 18
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= '0' && c <= '9' || c == 'X' && i == 17
	}
	if !ok {
		return "", invalidf("身份证号应为 18 位（末位可为 X）或 15 位数字 (an ID number has 18 characters, the last may be X, or 15 digits)")
	}
	return s, nil
}

// MaskPhone shows the first three and the last four digits of a phone
// number, the rest as stars: 13812341234 → 138****1234. Numbers too short
// to keep seven digits keep only their last two.
func MaskPhone(s string) string {
	r := []rune(s)
	switch {
	case len(r) == 0:
		return ""
	case len(r) >= 9:
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	case len(r) > 2:
		return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
	}
	return strings.Repeat("*", len(r))
}

// MaskIDNumber shows the first three and the last four characters of an ID
// number: 110101199003071234 → 110***********1234.
func MaskIDNumber(s string) string {
	if len(s) < 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
}

// Masked is a rating's personal data as shown to someone who is not an
// administrator; empty strings where nothing was given.
func (r *Rating) Masked() (phone, idNumber string) {
	if r.CitizenPhone != nil {
		phone = MaskPhone(*r.CitizenPhone)
	}
	if r.CitizenIDNumber != nil {
		idNumber = MaskIDNumber(*r.CitizenIDNumber)
	}
	return phone, idNumber
}

// HasPersonal reports whether the rating carries any citizen personal data.
func (r *Rating) HasPersonal() bool { return r.CitizenPhone != nil || r.CitizenIDNumber != nil }

// PurgePersonal removes the citizen personal data of the center's ratings
// received before the given time, keeping the ratings, and returns how many
// ratings it cleared. centerID 0 means every center.
func (s *Service) PurgePersonal(ctx context.Context, centerID int64, before time.Time) (int64, error) {
	q := s.db.NewUpdate().Table("ratings").
		Set("citizen_phone = NULL").Set("citizen_id_number = NULL").
		Where("received_at < ?", before.UTC()).
		Where("(citizen_phone IS NOT NULL OR citizen_id_number IS NOT NULL)")
	if centerID != 0 {
		q = q.Where("center_id = ?", centerID)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("ratings: purge personal data: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Rating returns one rating of the center, or store.ErrNotFound.
func (s *Service) Rating(ctx context.Context, centerID, id int64) (*Rating, error) {
	r := new(Rating)
	if err := s.db.NewSelect().Model(r).Where("r.id = ? AND r.center_id = ?", id, centerID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("ratings: rating %d: %w", id, store.Translate(err))
	}
	return r, nil
}
