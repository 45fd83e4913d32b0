package main

import (
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// templater turns an object into template text. The object's fields that
// values decide are set to placeholder tokens first; after the object is
// marshalled, each token's line is rewritten into its template expression,
// at the indentation the marshaller gave it.
type templater struct {
	exprs []func(indent int) string
}

// Three kinds of token:
//   - a scalar, replaced where it stands by an inline expression;
//   - a block, the whole value of a key: the key stays and the expression
//     follows on the next lines (lists, maps);
//   - a line, a map entry whose whole line is replaced (labels, fields
//     that exist only for some values).
var (
	scalarToken = regexp.MustCompile(`__S([0-9]+)__`)
	blockToken  = regexp.MustCompile(`^( *)([^ ].*): __B([0-9]+)__$`)
	lineToken   = regexp.MustCompile(`^( *)(- )?__L([0-9]+)__: ""$`)
)

func (t *templater) add(f func(int) string) int {
	t.exprs = append(t.exprs, f)
	return len(t.exprs) - 1
}

// scalar stands for expr where a string value goes.
func (t *templater) scalar(expr string) string {
	return fmt.Sprintf("__S%d__", t.add(func(int) string { return expr }))
}

// block stands for the value of a key; f gets the key's indentation.
func (t *templater) block(f func(indent int) string) string {
	return fmt.Sprintf("__B%d__", t.add(f))
}

// line is a map key whose entry f replaces; f gets the entry's indentation.
func (t *templater) line(f func(indent int) string) string {
	return fmt.Sprintf("__L%d__", t.add(f))
}

// render marshals obj and rewrites its tokens.
func (t *templater) render(obj map[string]any) (string, error) {
	data, err := yaml.Marshal(obj)
	if err != nil {
		return "", err
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if m := lineToken.FindStringSubmatch(l); m != nil {
			if m[2] != "" {
				return "", fmt.Errorf("line token as a list item: %q", l)
			}
			out = append(out, t.expr(m[3], len(m[1])))
			continue
		}
		if m := blockToken.FindStringSubmatch(l); m != nil {
			indent := len(m[1])
			if strings.HasPrefix(m[2], "- ") {
				indent += 2 // the first key of a list item
			}
			out = append(out, m[1]+m[2]+":"+t.expr(m[3], indent))
			continue
		}
		out = append(out, scalarToken.ReplaceAllStringFunc(l, func(tok string) string {
			return t.expr(scalarToken.FindStringSubmatch(tok)[1], 0)
		}))
	}
	joined := strings.Join(out, "\n")
	if strings.Contains(joined, "__S") || strings.Contains(joined, "__B") || strings.Contains(joined, "__L") {
		return "", fmt.Errorf("a placeholder was left in the output (the marshaller quoted or folded it):\n%s", joined)
	}
	return joined + "\n", nil
}

func (t *templater) expr(index string, indent int) string {
	var i int
	_, _ = fmt.Sscan(index, &i)
	return t.exprs[i](indent)
}

// escapeActions makes a string that holds template actions of its own (a
// Prometheus alert's {{ $labels.x }}) come out of helm's template engine
// unchanged: each "{{" becomes an action that prints "{{". A raw string
// needs no quotes, which YAML might escape.
func escapeActions(s string) string {
	return strings.ReplaceAll(s, "{{", "{{`{{`}}")
}

// indentLines puts n spaces before every line of text.
func indentLines(text string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "{{-") {
			lines[i] = pad + strings.TrimSpace(l)
			continue
		}
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n")
}
