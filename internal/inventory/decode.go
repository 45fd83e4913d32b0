package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// Warning is an input document or item that was skipped.
type Warning struct {
	// Where locates it: "items[12]", "document 2", "document 2, items[3]".
	Where string
	// Kind, Namespace and Name are what could be read of it, if anything.
	Kind      string
	Namespace string
	Name      string
	// Err says what is wrong with it.
	Err error
}

func (w Warning) String() string {
	var b strings.Builder
	b.WriteString("skipping ")
	b.WriteString(w.Where)
	if w.Kind != "" || w.Name != "" {
		b.WriteString(" (")
		b.WriteString(nonEmpty(w.Kind, "unknown kind"))
		b.WriteByte(' ')
		if w.Namespace != "" {
			b.WriteString(w.Namespace + "/")
		}
		b.WriteString(nonEmpty(w.Name, "without a name"))
		b.WriteByte(')')
	}
	b.WriteString(": ")
	b.WriteString(w.Err.Error())
	return b.String()
}

// Read decodes a dump: a v1 List (or any *List with items), a single
// object, a JSON array of objects, or a stream of them as concatenated
// JSON or YAML documents separated by "---". Items of kinds the engine does
// not read are ignored; an item that cannot be decoded is skipped with a
// Warning naming it. The error is for input that cannot be read at all.
func Read(r io.Reader) (*Inventory, []Warning, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read input: %w", err)
	}
	var docs []json.RawMessage
	var warnings []Warning
	jsonStream := isJSONStream(data)
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var doc json.RawMessage
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			warnings = append(warnings, Warning{Where: fmt.Sprintf("document %d", len(docs)+1), Err: err})
			if jsonStream {
				// A JSON decoder cannot find the next document after a
				// syntax error; keep what was read before it.
				break
			}
			docs = append(docs, nil)
			continue
		}
		docs = append(docs, doc)
	}

	inv := New()
	d := decoder{inv: inv, codec: scheme.Codecs.UniversalDeserializer()}
	for i, doc := range docs {
		if doc == nil {
			continue
		}
		where := ""
		if len(docs) > 1 {
			where = fmt.Sprintf("document %d", i+1)
		}
		d.item(doc, where, 0)
	}
	return inv, append(warnings, d.warnings...), nil
}

// isJSONStream says whether the decoder reads data as JSON (it does when
// the first non-space byte opens an object) rather than YAML.
func isJSONStream(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// maxNesting bounds Lists inside Lists.
const maxNesting = 8

type decoder struct {
	inv      *Inventory
	codec    runtime.Decoder
	warnings []Warning
}

// header is what is read of an item before decoding it, leniently, to name
// it in a warning.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Items []json.RawMessage `json:"items"`
}

func (d *decoder) warn(where string, h *header, err error) {
	if where == "" {
		where = "the input"
	}
	w := Warning{Where: where, Err: err}
	if h != nil {
		w.Kind, w.Namespace, w.Name = h.Kind, h.Metadata.Namespace, h.Metadata.Name
	}
	d.warnings = append(d.warnings, w)
}

// item decodes one document or list item; where locates it.
func (d *decoder) item(raw json.RawMessage, where string, depth int) {
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")):
		return // an empty YAML document
	case trimmed[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			d.warn(where, nil, err)
			return
		}
		d.items(items, where, depth)
		return
	case trimmed[0] != '{':
		d.warn(where, nil, errors.New("not an object"))
		return
	}

	h := readHeader(trimmed)
	if strings.HasSuffix(h.Kind, "List") && h.Items != nil {
		d.items(h.Items, where, depth)
		return
	}
	obj, _, err := d.codec.Decode(trimmed, nil, nil)
	switch {
	case runtime.IsNotRegisteredError(err):
		return // a kind the engine does not read
	case runtime.IsMissingKind(err):
		d.warn(where, &h, errors.New("kind is missing"))
		return
	case runtime.IsMissingVersion(err):
		d.warn(where, &h, errors.New("apiVersion is missing"))
		return
	case err != nil:
		d.warn(where, &h, err)
		return
	}
	if ev, ok := obj.(*eventsv1.Event); ok {
		obj = coreEvent(ev)
	}
	if !readKind(obj) {
		return
	}
	if h.Metadata.Name == "" {
		d.warn(where, &h, errors.New("metadata.name is empty"))
		return
	}
	d.inv.Add(obj)
}

func (d *decoder) items(items []json.RawMessage, where string, depth int) {
	if depth >= maxNesting {
		d.warn(where, nil, errors.New("lists nested too deep"))
		return
	}
	for i, it := range items {
		d.item(it, itemWhere(where, i), depth+1)
	}
}

// itemWhere locates item i of the list at where: "items[3]",
// "document 2, items[3]", or "items[3].items[1]" inside a nested list.
func itemWhere(where string, i int) string {
	loc := fmt.Sprintf("items[%d]", i)
	switch {
	case where == "":
		return loc
	case strings.HasSuffix(where, "]"):
		return where + "." + loc
	default:
		return where + ", " + loc
	}
}

// readHeader reads what it can of an item's kind and name; fields of the
// wrong type are left empty.
func readHeader(raw []byte) header {
	var h header
	if json.Unmarshal(raw, &h) == nil {
		return h
	}
	var loose map[string]json.RawMessage
	if json.Unmarshal(raw, &loose) != nil {
		return header{}
	}
	_ = json.Unmarshal(loose["apiVersion"], &h.APIVersion)
	_ = json.Unmarshal(loose["kind"], &h.Kind)
	_ = json.Unmarshal(loose["items"], &h.Items)
	var meta map[string]json.RawMessage
	if json.Unmarshal(loose["metadata"], &meta) == nil {
		_ = json.Unmarshal(meta["name"], &h.Metadata.Name)
		_ = json.Unmarshal(meta["namespace"], &h.Metadata.Namespace)
	}
	return h
}

// coreEvent reads an events.k8s.io event as the core/v1 event the API
// server serves for it (the fields the engine reads).
func coreEvent(e *eventsv1.Event) *corev1.Event {
	out := &corev1.Event{
		ObjectMeta:          e.ObjectMeta,
		InvolvedObject:      e.Regarding,
		Reason:              e.Reason,
		Message:             e.Note,
		Source:              e.DeprecatedSource,
		FirstTimestamp:      e.DeprecatedFirstTimestamp,
		LastTimestamp:       e.DeprecatedLastTimestamp,
		Count:               e.DeprecatedCount,
		Type:                e.Type,
		EventTime:           e.EventTime,
		Action:              e.Action,
		Related:             e.Related,
		ReportingController: e.ReportingController,
		ReportingInstance:   e.ReportingInstance,
	}
	if e.Series != nil {
		out.Series = &corev1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
