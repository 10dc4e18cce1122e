package estimators

import "runtime"

// Provenance records what produced a result, so that it can be reproduced
// and checked: the tool version, the Go version and platform (floating-point
// results are bit-identical per platform and Go version), the options, the
// seed of every random draw, and the input data.
type Provenance struct {
	Version   string         `json:"version"`
	GoVersion string         `json:"go_version"`
	Platform  string         `json:"platform"`
	Seed      uint64         `json:"seed"`
	Options   map[string]any `json:"options"`
	Input     *Input         `json:"input,omitempty"`
}

// Input describes an input table: its path, the sha256 of its bytes, its
// row count, and how many rows the estimate used after rows with missing
// values were dropped.
type Input struct {
	Path    string `json:"path"`
	SHA256  string `json:"sha256"`
	Rows    int    `json:"rows"`
	Used    int    `json:"used"`
	Dropped int    `json:"dropped"`
}

// NewProvenance returns a Provenance for the running binary.
func NewProvenance(version string, seed uint64, options map[string]any) Provenance {
	return Provenance{
		Version:   version,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		Seed:      seed,
		Options:   options,
	}
}
