// Package reports renders the printed documents of Kaoping — the
// per-person evaluation report (个人考评报告), the team report (班组报告),
// the center report (中心报告) and the training certificate (培训合格证书) —
// as A4 PDFs in Chinese, from plain data structs. It knows no HTTP, no SQL
// and no clock: the caller passes GeneratedAt.
//
// Usage:
//
//	path, err := reports.FindFont(os.Getenv("KAOPING_FONT"))
//	font, err := os.ReadFile(path)
//	r, err := reports.NewRenderer(font) // once; safe for concurrent use
//	res, err := r.Staff(w, &reports.StaffReport{...})
//
// Every figure is printed by One (one decimal, half up), the function the
// UI uses too. Every page's footer carries the generation time, the
// integrity code (Code: SHA-256 of the report data) and "第 x / y 页". The
// same data gives the same bytes (fixed creation date, sorted catalog),
// which the golden-file tests rely on.
//
// Text that the PDF library cannot print — characters above U+FFFF such as
// 𠮷 or emoji, which make it panic, and characters the font lacks — is
// printed as 〓 and named in Result.Warnings; any panic while rendering
// becomes an error.
//
// The PDF library (github.com/jung-kurt/gofpdf) is imported by pdf.go
// only, so its maintained fork github.com/go-pdf/fpdf can replace it by
// changing one import path.
//
// Performance, measured with BenchmarkStaffReport (2 cores, the two-page
// staff report of the tests): handing the 15 MB LXGW WenKai font to the
// library for every document cost ≈ 15 ms and 24 MB of allocations per
// report, about 80% of it the library parsing the whole font twice (when it
// is added, and again when the embedded subset is cut on output). Now each
// document is laid out twice — a dry run that only collects the characters,
// then the real drawing with a TrueType font cut to those characters from
// tables parsed once in NewRenderer (subset.go) — which gives ≈ 4 ms and
// 8.5 MB per report, 69 KB of PDF (a one-page report ≈ 59 KB). What remains
// is mostly the library's output (a zlib writer per stream, hashing its
// 65,536-entry width table as JSON) and our two layout passes. 10,000
// reports take well under a minute per core. NewRenderer itself takes
// ≈ 1.5 ms.
package reports
