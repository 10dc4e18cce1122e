package invariance

import (
	"strconv"
	"strings"

	"github.com/causalkit/causalkit/estimators"
)

// gmlValue is a GML value: a scalar (text) or a list of key-value pairs.
type gmlValue struct {
	text  string
	list  []gmlPair
	isLst bool
	line  int
}

type gmlPair struct {
	key string
	val gmlValue
}

func gmlErr(line int, format string, args ...any) error {
	return estimators.InputErrorf("graph: GML line %d: "+format, append([]any{line}, args...)...)
}

type gmlParser struct {
	src   string
	i     int
	line  int
	depth int
}

// parseGML reads graph [ directed 1 node [ id … label "…" ] edge [ source …
// target … ] ]. A node's name is its label (or name), else its id.
func parseGML(data []byte) ([]string, []Edge, error) {
	p := &gmlParser{src: string(data), line: 1}
	top, err := p.list(false)
	if err != nil {
		return nil, nil, err
	}
	var graph *gmlValue
	for k := range top {
		if top[k].key == "graph" && top[k].val.isLst {
			if graph != nil {
				return nil, nil, gmlErr(top[k].val.line, "more than one graph")
			}
			graph = &top[k].val
		}
	}
	if graph == nil {
		return nil, nil, gmlErr(1, "no graph [ … ] block")
	}
	directed := false
	ids := map[string]string{}
	var nodes []string
	var edges []Edge
	type rawEdge struct {
		s, t string
		line int
	}
	var raw []rawEdge
	for _, kv := range graph.list {
		switch kv.key {
		case "directed":
			directed = kv.val.text == "1"
		case "node":
			if !kv.val.isLst {
				return nil, nil, gmlErr(kv.val.line, "node must be a list [ … ]")
			}
			id, name := "", ""
			for _, f := range kv.val.list {
				switch f.key {
				case "id":
					id = f.val.text
				case "label", "name":
					if name == "" {
						name = f.val.text
					}
				}
			}
			if id == "" {
				return nil, nil, gmlErr(kv.val.line, "node without an id")
			}
			if name == "" {
				name = id
			}
			if _, dup := ids[id]; dup {
				return nil, nil, gmlErr(kv.val.line, "duplicate node id %s", id)
			}
			ids[id] = name
			nodes = append(nodes, name)
		case "edge":
			if !kv.val.isLst {
				return nil, nil, gmlErr(kv.val.line, "edge must be a list [ … ]")
			}
			var e rawEdge
			e.line = kv.val.line
			for _, f := range kv.val.list {
				switch f.key {
				case "source":
					e.s = f.val.text
				case "target":
					e.t = f.val.text
				}
			}
			raw = append(raw, e)
		}
	}
	if !directed {
		return nil, nil, gmlErr(graph.line, "the graph is not marked \"directed 1\"; a causal graph must be directed")
	}
	for _, e := range raw {
		s, ok1 := ids[e.s]
		t, ok2 := ids[e.t]
		if !ok1 || !ok2 {
			return nil, nil, gmlErr(e.line, "edge between unknown node ids %q and %q", e.s, e.t)
		}
		edges = append(edges, Edge{s, t})
	}
	seen := map[string]bool{}
	for _, v := range nodes {
		if seen[v] {
			return nil, nil, estimators.InputErrorf("graph: GML has two nodes labelled %q", v)
		}
		seen[v] = true
	}
	return nodes, edges, nil
}

// list parses key-value pairs up to ']' (nested) or the end (top level).
func (p *gmlParser) list(nested bool) ([]gmlPair, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, gmlErr(p.line, "lists nested more than %d deep", maxDepth)
	}
	defer func() { p.depth-- }()
	var out []gmlPair
	for {
		p.space()
		if p.i >= len(p.src) {
			if nested {
				return nil, gmlErr(p.line, "missing ']'")
			}
			return out, nil
		}
		if p.src[p.i] == ']' {
			if !nested {
				return nil, gmlErr(p.line, "unexpected ']'")
			}
			p.i++
			return out, nil
		}
		key := p.word()
		if key == "" {
			return nil, gmlErr(p.line, "expected a key, found %q", p.src[p.i])
		}
		p.space()
		if p.i >= len(p.src) {
			return nil, gmlErr(p.line, "key %s has no value", key)
		}
		v := gmlValue{line: p.line}
		switch c := p.src[p.i]; {
		case c == '[':
			p.i++
			l, err := p.list(true)
			if err != nil {
				return nil, err
			}
			v.list, v.isLst = l, true
		case c == '"':
			end := strings.IndexByte(p.src[p.i+1:], '"')
			if end < 0 {
				return nil, gmlErr(p.line, "unterminated string")
			}
			s := p.src[p.i+1 : p.i+1+end]
			p.line += strings.Count(s, "\n")
			v.text = htmlUnescape(s)
			p.i += end + 2
		default:
			w := p.number()
			if w == "" {
				return nil, gmlErr(p.line, "key %s: expected a number, a string or a list", key)
			}
			v.text = w
		}
		out = append(out, gmlPair{key, v})
	}
}

func (p *gmlParser) space() {
	for p.i < len(p.src) {
		switch c := p.src[p.i]; {
		case c == '\n':
			p.line++
			p.i++
		case c == ' ' || c == '\t' || c == '\r':
			p.i++
		case c == '#':
			for p.i < len(p.src) && p.src[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *gmlParser) word() string {
	j := p.i
	for j < len(p.src) {
		c := p.src[j]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (j > p.i && c >= '0' && c <= '9') {
			j++
			continue
		}
		break
	}
	w := p.src[p.i:j]
	p.i = j
	return w
}

func (p *gmlParser) number() string {
	j := p.i
	for j < len(p.src) && strings.IndexByte("+-.0123456789eE", p.src[j]) >= 0 {
		j++
	}
	w := p.src[p.i:j]
	if _, err := strconv.ParseFloat(w, 64); err != nil {
		return ""
	}
	p.i = j
	return w
}

// htmlUnescape decodes the character entities networkx writes in GML
// strings (&amp; &quot; &#NN;).
func htmlUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	r := strings.NewReplacer("&amp;", "&", "&quot;", "\"", "&lt;", "<", "&gt;", ">", "&#34;", "\"", "&#38;", "&")
	return r.Replace(s)
}
