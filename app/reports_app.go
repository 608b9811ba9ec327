package app

import (
	"bytes"
	"context"
	"encoding/hex"

	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/reports"
)

// loadRenderer reads the CJK font once; a missing or unusable font is kept
// as the error every report returns (and `serve` refuses to start with).
func loadRenderer(path string) (*reports.Renderer, error) {
	p, err := reports.FindFont(path)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reports: font %s: %w", p, err)
	}
	r, err := reports.NewRenderer(b)
	if err != nil {
		return nil, fmt.Errorf("reports: font %s: %w", p, err)
	}
	return r, nil
}

// CheckFont reports whether PDF reports can be rendered (the font loaded).
func (a *App) CheckFont() error { return a.fontErr }

// IssuedDocument is one PDF Kaoping generated, found by its integrity code.
type IssuedDocument struct {
	bun.BaseModel `bun:"table:issued_documents,alias:idoc"`
	ID            int64 `bun:",pk,autoincrement"`
	CenterID      int64
	Code          string
	Kind          string // staff, team, center, certificate
	Subject       string
	StaffID       *int64
	TeamID        *int64
	Period        string
	IssueNo       int
	GeneratedAt   time.Time
	GeneratedBy   string
	Size          int64
}

// countingWriter counts what passes through.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// issue renders with render into w and records the document and an audit
// entry: who generated what, when, and its integrity code.
func (a *App) issue(ctx context.Context, doc IssuedDocument, by Actor, w io.Writer, render func(r *reports.Renderer, w io.Writer) (reports.Result, error)) (reports.Result, error) {
	if a.fontErr != nil {
		return reports.Result{}, a.fontErr
	}
	cw := &countingWriter{w: w}
	res, err := render(a.renderer, cw)
	if err != nil {
		return res, err
	}
	doc.Code, doc.Size, doc.GeneratedBy = res.Code, cw.n, by.Name
	doc.GeneratedAt = a.now().UTC().Truncate(time.Microsecond)
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&doc).On("CONFLICT (code) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("reports: record %s: %w", doc.Kind, err)
		}
		return a.audit.Record(ctx, tx, audit.Entry{CenterID: &doc.CenterID, Actor: by.Name, IP: by.IP, Action: "report." + doc.Kind,
			Target: doc.Subject, Detail: fmt.Sprintf("period=%s issue=%d code=%s pages=%d", doc.Period, doc.IssueNo, res.Code, res.Pages)})
	})
	return res, err
}

// RenderStaffReport writes a person's evaluation PDF for the period.
func (a *App) RenderStaffReport(ctx context.Context, centerID int64, staffNo string, p scoring.Period, by Actor, w io.Writer) (reports.Result, error) {
	b, err := a.newReportBatch(ctx, centerID, p, by.Name)
	if err != nil {
		return reports.Result{}, err
	}
	return a.renderStaff(ctx, b, staffNo, by, w)
}

// ReportBatch prepares a batch of staff reports of one center and period:
// the scores and trends are computed once.
type ReportBatch struct {
	a *App
	b *reportBatch
	// StaffNos lists everyone with a score in the period (of the team, when
	// one was given), in team and staff-number order.
	StaffNos []string
}

// NewReportBatch prepares the staff reports of the center (teamID 0) or
// of one team for the period.
func (a *App) NewReportBatch(ctx context.Context, centerID, teamID int64, p scoring.Period, by Actor) (*ReportBatch, error) {
	if a.fontErr != nil {
		return nil, a.fontErr
	}
	b, err := a.newReportBatch(ctx, centerID, p, by.Name)
	if err != nil {
		return nil, err
	}
	rb := &ReportBatch{a: a, b: b}
	for _, sc := range b.sheet.Scores {
		if teamID == 0 || sc.TeamID == teamID {
			rb.StaffNos = append(rb.StaffNos, sc.StaffNo)
		}
	}
	return rb, nil
}

// Render writes one person's report of the batch; safe for concurrent use.
func (rb *ReportBatch) Render(ctx context.Context, staffNo string, by Actor, w io.Writer) (reports.Result, error) {
	return rb.a.renderStaff(ctx, rb.b, staffNo, by, w)
}

func (a *App) renderStaff(ctx context.Context, b *reportBatch, staffNo string, by Actor, w io.Writer) (reports.Result, error) {
	centerID, p := b.centerID, b.p
	rep, err := a.staffReport(ctx, b, staffNo)
	if err != nil {
		return reports.Result{}, err
	}
	m, err := a.staff.StaffByNo(ctx, centerID, staffNo)
	if err != nil {
		return reports.Result{}, err
	}
	doc := IssuedDocument{CenterID: centerID, Kind: "staff", Subject: rep.StaffNo + " " + rep.Name, StaffID: &m.ID, Period: p.String(), IssueNo: rep.IssueNo}
	return a.issue(ctx, doc, by, w, func(r *reports.Renderer, w io.Writer) (reports.Result, error) { return r.Staff(w, rep) })
}

// RenderTeamReport writes a team's report PDF for the period.
func (a *App) RenderTeamReport(ctx context.Context, centerID, teamID int64, p scoring.Period, by Actor, w io.Writer) (reports.Result, error) {
	rep, err := a.TeamReport(ctx, centerID, teamID, p, by.Name)
	if err != nil {
		return reports.Result{}, err
	}
	doc := IssuedDocument{CenterID: centerID, Kind: "team", Subject: rep.Team, TeamID: &teamID, Period: p.String(), IssueNo: rep.IssueNo}
	return a.issue(ctx, doc, by, w, func(r *reports.Renderer, w io.Writer) (reports.Result, error) { return r.Team(w, rep) })
}

// RenderCenterReport writes the center's report PDF for the period.
func (a *App) RenderCenterReport(ctx context.Context, centerID int64, p scoring.Period, by Actor, w io.Writer) (reports.Result, error) {
	rep, err := a.CenterReport(ctx, centerID, p, by.Name)
	if err != nil {
		return reports.Result{}, err
	}
	doc := IssuedDocument{CenterID: centerID, Kind: "center", Subject: rep.CenterName, Period: p.String(), IssueNo: rep.IssueNo}
	return a.issue(ctx, doc, by, w, func(r *reports.Renderer, w io.Writer) (reports.Result, error) { return r.Center(w, rep) })
}

// RenderCertificate writes a training certificate's PDF.
func (a *App) RenderCertificate(ctx context.Context, certID int64, by Actor, w io.Writer) (reports.Result, error) {
	cert, err := a.CertificateDoc(ctx, certID)
	if err != nil {
		return reports.Result{}, err
	}
	c, err := a.training.Certificate(ctx, certID)
	if err != nil {
		return reports.Result{}, err
	}
	doc := IssuedDocument{CenterID: c.CenterID, Kind: "certificate", Subject: cert.Number + " " + cert.Name, StaffID: &c.StaffID}
	return a.issue(ctx, doc, by, w, func(r *reports.Renderer, w io.Writer) (reports.Result, error) { return r.Certificate(w, cert) })
}

var hexCode = regexp.MustCompile(`^[0-9a-f]{64}$`)

// VerifyCode finds the document Kaoping issued under an integrity code
// (the full 64 hex digits, or a unique prefix of at least 12), or
// store.ErrNotFound: then Kaoping did not issue it.
func (a *App) VerifyCode(ctx context.Context, code string) (*IssuedDocument, error) {
	code = strings.ToLower(strings.Join(strings.Fields(code), ""))
	if len(code) < 12 || len(code) > 64 || strings.Trim(code, "0123456789abcdef") != "" {
		return nil, invalid("code", "核验码应为 12–64 位十六进制字符 (a code is 12 to 64 hex digits)")
	}
	var docs []IssuedDocument
	q := a.db.NewSelect().Model(&docs).Limit(2)
	if hexCode.MatchString(code) {
		q = q.Where("idoc.code = ?", code)
	} else {
		q = q.Where("idoc.code LIKE ?", code+"%")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	switch len(docs) {
	case 0:
		return nil, fmt.Errorf("reports: no document with code %s: %w", code, store.ErrNotFound)
	case 1:
		return &docs[0], nil
	}
	return nil, invalid("code", "核验码前缀不唯一，请输入完整核验码 (the prefix matches several documents)")
}

// VerifyPDF reads the integrity code from a PDF's metadata (Keywords) and
// verifies it.
func (a *App) VerifyPDF(ctx context.Context, pdf []byte) (*IssuedDocument, error) {
	code, err := pdfKeywords(pdf)
	if err != nil {
		return nil, err
	}
	return a.VerifyCode(ctx, code)
}

// pdfKeywords extracts the /Keywords string of a PDF's document info: a
// literal string, plain or UTF-16BE with a byte-order mark.
func pdfKeywords(pdf []byte) (string, error) {
	i := bytes.LastIndex(pdf, []byte("/Keywords"))
	if i < 0 {
		return "", invalid("file", "不是 Kaoping 生成的 PDF：没有核验码 (no integrity code in this PDF)")
	}
	rest := bytes.TrimLeft(pdf[i+len("/Keywords"):], " \r\n\t")
	var raw []byte
	switch {
	case len(rest) > 0 && rest[0] == '(':
		depth := 0
		for j := 0; j < len(rest); j++ {
			c := rest[j]
			switch {
			case c == '\\' && j+1 < len(rest):
				j++
				switch n := rest[j]; n {
				case 'n':
					raw = append(raw, '\n')
				case 'r':
					raw = append(raw, '\r')
				case 't':
					raw = append(raw, '\t')
				case 'b':
					raw = append(raw, '\b')
				case 'f':
					raw = append(raw, '\f')
				default:
					if n >= '0' && n <= '7' {
						v, k := 0, 0
						for ; k < 3 && j+k < len(rest) && rest[j+k] >= '0' && rest[j+k] <= '7'; k++ {
							v = v*8 + int(rest[j+k]-'0')
						}
						raw = append(raw, byte(v))
						j += k - 1
					} else {
						raw = append(raw, n)
					}
				}
			case c == '(':
				if depth > 0 {
					raw = append(raw, c)
				}
				depth++
			case c == ')':
				depth--
				if depth == 0 {
					return decodePDFString(raw), nil
				}
				raw = append(raw, c)
			default:
				raw = append(raw, c)
			}
		}
	case len(rest) > 0 && rest[0] == '<':
		end := bytes.IndexByte(rest, '>')
		if end > 0 {
			b, err := hex.DecodeString(string(bytes.Join(bytes.Fields(rest[1:end]), nil)))
			if err == nil {
				return decodePDFString(b), nil
			}
		}
	}
	return "", invalid("file", "PDF 的核验码无法读取 (unreadable integrity code)")
}

func decodePDFString(b []byte) string {
	if len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	return string(b)
}
