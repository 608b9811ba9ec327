package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Code returns the integrity code of report data: the lowercase hex
// SHA-256 of its encoding/json encoding. The report structs leave their own
// Code field out of the encoding (json:"-"), so the code printed on a
// document can be recomputed from the data it was made from.
func Code(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("reports: integrity code: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
