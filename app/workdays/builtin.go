package workdays

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// nationalCSV is the national calendar: date,kind,name, sources in its header
// comment. A new year is appended there when the State Council publishes it
// (usually in November for the next year).
//
//go:embed national.csv
var nationalCSV string

// national is parsed once at start; it is never modified (Builtin copies it).
var national = mustParseCSV(nationalCSV)

// Builtin returns the shipped national calendar (2025 and 2026), sorted by
// date: every day of each public-holiday period as Holiday and every make-up
// working day as Workday. The caller owns the returned slice.
func Builtin() []Day {
	return append([]Day(nil), national...)
}

func mustParseCSV(s string) []Day {
	days, err := parseCSV(s)
	if err != nil {
		panic(fmt.Sprintf("workdays: national.csv: %v", err))
	}
	if _, err := New(days); err != nil {
		panic(fmt.Sprintf("workdays: national.csv: %v", err))
	}
	return days
}

// parseCSV reads date,kind,name rows after a header line; lines starting
// with # are comments. The rows must be sorted by date.
func parseCSV(s string) ([]Day, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.Comment = '#'
	r.FieldsPerRecord = 3
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if strings.Join(header, ",") != "date,kind,name" {
		return nil, fmt.Errorf("header is %q, want date,kind,name", strings.Join(header, ","))
	}
	var days []Day
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return days, nil
		}
		if err != nil {
			return nil, err
		}
		d := Day{Date: rec[0], Kind: Kind(rec[1]), Name: rec[2]}
		if n := len(days); n > 0 && days[n-1].Date >= d.Date {
			return nil, fmt.Errorf("%s after %s: rows must be sorted by date", d.Date, days[n-1].Date)
		}
		days = append(days, d)
	}
}
