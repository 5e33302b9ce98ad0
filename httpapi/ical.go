package httpapi

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"spotcheck/i18n"
	"spotcheck/sampling"
)

// icsOptions are what an iCalendar feed needs besides its tasks.
type icsOptions struct {
	Owner string            // the inspector whose feed it is; "" for an admin's
	Names map[string]string // inspector names by id, for co-inspectors
	Now   time.Time         // DTSTAMP
	Zone  *time.Location    // for the calendar's name of the zone
	Lang  string            // the language of the texts: i18n.ZH or i18n.EN
}

// writeICS writes tasks as an RFC 5545 calendar: one all-day event per task
// on its due date, with a reminder the day before.
func writeICS(w io.Writer, views []taskView, o icsOptions) {
	c := &icsWriter{w: w}
	l := i18n.Labels(o.Lang)
	name := l["cal_name"]
	if o.Owner != "" {
		name += " " + o.Owner
	}
	c.line("BEGIN:VCALENDAR")
	c.line("VERSION:2.0")
	c.line("PRODID:-//spotcheck//inspection tasks//ZH")
	c.line("CALSCALE:GREGORIAN")
	c.line("METHOD:PUBLISH")
	c.line("X-WR-CALNAME:" + icsText(name))
	c.line("X-WR-TIMEZONE:" + o.Zone.String())
	c.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	c.line("X-PUBLISHED-TTL:PT1H")
	stamp := o.Now.UTC().Format("20060102T150405Z")
	for _, v := range views {
		if !v.Due.Valid() {
			continue
		}
		var co []string
		for _, id := range v.Inspectors {
			if id == o.Owner {
				continue
			}
			if n := o.Names[id]; n != "" {
				id += " " + n
			}
			co = append(co, id)
		}
		summary := l["cal_summary"]
		summary = fmt.Sprintf(summary, v.Enterprise, v.CategoryName)
		if v.State == "overdue" {
			summary = l["cal_overdue"] + summary
		}
		desc := []string{
			fmt.Sprintf(l["cal_task"], v.ID, v.PlanID),
			fmt.Sprintf(l["cal_enterprise"], v.Enterprise, v.CreditCode),
			l["cal_county"] + v.County,
			fmt.Sprintf(l["cal_quantity"], v.CategoryName, v.Quantity.Test, v.Quantity.Backup),
			l["cal_due"] + v.Due.String(),
			l["cal_status"] + i18n.State(o.Lang, v.State),
		}
		if len(co) > 0 {
			desc = append(desc, l["cal_co"]+strings.Join(co, l["msg_list_sep"]))
		}
		c.line("BEGIN:VEVENT")
		c.line("UID:spotcheck-task-" + strconv.FormatInt(v.ID, 10))
		c.line("DTSTAMP:" + stamp)
		c.line("DTSTART;VALUE=DATE:" + icsDate(v.Due))
		c.line("DTEND;VALUE=DATE:" + icsDate(v.Due.AddDays(1)))
		c.line("SUMMARY:" + icsText(summary))
		c.line("LOCATION:" + icsText(v.County))
		c.line("DESCRIPTION:" + icsText(strings.Join(desc, "\n")))
		c.line("CATEGORIES:" + icsText(v.CategoryName))
		c.line("STATUS:CONFIRMED")
		c.line("TRANSP:TRANSPARENT")
		c.line("BEGIN:VALARM")
		c.line("ACTION:DISPLAY")
		c.line("DESCRIPTION:" + icsText(summary))
		c.line("TRIGGER:-P1D")
		c.line("END:VALARM")
		c.line("END:VEVENT")
	}
	c.line("END:VCALENDAR")
}

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

type icsWriter struct{ w io.Writer }

// line writes a content line folded at 75 octets without splitting a UTF-8
// character, ending in CRLF (RFC 5545 3.1).
func (c *icsWriter) line(s string) {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	io.WriteString(c.w, b.String())
}

// icsDate writes d as an iCalendar DATE, YYYYMMDD.
func icsDate(d sampling.Day) string { return strings.ReplaceAll(d.String(), "-", "") }
