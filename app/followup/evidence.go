package followup

import (
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the evidence of one appeal.
const (
	MaxFiles    = 5
	MaxFileSize = 10 << 20 // bytes per file
	MaxFileName = 255      // bytes of a stored file name
)

// EvidenceUpload is a file the appellant attaches. Name is what the browser
// sent: only its base name is kept, without control characters and cut to
// MaxFileName bytes. The content type is sniffed from Data
// (http.DetectContentType), whatever the name or the browser say: PNG, JPEG,
// GIF and WebP images, PDF and plain text are accepted, anything else is
// refused — in particular HTML or SVG, which a browser would run.
type EvidenceUpload struct {
	Name string
	Data []byte
}

// checkFiles validates the uploads and returns them as Evidence rows
// (without AppealID and CreatedAt).
func checkFiles(files []EvidenceUpload) ([]Evidence, error) {
	if len(files) > MaxFiles {
		return nil, fail(ErrInvalid, "files", "最多上传 %d 个文件，现有 %d 个 (at most %d files, got %d)", MaxFiles, len(files), MaxFiles, len(files))
	}
	out := make([]Evidence, 0, len(files))
	for i, f := range files {
		field := "files[" + strconv.Itoa(i) + "]"
		shown := baseName(f.Name)
		if shown == "" {
			shown = "#" + strconv.Itoa(i+1)
		}
		switch {
		case len(f.Data) == 0:
			return nil, fail(ErrInvalid, field, "文件 %q 是空的 (file %q is empty)", shown, shown)
		case len(f.Data) > MaxFileSize:
			return nil, fail(ErrInvalid, field, "文件 %q 超过 %d MB (file %q is larger than %d MB)", shown, MaxFileSize>>20, shown, MaxFileSize>>20)
		}
		ctype, ext, ok := sniff(f.Data)
		if !ok {
			return nil, fail(ErrInvalid, field, "文件 %q 的类型不允许，只接受 PNG、JPEG、GIF、WebP 图片、PDF 和纯文本 (file %q is not a PNG, JPEG, GIF or WebP image, a PDF or plain text)", shown, shown)
		}
		name := storedName(f.Name, ext, i)
		out = append(out, Evidence{Name: name, ContentType: ctype, Size: int64(len(f.Data)), Data: f.Data})
	}
	return out, nil
}

// sniff returns the content type to store for data, a file extension for a
// name that has none, and whether the type is allowed.
func sniff(data []byte) (ctype, ext string, ok bool) {
	detected := http.DetectContentType(data)
	media, params, err := mime.ParseMediaType(detected)
	if err != nil {
		return "", "", false
	}
	switch media {
	case "image/png":
		return media, ".png", true
	case "image/jpeg":
		return media, ".jpg", true
	case "image/gif":
		return media, ".gif", true
	case "image/webp":
		return media, ".webp", true
	case "application/pdf":
		return media, ".pdf", true
	case "text/plain":
		// The sniffer calls anything without binary bytes UTF-8; a GBK
		// text is not, and is better left for the reader to guess.
		if cs := params["charset"]; cs != "" && (cs != "utf-8" || utf8.Valid(data)) {
			return mime.FormatMediaType(media, map[string]string{"charset": cs}), ".txt", true
		}
		return media, ".txt", true
	}
	return "", "", false
}

// baseName is the last element of a path sent by any browser or system
// (both / and \ separate), without control characters or invalid UTF-8,
// trimmed; "" if nothing usable is left ("..", "/").
func baseName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// storedName is the name a file is stored under: its base name cut to
// MaxFileName bytes on a character boundary, keeping a short extension, or
// "证据N.ext" when the upload had no usable name.
func storedName(name, ext string, i int) string {
	name = baseName(name)
	if name == "" {
		return "证据" + strconv.Itoa(i+1) + ext
	}
	if len(name) <= MaxFileName {
		return name
	}
	if e := path.Ext(name); len(e) <= 16 {
		ext = e
	} else {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	limit := MaxFileName - len(ext)
	for limit > 0 && !utf8.RuneStart(stem[limit]) {
		limit--
	}
	return stem[:limit] + ext
}
