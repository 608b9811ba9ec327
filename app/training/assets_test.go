package training_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
)

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestAssets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.newModule(t, "assets", 0)
	img := pngBytes()
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 16)...)
	webp := []byte("RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00")
	big := append(pngBytes(), make([]byte, 2<<20)...)

	a, err := f.svc.AddAsset(ctx, m.ID, "Flow-Chart.PNG", img, author)
	if err != nil {
		t.Fatalf("AddAsset: %v", err)
	}
	if a.Name != "flow-chart.png" || a.ContentType != "image/png" || a.Size != int64(len(img)) || len(a.SHA256) != 64 {
		t.Errorf("asset = %+v", a)
	}
	for _, ok := range []struct {
		name string
		data []byte
	}{{"b.gif", gif}, {"c.jpg", jpeg}, {"d.webp", webp}, {"流程图.png", img}, {"declared-wrong.gif", img}} {
		if _, err := f.svc.AddAsset(ctx, m.ID, ok.name, ok.data, author); err != nil {
			t.Errorf("AddAsset(%s): %v", ok.name, err)
		}
	}

	for _, tc := range []struct {
		name, file string
		data       []byte
		want       error
		field      string
	}{
		{"oversize", "big.png", big, training.ErrInvalid, "file: larger than 2 MiB"},
		{"html named png", "x.png", []byte("<html><script>alert(1)</script></html>"), training.ErrInvalid, "file"},
		{"svg", "x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), training.ErrInvalid, "file"},
		{"text named png", "x.png", []byte("hello"), training.ErrInvalid, "file"},
		{"empty data", "x.png", nil, training.ErrInvalid, "file"},
		{"traversal", "../x.png", img, training.ErrInvalid, "name"},
		{"dots", "a..png", img, training.ErrInvalid, "name"},
		{"slash", "a/x.png", img, training.ErrInvalid, "name"},
		{"backslash", `a\x.png`, img, training.ErrInvalid, "name"},
		{"hidden", ".x.png", img, training.ErrInvalid, "name"},
		{"percent", "a%20b.png", img, training.ErrInvalid, "name"},
		{"empty name", " ", img, training.ErrInvalid, "name"},
		{"long name", strings.Repeat("a", 97) + ".png", img, training.ErrInvalid, "name"},
		{"duplicate", "FLOW-chart.png", img, store.ErrConflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.AddAsset(ctx, m.ID, tc.file, tc.data, author)
			wantErr(t, tc.name, err, tc.want, tc.field)
		})
	}

	got, err := f.svc.Asset(ctx, m.ID, "FLOW-CHART.png")
	if err != nil || !bytes.Equal(got.Data, img) || got.ContentType != "image/png" {
		t.Fatalf("Asset = %+v, %v", got, err)
	}
	if got, err := f.svc.Asset(ctx, m.ID, "%E6%B5%81%E7%A8%8B%E5%9B%BE.png"); err != nil || got.Name != "流程图.png" {
		t.Errorf("Asset(percent-encoded) = %+v, %v", got, err)
	}
	if _, err := f.svc.Asset(ctx, m.ID, "nope.png"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Asset(nope) = %v", err)
	}
	list, err := f.svc.Assets(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range list {
		names = append(names, a.Name)
		if a.Data != nil {
			t.Errorf("Assets returned data for %s", a.Name)
		}
	}
	if want := "b.gif c.jpg d.webp declared-wrong.gif flow-chart.png 流程图.png"; strings.Join(names, " ") != want {
		t.Errorf("Assets = %v, want %s", names, want)
	}
	if list[3].ContentType != "image/png" {
		t.Errorf("declared-wrong.gif type = %s, want the sniffed image/png", list[3].ContentType)
	}
}
