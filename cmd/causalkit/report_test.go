package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// chromiumArgs are the flags under which headless Chromium works on this
// kind of machine (no sandbox as root, no network).
var chromiumArgs = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"}

// TestReportHTML runs the Card example and checks report.html: it holds
// every step's table and the manifest, and, when Chromium is installed
// (.ci/run installs it), renders headless to a DOM with every table and to
// a non-empty screenshot.
func TestReportHTML(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := runCLI(t, "run", "../../examples/card.toml", "--out", out, "--quiet"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{`id="ols"`, `id="tsls"`, `id="liml"`, "educ", "first_stage", "<h2>Manifest</h2>", "sha256"} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	checkRendered(t, out, 6)
}

// checkRendered renders DIR/report.html in headless Chromium, when it is
// installed (.ci/run installs it), and checks the DOM has at least
// minTables tables and the screenshot is not nearly empty.
func checkRendered(t *testing.T, out string, minTables int) {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed; .ci/run installs it")
	}
	profile := t.TempDir()
	url := "file://" + filepath.Join(out, "report.html")
	dom, err := exec.Command(chrome, append(chromiumArgs, "--user-data-dir="+profile, "--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	if n := strings.Count(string(dom), "<table"); n < minTables {
		t.Errorf("rendered DOM has %d tables, want at least %d", n, minTables)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	if err := exec.Command(chrome, append(chromiumArgs, "--user-data-dir="+profile, "--window-size=1200,1600",
		"--screenshot="+shot, url)...).Run(); err != nil {
		t.Fatalf("chromium --screenshot: %v", err)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 20_000 {
		t.Errorf("screenshot missing or nearly empty: %v", err)
	}
}

// TestExamples runs every analysis file in examples/ and verifies its
// manifest, as a user would.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.toml")
	if err != nil || len(files) < 4 {
		t.Fatalf("examples: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out := t.TempDir()
			if code, _, stderr := runCLI(t, "run", f, "--out", out, "--quiet"); code != 0 {
				t.Fatalf("run: %s", stderr)
			}
			if code, stdout, stderr := runCLI(t, "verify", filepath.Join(out, "manifest.json")); code != 0 || !strings.Contains(stdout, "verified") {
				t.Errorf("verify: exit %d: %s%s", code, stdout, stderr)
			}
			// The guides' figures are this example's outputs, byte for byte.
			name := strings.TrimSuffix(filepath.Base(f), ".toml")
			figs, _ := filepath.Glob("../../docs/figures/" + name + "_*")
			for _, fig := range figs {
				want, err := os.ReadFile(fig)
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(out, strings.TrimPrefix(filepath.Base(fig), name+"_")))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s is not what the example draws (%v); copy the new figure there", fig, err)
				}
			}
			checkRendered(t, out, 2)
		})
	}
}

// TestGuideFigures checks that every figure a guide shows exists and comes
// from an example (TestExamples compares the bytes).
func TestGuideFigures(t *testing.T) {
	guides, _ := filepath.Glob("../../docs/*.md")
	re := regexp.MustCompile(`\]\((figures/[^)]+)\)`)
	n := 0
	for _, g := range guides {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			fig := filepath.Join("../../docs", m[1])
			example, _, _ := strings.Cut(filepath.Base(fig), "_")
			if _, err := os.Stat(fig); err != nil {
				t.Errorf("%s shows %s: %v", filepath.Base(g), m[1], err)
			}
			if _, err := os.Stat(filepath.Join("../../examples", example+".toml")); err != nil {
				t.Errorf("%s: no example %s.toml draws it", m[1], example)
			}
		}
	}
	if n == 0 {
		t.Error("no figures found in the guides")
	}
}
