package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"attest"
	"attest/kb"
	"attest/views"
)

// handleDashboard shows the usage dashboard: the report's figures as SVG charts.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	f, ferr := s.reportFilter(r)
	if ferr != nil && attest.ErrorCode(ferr) != attest.EINVALID {
		s.fail(w, r, ferr)
		return
	}
	fd, err := s.gapsData(r, f, ferr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := views.DashboardData{Filter: fd}
	st := http.StatusOK
	if ferr != nil {
		st = http.StatusUnprocessableEntity
	} else {
		db, err := s.KB.Dashboard(r.Context(), actor(r), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Totals = db.Totals
		d.Charts = dashboardCharts(db)
	}
	s.render(w, r, st, views.Dashboard(s.page(r, "Usage dashboard"), d))
}

// dashboardCharts lays out the dashboard's charts as SVG shapes.
func dashboardCharts(d *kb.Dashboard) []views.Chart {
	articles := make([]barItem, 0, len(d.TopArticles))
	for _, a := range d.TopArticles {
		articles = append(articles, barItem{label: a.Title, value: a.Uses,
			detail: fmt.Sprintf("%d uses on tickets (%d outdated), %d views", a.Uses, a.Outdated, a.Views), extra: []string{strconv.Itoa(a.Outdated), strconv.Itoa(a.Views)}})
	}
	missing := make([]barItem, 0, len(d.TopMissing))
	for _, q := range d.TopMissing {
		missing = append(missing, barItem{label: q.Query, value: q.Count, detail: fmt.Sprintf("%d searches found nothing", q.Count)})
	}
	return []views.Chart{
		weeklyChart("chart-by-request-type", "Ticket usage per week by request type", "request type", d.Weeks, d.UsageByRequestType),
		weeklyChart("chart-by-supplier", "Ticket usage per week by supplier", "supplier", d.Weeks, d.UsageBySupplier),
		barChart("chart-top-articles", "Most used articles", "uses on tickets", articles, []string{"Article", "Uses on tickets", "Outdated uses", "Views"},
			"No article was used or read in this period."),
		barChart("chart-missing-topics", "Top missing topics (searches that found nothing)", "searches", missing, []string{"Query", "Searches"},
			"No search came back empty in this period."),
	}
}

// Chart geometry, in SVG user units.
const (
	chartW      = 720
	chartLeft   = 48
	chartRight  = 12
	chartTop    = 12
	chartPlotH  = 200
	chartBottom = 44
	maxSeries   = 6
)

// niceMax rounds n up to 1, 2 or 5 times a power of ten.
func niceMax(n int) int {
	if n <= 1 {
		return 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

func weekLabel(t time.Time) string { return t.Format("2 Jan") }

// weeklyChart is a stacked bar per week, one colour per series (the biggest six, then "Other").
func weeklyChart(id, title, what string, weeks []time.Time, series []kb.Series) views.Chart {
	c := views.Chart{ID: id, Title: title, Width: chartW, Height: chartTop + chartPlotH + chartBottom}
	if len(series) > maxSeries {
		other := kb.Series{Key: "other", Name: "Other", Counts: make([]int, len(weeks))}
		for _, s := range series[maxSeries-1:] {
			for i, n := range s.Counts {
				other.Counts[i] += n
			}
			other.Total += s.Total
		}
		series = append(series[:maxSeries-1:maxSeries-1], other)
	}
	totals := make([]int, len(weeks))
	sum, top := 0, 0
	for _, s := range series {
		for i, n := range s.Counts {
			totals[i] += n
			sum += n
		}
	}
	for _, t := range totals {
		top = max(top, t)
	}
	c.Table.Head = []string{"Week of"}
	for _, s := range series {
		c.Table.Head = append(c.Table.Head, s.Name)
	}
	c.Table.Head = append(c.Table.Head, "Total")
	for i, w := range weeks {
		row := []string{w.Format("2 Jan 2006")}
		for _, s := range series {
			row = append(row, strconv.Itoa(s.Counts[i]))
		}
		c.Table.Rows = append(c.Table.Rows, append(row, strconv.Itoa(totals[i])))
	}
	if sum == 0 || len(weeks) == 0 {
		c.Empty = "No ticket usage recorded in this period."
		return c
	}
	c.Summary = fmt.Sprintf("%d uses on tickets in %d weeks from %s to %s, stacked by %s.", sum, len(weeks),
		weeks[0].Format("2 Jan 2006"), weeks[len(weeks)-1].AddDate(0, 0, 6).Format("2 Jan 2006"), what)
	if len(series) > 0 {
		c.Summary += fmt.Sprintf(" Most used: %s (%d).", series[0].Name, series[0].Total)
	}
	scale := niceMax(top)
	plotW := chartW - chartLeft - chartRight
	base := chartTop + chartPlotH
	for _, frac := range []int{0, 1, 2} {
		if frac == 1 && scale%2 != 0 {
			continue // no half-way line where it would not be a whole number
		}
		y := base - frac*chartPlotH/2
		c.Lines = append(c.Lines, views.ChartLine{X1: chartLeft, Y1: y, X2: chartW - chartRight, Y2: y, Class: "grid"})
		c.Labels = append(c.Labels, views.ChartLabel{X: chartLeft - 6, Y: y + 4, Text: strconv.Itoa(scale * frac / 2), Anchor: "end"})
	}
	band := plotW / len(weeks)
	barW := max(band*7/10, 2)
	every := max(1, (len(weeks)+11)/12)
	for i, w := range weeks {
		x := chartLeft + i*band + (band-barW)/2
		y := base
		for si, s := range series {
			n := s.Counts[i]
			if n == 0 {
				continue
			}
			h := max(n*chartPlotH/scale, 1)
			y -= h
			class := "series-" + strconv.Itoa(si)
			if s.Key == "other" {
				class = "series-other"
			}
			c.Bars = append(c.Bars, views.ChartBar{X: x, Y: y, W: barW, H: h, Class: class,
				Title: fmt.Sprintf("Week of %s: %s, %d", w.Format("2 Jan 2006"), s.Name, n)})
		}
		if i%every == 0 {
			c.Labels = append(c.Labels, views.ChartLabel{X: x + barW/2, Y: base + 18, Text: weekLabel(w), Anchor: "middle"})
		}
	}
	c.Lines = append(c.Lines, views.ChartLine{X1: chartLeft, Y1: base, X2: chartW - chartRight, Y2: base, Class: "axis"})
	for si, s := range series {
		class := "series-" + strconv.Itoa(si)
		if s.Key == "other" {
			class = "series-other"
		}
		c.Legend = append(c.Legend, views.ChartLegend{Class: class, Label: fmt.Sprintf("%s (%d)", s.Name, s.Total)})
	}
	return c
}

// barItem is one bar of a horizontal bar chart.
type barItem struct {
	label  string
	value  int
	detail string
	extra  []string // further table columns
}

func clipLabel(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// barChart is a horizontal bar per item, biggest first.
func barChart(id, title, unit string, items []barItem, head []string, empty string) views.Chart {
	const rowH, labelW, valueW, top = 28, 300, 48, 8
	c := views.Chart{ID: id, Title: title, Width: chartW, Height: top*2 + rowH*max(len(items), 1), Table: views.ChartTable{Head: head}}
	top1 := 0
	for _, it := range items {
		top1 = max(top1, it.value)
		c.Table.Rows = append(c.Table.Rows, append([]string{it.label, strconv.Itoa(it.value)}, it.extra...))
	}
	if len(items) == 0 {
		c.Empty = empty
		return c
	}
	c.Summary = fmt.Sprintf("%s: %d shown, biggest first. First: %s, %d %s.", title, len(items), items[0].label, items[0].value, unit)
	barMax := chartW - labelW - valueW
	for i, it := range items {
		y := top + i*rowH
		w := 0
		if top1 > 0 {
			w = max(it.value*barMax/top1, 1)
		}
		if it.value == 0 {
			w = 0
		}
		c.Labels = append(c.Labels, views.ChartLabel{X: labelW - 8, Y: y + rowH/2 + 4, Text: clipLabel(it.label, 42), Anchor: "end"})
		if w > 0 {
			c.Bars = append(c.Bars, views.ChartBar{X: labelW, Y: y + 4, W: w, H: rowH - 8, Class: "bar-main", Title: it.label + ": " + it.detail})
		}
		c.Labels = append(c.Labels, views.ChartLabel{X: labelW + w + 6, Y: y + rowH/2 + 4, Text: strconv.Itoa(it.value), Anchor: "start", Class: "value"})
	}
	return c
}
