package invariance

import (
	"encoding/json"
	"fmt"

	"github.com/causalkit/causalkit/estimators"
)

// parseJSON reads a JSON edge list in one of these shapes:
//
//	[["Y", "X1"], ["X1", "X3"]]
//	[{"from": "Y", "to": "X1"}]                       (or "source"/"target")
//	{"nodes": ["Y", "X1", "E"], "edges": [...]}       ("links" is accepted for "edges";
//	                                                   nodes may be {"id": …} objects)
//
// An object with "directed": false is rejected.
func parseJSON(data []byte) ([]string, []Edge, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, nil, estimators.InputErrorf("graph: JSON: %v", err)
	}
	switch t := v.(type) {
	case []any:
		edges, err := jsonEdges(t)
		return nil, edges, err
	case map[string]any:
		if d, ok := t["directed"]; ok && d == false {
			return nil, nil, estimators.InputErrorf("graph: JSON: \"directed\" is false; a causal graph must be directed")
		}
		var nodes []string
		if raw, ok := t["nodes"]; ok {
			list, ok := raw.([]any)
			if !ok {
				return nil, nil, estimators.InputErrorf("graph: JSON: \"nodes\" must be a list")
			}
			for k, n := range list {
				name, err := jsonName(n)
				if err != nil {
					return nil, nil, estimators.InputErrorf("graph: JSON: node %d: %v", k+1, err)
				}
				nodes = append(nodes, name)
			}
		}
		raw, ok := t["edges"]
		if !ok {
			raw, ok = t["links"]
		}
		if !ok {
			if nodes == nil {
				return nil, nil, estimators.InputErrorf("graph: JSON: no \"edges\" list")
			}
			return nodes, nil, nil
		}
		list, ok := raw.([]any)
		if !ok {
			return nil, nil, estimators.InputErrorf("graph: JSON: \"edges\" must be a list")
		}
		edges, err := jsonEdges(list)
		return nodes, edges, err
	}
	return nil, nil, estimators.InputErrorf("graph: JSON: expected a list of edges or an object with \"edges\"")
}

func jsonEdges(list []any) ([]Edge, error) {
	edges := make([]Edge, 0, len(list))
	for k, e := range list {
		var a, b any
		switch t := e.(type) {
		case []any:
			if len(t) != 2 {
				return nil, estimators.InputErrorf("graph: JSON: edge %d has %d entries; give [from, to]", k+1, len(t))
			}
			a, b = t[0], t[1]
		case map[string]any:
			var ok1, ok2 bool
			if a, ok1 = t["from"]; !ok1 {
				a, ok1 = t["source"]
			}
			if b, ok2 = t["to"]; !ok2 {
				b, ok2 = t["target"]
			}
			if !ok1 || !ok2 {
				return nil, estimators.InputErrorf("graph: JSON: edge %d needs \"from\" and \"to\" (or \"source\" and \"target\")", k+1)
			}
		default:
			return nil, estimators.InputErrorf("graph: JSON: edge %d must be [from, to] or an object", k+1)
		}
		from, err := jsonName(a)
		if err != nil {
			return nil, estimators.InputErrorf("graph: JSON: edge %d: %v", k+1, err)
		}
		to, err := jsonName(b)
		if err != nil {
			return nil, estimators.InputErrorf("graph: JSON: edge %d: %v", k+1, err)
		}
		edges = append(edges, Edge{from, to})
	}
	return edges, nil
}

// jsonName accepts a string, a number, or an object with "id", "name" or
// "label".
func jsonName(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case float64:
		return fmt.Sprint(t), nil
	case map[string]any:
		for _, k := range []string{"name", "label", "id"} {
			if s, ok := t[k]; ok {
				return jsonName(s)
			}
		}
	}
	return "", fmt.Errorf("a node must be a name (string)")
}
