package invariance

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/causalkit/causalkit/estimators"
)

// dotToken is a DOT token: an ID (kind 'i'; quoted and HTML strings
// included) or punctuation ({ } [ ] ; , = : and the edge operators "->" and
// "--", kind 'p').
type dotToken struct {
	kind byte
	text string
	line int
}

func dotErr(line int, format string, args ...any) error {
	return estimators.InputErrorf("graph: DOT line %d: "+format, append([]any{line}, args...)...)
}

// lexDOT splits DOT text into tokens, dropping comments (//, /* */, and lines
// starting with #).
func lexDOT(src string) ([]dotToken, error) {
	var toks []dotToken
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#' && (i == 0 || src[i-1] == '\n'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, dotErr(line, "unterminated comment")
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case strings.HasPrefix(src[i:], "->") || strings.HasPrefix(src[i:], "--"):
			toks = append(toks, dotToken{'p', src[i : i+2], line})
			i += 2
		case strings.ContainsRune("{}[];,=:", rune(c)):
			toks = append(toks, dotToken{'p', string(c), line})
			i++
		case c == '"':
			var b strings.Builder
			start := line
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				switch {
				case src[j] == '\\' && j+1 < len(src) && src[j+1] == '"':
					b.WriteByte('"')
					j++
				case src[j] == '\\' && j+1 < len(src) && src[j+1] == '\n':
					line++
					j++
				default:
					if src[j] == '\n' {
						line++
					}
					b.WriteByte(src[j])
				}
			}
			if j >= len(src) {
				return nil, dotErr(start, "unterminated string")
			}
			toks = append(toks, dotToken{'i', b.String(), start})
			i = j + 1
		case c == '<':
			depth, j := 0, i
			for ; j < len(src); j++ {
				if src[j] == '<' {
					depth++
				} else if src[j] == '>' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			if j >= len(src) {
				return nil, dotErr(line, "unterminated HTML string")
			}
			toks = append(toks, dotToken{'i', src[i+1 : j], line})
			line += strings.Count(src[i:j], "\n")
			i = j + 1
		default:
			j := i
			for j < len(src) {
				r, size := utf8.DecodeRuneInString(src[j:])
				if r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) || (r == '-' && j == i) {
					j += size
					continue
				}
				break
			}
			if j == i {
				return nil, dotErr(line, "unexpected character %q", src[i])
			}
			toks = append(toks, dotToken{'i', src[i:j], line})
			i = j
		}
	}
	return toks, nil
}

// dotParser is a recursive-descent parser of the DOT grammar; it collects
// nodes and directed edges and ignores attributes.
type dotParser struct {
	toks  []dotToken
	pos   int
	nodes []string
	seen  map[string]bool
	edges []Edge
	depth int
}

func parseDOT(data []byte) ([]string, []Edge, error) {
	toks, err := lexDOT(string(data))
	if err != nil {
		return nil, nil, err
	}
	p := &dotParser{toks: toks, seen: map[string]bool{}}
	if p.keyword("strict") {
		p.pos++
	}
	switch {
	case p.keyword("digraph"):
		p.pos++
	case p.keyword("graph"):
		return nil, nil, dotErr(p.line(), "undirected graph; a causal graph must be a digraph with -> edges")
	default:
		return nil, nil, dotErr(p.line(), "expected \"digraph\"")
	}
	if p.peek().kind == 'i' {
		p.pos++
	}
	if _, err := p.block(); err != nil {
		return nil, nil, err
	}
	if p.pos < len(p.toks) {
		return nil, nil, dotErr(p.line(), "unexpected %q after the closing brace", p.peek().text)
	}
	return p.nodes, p.edges, nil
}

func (p *dotParser) peek() dotToken {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return dotToken{kind: 0, line: p.line()}
}

func (p *dotParser) line() int {
	switch {
	case p.pos < len(p.toks):
		return p.toks[p.pos].line
	case len(p.toks) > 0:
		return p.toks[len(p.toks)-1].line
	}
	return 1
}

func (p *dotParser) is(punct string) bool {
	t := p.peek()
	return t.kind == 'p' && t.text == punct
}

func (p *dotParser) keyword(k string) bool {
	t := p.peek()
	return t.kind == 'i' && strings.EqualFold(t.text, k)
}

func (p *dotParser) expect(punct string) error {
	if !p.is(punct) {
		if p.pos >= len(p.toks) {
			return dotErr(p.line(), "expected %q, found the end of the file", punct)
		}
		return dotErr(p.line(), "expected %q, found %q", punct, p.peek().text)
	}
	p.pos++
	return nil
}

func (p *dotParser) addNode(v string) {
	if !p.seen[v] {
		p.seen[v] = true
		p.nodes = append(p.nodes, v)
	}
}

// block parses '{' stmt_list '}' and returns the nodes mentioned inside.
func (p *dotParser) block() ([]string, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, dotErr(p.line(), "subgraphs nested more than %d deep", maxDepth)
	}
	defer func() { p.depth-- }()
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var inside []string
	for !p.is("}") {
		if p.pos >= len(p.toks) {
			return nil, dotErr(p.line(), "missing closing brace")
		}
		vs, err := p.stmt()
		if err != nil {
			return nil, err
		}
		inside = append(inside, vs...)
		if p.is(";") || p.is(",") {
			p.pos++
		}
	}
	p.pos++
	return inside, nil
}

// stmt parses one statement and returns the nodes it mentions.
func (p *dotParser) stmt() ([]string, error) {
	if p.keyword("graph") || p.keyword("node") || p.keyword("edge") {
		p.pos++
		return nil, p.attrs()
	}
	t := p.peek()
	if t.kind == 'i' && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "=" && p.toks[p.pos+1].kind == 'p' {
		p.pos += 2
		if p.peek().kind != 'i' {
			return nil, dotErr(p.line(), "expected a value after '='")
		}
		p.pos++
		return nil, nil
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	all := append([]string(nil), left...)
	for p.is("->") || p.is("--") {
		if p.is("--") {
			return nil, dotErr(p.line(), "undirected edge '--'; use '->'")
		}
		p.pos++
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		for _, a := range left {
			for _, b := range right {
				p.edges = append(p.edges, Edge{a, b})
			}
		}
		all = append(all, right...)
		left = right
	}
	return all, p.attrs()
}

// operand parses a node ID (with an optional port) or a subgraph.
func (p *dotParser) operand() ([]string, error) {
	if p.keyword("subgraph") {
		p.pos++
		if p.peek().kind == 'i' {
			p.pos++
		}
		return p.block()
	}
	if p.is("{") {
		return p.block()
	}
	t := p.peek()
	if t.kind != 'i' {
		if t.kind == 0 {
			return nil, dotErr(p.line(), "unexpected end of the file")
		}
		return nil, dotErr(t.line, "expected a node name, found %q", t.text)
	}
	p.pos++
	for i := 0; i < 2 && p.is(":"); i++ { // port: ID [':' compass]
		p.pos++
		if p.peek().kind != 'i' {
			return nil, dotErr(p.line(), "expected a port name after ':'")
		}
		p.pos++
	}
	p.addNode(t.text)
	return []string{t.text}, nil
}

// attrs skips zero or more attribute lists [a=b, c=d; …].
func (p *dotParser) attrs() error {
	for p.is("[") {
		p.pos++
		for !p.is("]") {
			t := p.peek()
			if t.kind == 0 {
				return dotErr(p.line(), "missing ']'")
			}
			if t.kind == 'p' && t.text != "=" && t.text != "," && t.text != ";" {
				return dotErr(t.line, "unexpected %q in an attribute list", t.text)
			}
			p.pos++
		}
		p.pos++
	}
	return nil
}
