package reports

import (
	"fmt"
	"io"
	"strings"
)

// gold is the certificate's inner border.
var gold = rgb{176, 141, 87}

// Certificate renders a training certificate (培训合格证书) on one
// landscape A4 page to w and fills cert.Code with its verification code.
func (r *Renderer) Certificate(w io.Writer, cert *Certificate) (Result, error) {
	if cert == nil {
		return Result{}, fmt.Errorf("%w: nil certificate", ErrInvalid)
	}
	res, err := r.render(w, job{
		kind:      "certificate " + cert.Number,
		data:      cert,
		landscape: true,
		info: docInfo{
			title:   "培训合格证书 " + cert.Number + " " + cert.Name,
			subject: "培训合格证书",
			author:  cert.CenterName,
		},
		loc:       cert.Location,
		generated: cert.GeneratedAt,
		draw:      func(d *doc) { drawCertificate(d, cert) },
	})
	if err == nil {
		cert.Code = res.Code
	}
	return res, err
}

func drawCertificate(d *doc, cert *Certificate) {
	d.c.rect(9, 9, d.pageW-18, d.pageH-18, 0, nil, &navy, 1.2)
	d.c.rect(12.5, 12.5, d.pageW-25, d.pageH-25, 0, nil, &gold, 0.4)
	d.left, d.right = 30, d.pageW-30
	d.footerY = d.pageH - 25
	center := func(s string, size float64, col rgb, bold bool, after float64) {
		for _, l := range d.linesMax(s, d.width(), size, 2) {
			d.say(d.left, d.y, d.width(), l, size, col, 'C', bold)
			d.y += lineH(size)
		}
		d.y += after
	}
	d.y = 24
	center(cert.CenterName, 14, muted, false, 3)
	center("培训合格证书", 34, navy, true, 1)
	center("证书编号："+orDash(cert.Number), 10, muted, false, 3)
	d.c.line(d.pageW/2-40, d.y, d.pageW/2+40, d.y, 0.3, gold, false)
	d.y += 7
	center("兹证明", 13, ink, false, 1)
	center(orDash(cert.Name), 24, navy, true, 0)
	center("工号："+orDash(cert.StaffNo), 10.5, muted, false, 3)
	center("已完成以下培训并经考核合格，特发此证。", 13, ink, false, 2)
	module := "「" + orDash(cert.Module) + "」"
	if cert.Version > 0 {
		module += fmt.Sprintf("（第 %d 版）", cert.Version)
	}
	center(module, 17, navy, false, 6)

	dates := "发证日期：" + orDash(cert.IssuedOn)
	if strings.TrimSpace(cert.ExpiresOn) != "" {
		dates += "　　有效期至：" + cert.ExpiresOn
	} else {
		dates += "　　长期有效"
	}
	center(dates, 12, ink, false, 0)

	// the issuer and a place for the seal, bottom right
	sy := d.footerY - 26
	sx := d.right - 80
	d.say(sx, sy, 80, d.fit("发证单位："+cert.CenterName, 80, 11), 11, ink, 'C', false)
	d.say(sx, sy+lineH(11)+1, 80, "（盖章）", 9, faint, 'C', false)
	d.say(d.left, sy+lineH(11)+1, 120, "可凭证书编号与下方验证码在系统中核验本证书。", 8, faint, 'L', false)
}
