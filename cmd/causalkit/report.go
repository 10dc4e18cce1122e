package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	stdio "io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// reportStep is one step of the HTML report.
type reportStep struct {
	Name        string
	Command     string
	Title       string
	Columns     []string
	Rows        [][]string
	Diagnostics []reportKV
	Figures     []template.URL // data: URLs of the step's figures
	Note        string
}

type reportKV struct{ Key, Value string }

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Name}} — causalkit report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #d7dbe3;padding-bottom:.3rem}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f5f6f8;padding:.6rem;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{padding:.25rem .7rem;text-align:right;border-bottom:1px solid #e6e8ee}
th:first-child,td:first-child{text-align:left}
th{background:#f0f2f6}
.diag td{text-align:left}
.diag code{word-break:break-all}
img{max-width:100%;border:1px solid #e6e8ee}
</style></head><body>
<h1>{{.Name}}</h1>
<p>causalkit {{.Version}} · seed {{.Seed}} · {{len .Steps}} steps</p>
{{range .Steps}}<section id="{{.Name}}"><h2>{{.Name}}{{if .Title}}: {{.Title}}{{end}}</h2>
<pre>causalkit {{.Command}}</pre>
{{if .Rows}}<table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody></table>{{end}}
{{if .Diagnostics}}<table class="diag"><tbody>{{range .Diagnostics}}<tr><td>{{.Key}}</td><td><code>{{.Value}}</code></td></tr>{{end}}</tbody></table>{{end}}
{{range .Figures}}<p><img src="{{.}}" alt="figure"></p>{{end}}
{{if .Note}}<p>{{.Note}}</p>{{end}}
</section>{{end}}
<h2>Manifest</h2><pre>{{.Manifest}}</pre>
</body></html>
`))

// writeReport renders report.html for a run in out from its manifest.
func writeReport(w stdio.Writer, out string, m *manifest, name string) error {
	var steps []reportStep
	for _, s := range m.Steps {
		rs := reportStep{Name: s.Name, Command: strings.Join(s.Command, " ")}
		for _, o := range s.Outputs {
			path := filepath.Join(out, o.Path)
			switch filepath.Ext(o.Path) {
			case ".json":
				if err := fillFromJSON(&rs, path); err != nil {
					return err
				}
			case ".png", ".svg":
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				mime := map[string]string{".png": "image/png", ".svg": "image/svg+xml"}[filepath.Ext(o.Path)]
				rs.Figures = append(rs.Figures, template.URL("data:"+mime+";base64,"+base64.StdEncoding.EncodeToString(b)))
			case ".parquet", ".csv", ".arrow":
				if len(s.Outputs) == 1 {
					rs.Note = fmt.Sprintf("Wrote %s (sha256 %s).", o.Path, o.SHA256)
				}
			}
		}
		steps = append(steps, rs)
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return reportTemplate.Execute(w, map[string]any{
		"Name": name, "Version": m.Tool.Version, "Seed": m.Seed, "Steps": steps, "Manifest": string(mj),
	})
}

// fillFromJSON reads a step's JSON result into the report: the estimates
// table and the scalar diagnostics.
func fillFromJSON(rs *reportStep, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r struct {
		Command     string           `json:"command"`
		Method      string           `json:"method"`
		Estimates   []map[string]any `json:"estimates"`
		Diagnostics map[string]any   `json:"diagnostics"`
		N           any              `json:"n"`
		Bandwidth   map[string]any   `json:"bandwidth"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	rs.Title = r.Command + " (" + r.Method + ")"
	rs.Columns = []string{"term", "estimate", "std. error", "statistic", "p-value", "conf. low", "conf. high"}
	keys := []string{"term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"}
	for _, e := range r.Estimates {
		row := make([]string, len(keys))
		for i, k := range keys {
			row[i] = reportValue(e[k])
		}
		rs.Rows = append(rs.Rows, row)
	}
	add := func(k string, v any) {
		s, err := json.Marshal(v)
		if err == nil {
			rs.Diagnostics = append(rs.Diagnostics, reportKV{k, string(s)})
		}
	}
	add("n", r.N)
	if r.Bandwidth != nil {
		add("bandwidth", r.Bandwidth)
	}
	ks := make([]string, 0, len(r.Diagnostics))
	for k := range r.Diagnostics {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		add(k, r.Diagnostics[k])
	}
	return nil
}

func reportValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return fmt.Sprintf("%.0f", x)
		}
		return fmt.Sprintf("%.6g", x)
	}
	return fmt.Sprint(v)
}
