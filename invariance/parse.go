package invariance

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/causalkit/causalkit/estimators"
)

// GraphFormat names a graph file format.
type GraphFormat string

// The graph file formats ParseGraph reads.
const (
	FormatAuto GraphFormat = ""     // detect from the content
	FormatDOT  GraphFormat = "dot"  // Graphviz digraph
	FormatGML  GraphFormat = "gml"  // GML as written by networkx
	FormatJSON GraphFormat = "json" // JSON edge list
)

// maxDepth bounds the nesting of subgraphs and lists in graph files.
const maxDepth = 64

// FormatFromPath returns the format of a graph file from its extension
// (.dot/.gv, .gml, .json), or FormatAuto.
func FormatFromPath(path string) GraphFormat {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".dot", ".gv":
		return FormatDOT
	case ".gml":
		return FormatGML
	case ".json":
		return FormatJSON
	}
	return FormatAuto
}

// ParseGraph reads a DAG in the given format (FormatAuto: JSON if the text
// starts with '{' or '[', GML if its first word is "graph" followed by '[',
// DOT otherwise) and validates it (see NewGraph). Errors are input errors
// that name the line where the text is malformed.
func ParseGraph(data []byte, format GraphFormat) (*Graph, error) {
	if format == FormatAuto {
		format = sniff(data)
	}
	var nodes []string
	var edges []Edge
	var err error
	switch format {
	case FormatDOT:
		nodes, edges, err = parseDOT(data)
	case FormatGML:
		nodes, edges, err = parseGML(data)
	case FormatJSON:
		nodes, edges, err = parseJSON(data)
	default:
		return nil, estimators.InputErrorf("graph: unknown format %q; use dot, gml or json", format)
	}
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 && len(edges) == 0 {
		return nil, estimators.InputErrorf("graph: the %s file has no nodes", format)
	}
	return NewGraph(nodes, edges)
}

func sniff(data []byte) GraphFormat {
	t := bytes.TrimSpace(data)
	for bytes.HasPrefix(t, []byte("#")) { // GML comment lines
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			t = bytes.TrimSpace(t[i+1:])
		} else {
			t = nil
		}
	}
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return FormatJSON
	}
	if rest, ok := bytes.CutPrefix(t, []byte("graph")); ok && bytes.HasPrefix(bytes.TrimSpace(rest), []byte("[")) {
		return FormatGML
	}
	return FormatDOT
}
