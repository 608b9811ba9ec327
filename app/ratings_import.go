package app

import (
	"context"
	"fmt"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/ratings"
)

// ImportRatingsFile imports a CSV or XLSX file of ratings into the default
// center (or by.CenterID); see ratings.Service.ImportFile. A run that
// imported anything is audited; a refused file wrote nothing.
func (a *App) ImportRatingsFile(ctx context.Context, name string, open ratings.Opener, opt ratings.FileOptions, by Actor) (*ratings.FileResult, error) {
	centerID := by.CenterID
	if centerID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return nil, err
		}
		centerID = c.ID
	}
	res, err := a.ratings.ImportFile(ctx, centerID, name, open, opt)
	if err == nil && res != nil {
		a.metrics.ratingsStored("file", res.Imported)
	}
	if res == nil || res.Imported+res.Duplicates == 0 {
		return res, err
	}
	detail := fmt.Sprintf("file=%s rows=%d imported=%d duplicates=%d rejected=%d",
		name, res.Rows, res.Imported, res.Duplicates, res.Rejected)
	if aerr := a.audit.Record(ctx, nil, audit.Entry{CenterID: &centerID, Actor: by.Name, IP: by.IP, Action: "ratings.import", Target: "center:" + fmt.Sprint(centerID), Detail: detail}); aerr != nil && err == nil {
		err = aerr
	}
	return res, err
}
