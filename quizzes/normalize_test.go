package quizzes_test

import (
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＡＢＣ", "ABC"},
		{"ａｂｃ１２３", "abc123"},
		{"  a \t b\n\nc  ", "a b c"},
		{"统一　社会\u00a0信用代码", "统一 社会 信用代码"},
		{"（全角括号）", "(全角括号)"},
		{"ﬁ", "fi"},
		{"", ""},
		{" \t\n", ""},
		{"Grant", "Grant"},
	}
	for _, tt := range tests {
		if got := quizzes.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
