package reports

import "time"

// Meta is the title-block data every report shares.
type Meta struct {
	CenterName  string
	Period      string // "2026-07", "2026-Q3", "2026"
	PeriodLabel string // "2026年7月", "2026年第3季度"
	// IssueNo > 0 marks a closed period whose scores are printed as issued
	// ("第 N 次发布"); 0 marks figures of a period still open.
	IssueNo     int
	GeneratedAt time.Time
	GeneratedBy string
	// Location is used to print times; nil prints UTC.
	Location *time.Location
}

// Component is one indicator of the quality score. Weight is the
// renormalized weight actually used (a missing component gives its weight
// to the others); both weights are fractions (0.4 prints as 40.0%).
type Component struct {
	Key, Label string
	Value      *float64
	BaseWeight float64
	Weight     float64
	Explain    string
}

// ChannelRow is one channel's rating distribution and its corrected score.
// Counts holds the number of ratings of level 1 (非常不满意) to 5 (非常满意);
// GoodRate and BadRate are fractions 0..1 and print as percentages.
type ChannelRow struct {
	Channel           string
	Counts            [5]int
	N                 int
	Mean, Score       *float64
	M, C              float64
	GoodRate, BadRate *float64
}

// BadRatingRow is one bad rating (level 1 or 2) and what became of it.
type BadRatingRow struct {
	RatedAt                             time.Time
	Channel, Item                       string
	Level                               int
	Reasons, Comment, CaseState, Appeal string
}

// TrainingRow is one training enrolment; dates are preformatted.
type TrainingRow struct {
	Module                              string
	Version                             int
	Due, Completed, Certificate, Status string
}

// QuizRow is one quiz's result for the period.
type QuizRow struct {
	Quiz     string
	Attempts int
	Grade    *float64
	Passed   *bool
	Date     string
}

// TrendPoint is one period's value of a trend line; a nil Value is skipped.
type TrendPoint struct {
	Period string
	Value  *float64
}

// StaffReport is the data of one person's evaluation report (个人考评报告).
type StaffReport struct {
	Meta
	StaffNo, Name, Team  string
	Quality              *float64
	Band                 string
	Components           []Component
	NRatings             int
	RankTeam, RankCenter *int
	Channels             []ChannelRow
	BadRatings           []BadRatingRow
	Training             []TrainingRow
	Quizzes              []QuizRow
	Trend                []TrendPoint // last 4 periods, oldest first
	// LeadComment is the team lead's comment; empty prints ruled lines
	// for a handwritten one.
	LeadComment string
	// Code is filled in by Renderer.Staff with the integrity code; it is
	// not part of the hashed data.
	Code string `json:"-"`
}

// MemberRow is one member's scores in a team or center report.
type MemberRow struct {
	StaffNo, Name                               string
	Quality, Satisfaction, Competence, Training *float64
	Band                                        string
	NRatings                                    int
	RankTeam                                    *int
}

// MatrixCell is one person × module cell of the competence matrix.
// State is one of none, due, overdue, passed, failed; Grade is printed
// for passed and failed.
type MatrixCell struct {
	State string
	Grade *float64
}

// MatrixRow is one person's row of the competence matrix, one cell per
// entry of TeamReport.Modules.
type MatrixRow struct {
	StaffNo, Name string
	Cells         []MatrixCell
}

// ChannelSummary is one channel's ratings in a team or center report;
// rates are fractions 0..1.
type ChannelSummary struct {
	Channel                 string
	N                       int
	Mean, GoodRate, BadRate *float64
}

// RetrainRow compares a person's satisfaction on a service item before and
// after the retraining that a bad rating triggered.
type RetrainRow struct {
	StaffNo, Name, Item, TriggeredOn string
	Before, After                    *float64
	NBefore, NAfter                  int
}

// TeamReport is the data of a team report (班组报告).
type TeamReport struct {
	Meta
	Team       string
	Leads      []string
	Members    []MemberRow
	Modules    []string
	Matrix     []MatrixRow
	Channels   []ChannelSummary
	Trend      []TrendPoint // team mean quality, last 4 periods
	Retraining []RetrainRow
	// Code is filled in by Renderer.Team; it is not part of the hashed data.
	Code string `json:"-"`
}

// TeamSummary is one team's line in the center report; BadRate is a
// fraction 0..1.
type TeamSummary struct {
	Team                                                 string
	Members, NRatings                                    int
	Quality, Satisfaction, Competence, Training, BadRate *float64
}

// ItemRow is one service item's ratings, one cell per entry of
// CenterReport.ChannelNames.
type ItemRow struct {
	Item  string
	Cells []ItemCell
}

// ItemCell is the number of ratings and their mean level of one item on one
// channel.
type ItemCell struct {
	N    int
	Mean *float64
}

// CaseRow is one overdue bad-rating case.
type CaseRow struct {
	StaffNo, Name, Team string
	RatedAt             time.Time
	Channel             string
	Level               int
	State               string
	Due                 time.Time
	DaysOverdue         int
}

// CenterReport is the data of the center report (中心报告).
type CenterReport struct {
	Meta
	Teams        []TeamSummary
	ChannelNames []string
	Items        []ItemRow
	Channels     []ChannelSummary
	// Threshold is the quality score below which people are listed in Below.
	Threshold    float64
	Below        []MemberRow
	OverdueCases []CaseRow
	// Code is filled in by Renderer.Center; it is not part of the hashed data.
	Code string `json:"-"`
}

// Certificate is the data of a training certificate (培训合格证书).
type Certificate struct {
	CenterName, Number, StaffNo, Name, Module string
	Version                                   int
	IssuedOn, ExpiresOn                       string
	GeneratedAt                               time.Time
	Location                                  *time.Location
	// Code is filled in by Renderer.Certificate; it is not part of the
	// hashed data.
	Code string `json:"-"`
}

// Result is what rendering a document gives besides the PDF bytes.
type Result struct {
	// Code is the integrity code printed in the footer (see Code).
	Code string
	// Warnings name text that could not be printed as given, such as a
	// character the font lacks (printed as 〓).
	Warnings []string
	Pages    int
}
