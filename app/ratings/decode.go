package ratings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// DecodeBatch reads the body of a ratings request,
//
//	{"ratings": [{"external_id": "…", "rated_at": "…", "channel": "…", "item_code": "…",
//	              "staff_no": "…" | "staff_ref": "…", "level": 4 | "满意", "reasons": [...] | "…",
//	              "comment": "…", "is_default": false | "否" | 0}, …]}
//
// keeping the raw types of level, reasons and is_default for Validate. It is
// strict: an unknown or repeated field, a missing "ratings", or a value of
// the wrong JSON type (level as an object, comment as a number) is a
// *BatchError that names the index and field of every such problem — the
// request's fault, not the server's. Problems with the body as a whole
// (malformed JSON, an unknown top-level field) have Index -1. More than
// MaxBatch ratings is ErrTooLarge, found without reading the rest. Any other
// error is the reader's.
func DecodeBatch(r io.Reader) ([]Input, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var errs []FieldError
	bodyFail := func(field, msg string) { errs = append(errs, FieldError{Index: -1, Field: field, Message: msg}) }

	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, &BatchError{Errors: []FieldError{{Index: -1, Message: `请求体为空，应为 {"ratings":[…]} (empty body; expected {"ratings":[…]})`}}}
	}
	if err != nil {
		return nil, jsonError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &BatchError{Errors: []FieldError{{Index: -1, Message: `请求体应为 JSON 对象 {"ratings":[…]} (body must be a JSON object {"ratings":[…]})`}}}
	}

	var in []Input
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		key, _ := tok.(string)
		if key != "ratings" || seen {
			if key == "ratings" {
				bodyFail(key, "字段重复 (field given twice)")
			} else {
				bodyFail(key, `未知字段，只接受 "ratings" (unknown field; only "ratings" is accepted)`)
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, jsonError(err)
			}
			continue
		}
		seen = true

		tok, err = dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			bodyFail("ratings", "应为评价数组 (must be an array of ratings)")
			if ok { // an object: skip the rest of it
				if err := skipRest(dec); err != nil {
					return nil, jsonError(err)
				}
			}
			continue
		}
		for dec.More() {
			if len(in) == MaxBatch {
				return nil, fmt.Errorf("%w: more than %d ratings in one request", ErrTooLarge, MaxBatch)
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, jsonError(err)
			}
			x, fes := decodeInput(len(in), raw)
			errs = append(errs, fes...)
			in = append(in, x)
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil, jsonError(err)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, jsonError(err)
		}
		return nil, &BatchError{Errors: []FieldError{{Index: -1, Message: "JSON 对象之后还有内容 (unexpected data after the JSON object)"}}}
	}
	if !seen {
		bodyFail("ratings", `缺少 "ratings" 字段 (missing field "ratings")`)
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b FieldError) int { return a.Index - b.Index })
		return nil, &BatchError{Errors: errs}
	}
	if in == nil {
		in = []Input{}
	}
	return in, nil
}

// decodeInput decodes one element of "ratings", checking the JSON type of
// every field; raw is syntactically valid JSON.
func decodeInput(i int, raw json.RawMessage) (Input, []FieldError) {
	var x Input
	var errs []FieldError
	fail := func(field, msg string) { errs = append(errs, FieldError{Index: i, Field: field, Message: msg}) }
	if k := kindOf(raw); k != "object" {
		fail("", fmt.Sprintf("每条评价应为 JSON 对象，而不是 %s (each rating must be a JSON object, got %s)", k, k))
		return x, errs
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		fail("", err.Error())
		return x, errs
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			fail("", err.Error())
			return x, errs
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			fail(key, err.Error())
			return x, errs
		}
		if seen[key] {
			fail(key, "字段重复 (field given twice)")
			continue
		}
		seen[key] = true
		k := kindOf(v)
		wrongType := func(want string) {
			fail(key, fmt.Sprintf("类型错误：应为 %s，而不是 %s (must be %s, got %s)", want, k, want, k))
		}
		str := func(dst *string) {
			switch k {
			case "null":
			case "string":
				_ = json.Unmarshal(v, dst)
			default:
				wrongType("string")
			}
		}
		switch key {
		case "external_id":
			str(&x.ExternalID)
		case "rated_at":
			str(&x.RatedAt)
		case "channel":
			str(&x.Channel)
		case "item_code":
			str(&x.ItemCode)
		case "staff_no":
			str(&x.StaffNo)
		case "staff_ref":
			str(&x.StaffRef)
		case "comment":
			str(&x.Comment)
		case "citizen_phone":
			str(&x.CitizenPhone)
		case "citizen_id_number":
			str(&x.CitizenIDNumber)
		case "level":
			switch k {
			case "null":
			case "number":
				x.Level = json.Number(v)
			case "string":
				var s string
				_ = json.Unmarshal(v, &s)
				x.Level = s
			default:
				wrongType("number or string")
			}
		case "reasons":
			switch k {
			case "null":
			case "string":
				var s string
				_ = json.Unmarshal(v, &s)
				x.Reasons = s
			case "array":
				var elems []json.RawMessage
				_ = json.Unmarshal(v, &elems)
				list := make([]string, 0, len(elems))
				for j, e := range elems {
					var s string
					if ek := kindOf(e); ek != "string" {
						fail(key, fmt.Sprintf("第 %d 项应为文字，而不是 %s (reasons[%d] must be a string, got %s)", j+1, ek, j, ek))
						list = nil
						break
					}
					_ = json.Unmarshal(e, &s)
					list = append(list, s)
				}
				if list != nil {
					x.Reasons = list
				}
			default:
				wrongType("array of strings or string")
			}
		case "is_default":
			switch k {
			case "null":
			case "boolean":
				var b bool
				_ = json.Unmarshal(v, &b)
				x.IsDefault = b
			case "string":
				var s string
				_ = json.Unmarshal(v, &s)
				x.IsDefault = s
			case "number":
				x.IsDefault = json.Number(v)
			default:
				wrongType("boolean")
			}
		default:
			fail(key, "未知字段 (unknown field)")
		}
	}
	return x, errs
}

// kindOf names the JSON type of a syntactically valid value.
func kindOf(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// skipRest consumes the rest of an object or array whose opening delimiter
// was already read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// jsonError turns a decoding error into a *BatchError about the body, or
// passes a read error through.
func jsonError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return &BatchError{Errors: []FieldError{{Index: -1, Message: fmt.Sprintf("JSON 格式错误，第 %d 字节：%v (malformed JSON at byte %d: %v)", se.Offset, se, se.Offset, se)}}}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &BatchError{Errors: []FieldError{{Index: -1, Message: "JSON 不完整 (the JSON body ends too early)"}}}
	}
	return fmt.Errorf("ratings: read body: %w", err)
}
