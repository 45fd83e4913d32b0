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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// Warning is an object of the input that was skipped: its kind and
// apiVersion were read, its fields do not decode into its type.
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
	return "skipping " + locate(w.Where, w.Kind, w.Namespace, w.Name) + ": " + w.Err.Error()
}

// InputError is input that cannot be read as a dump at all: it is not JSON
// or YAML, it ends inside a document, or a document or List item is not an
// object with a kind and an apiVersion. Retrying or skipping cannot fix it,
// and what was read before it is not the whole dump.
type InputError struct {
	// Where locates the document: "document 2", "items[3]",
	// "document 2, items[3]".
	Where string
	// Kind, Namespace and Name are what could be read of it, if anything.
	Kind      string
	Namespace string
	Name      string
	// Err says what is wrong with it.
	Err error
}

func (e *InputError) Error() string {
	return locate(e.Where, e.Kind, e.Namespace, e.Name) + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// locate names a document or item: where it is and, in parentheses, what
// could be read of its kind and name.
func locate(where, kind, namespace, name string) string {
	var b strings.Builder
	b.WriteString(where)
	if kind != "" || name != "" {
		b.WriteString(" (")
		b.WriteString(nonEmpty(kind, "unknown kind"))
		b.WriteByte(' ')
		if namespace != "" {
			b.WriteString(namespace + "/")
		}
		b.WriteString(nonEmpty(name, "without a name"))
		b.WriteByte(')')
	}
	return b.String()
}

// Read decodes a dump: a v1 List (or any *List with items), a single
// object, a JSON array of objects, or a stream of them as concatenated
// JSON or YAML documents separated by "---".
//
// Documents are read all or nothing: input that is not JSON or YAML (a
// syntax error, a file cut short), or a document or List item that is not
// an object with a kind and an apiVersion, returns an *InputError naming
// the document and no inventory. Past that, an object is read alone, as
// the controller's informers do: one whose fields do not decode into its
// type (a string where a number goes) or that has no name is skipped with
// a Warning naming it, and objects of kinds the engine does not read are
// ignored.
func Read(r io.Reader) (*Inventory, []Warning, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read input: %w", err)
	}
	var docs []json.RawMessage
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var doc json.RawMessage
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("the input ends inside it: is the file truncated?")
		}
		if err != nil {
			return nil, nil, &InputError{Where: documentWhere(len(docs)), Err: err}
		}
		docs = append(docs, doc)
	}

	inv := New()
	d := decoder{inv: inv, codec: scheme.Codecs.UniversalDeserializer()}
	for i, doc := range docs {
		where := ""
		if len(docs) > 1 {
			where = documentWhere(i)
		}
		if err := d.item(doc, where, 0); err != nil {
			return nil, nil, err
		}
	}
	return inv, d.warnings, nil
}

// documentWhere locates the document of index i of a stream.
func documentWhere(i int) string {
	return fmt.Sprintf("document %d", i+1)
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
	// itemsNotAList says that items is there but not a list.
	itemsNotAList bool
}

func (d *decoder) warn(where string, h *header, err error) {
	d.warnings = append(d.warnings, Warning{
		Where: documentOr(where), Err: err,
		Kind: h.Kind, Namespace: h.Metadata.Namespace, Name: h.Metadata.Name,
	})
}

// fail is the error for a document or item that is not an object the
// dump can hold; h is what could be read of it, if anything.
func fail(where string, h *header, err error) error {
	e := &InputError{Where: documentOr(where), Err: err}
	if h != nil {
		e.Kind, e.Namespace, e.Name = h.Kind, h.Metadata.Namespace, h.Metadata.Name
	}
	return e
}

// documentOr locates the only document of the input as "document 1".
func documentOr(where string) string {
	if where == "" {
		return documentWhere(0)
	}
	return where
}

// item decodes one document or list item; where locates it. The error is
// an *InputError; an object that decodes badly is a warning.
func (d *decoder) item(raw json.RawMessage, where string, depth int) error {
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")):
		return nil // an empty YAML document
	case trimmed[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return fail(where, nil, err)
		}
		return d.items(items, where, depth)
	case trimmed[0] != '{':
		return fail(where, nil, fmt.Errorf("not an object but %s", jsonType(trimmed[0])))
	}

	h := readHeader(trimmed)
	switch {
	case h.Kind == "" && h.Items != nil:
		// kubectl -o yaml writes a List's kind after its items.
		return fail(where, &h, errors.New("kind is missing: a List cut short before its kind? (is the file truncated?)"))
	case h.Kind == "":
		return fail(where, &h, errors.New("kind is missing"))
	case h.APIVersion == "":
		return fail(where, &h, errors.New("apiVersion is missing"))
	case strings.HasSuffix(h.Kind, "List") && h.itemsNotAList:
		return fail(where, &h, errors.New("items is not a list"))
	case strings.HasSuffix(h.Kind, "List") && h.Items != nil:
		return d.items(h.Items, where, depth)
	}
	obj, _, err := d.codec.Decode(trimmed, nil, nil)
	switch {
	case runtime.IsNotRegisteredError(err):
		// Not a Kubernetes kind: it may be a custom workload (an Argo
		// Rollout) whose own status judges it; kept as it came.
		if h.Metadata.Name != "" {
			u := &unstructured.Unstructured{}
			if uerr := u.UnmarshalJSON(trimmed); uerr == nil {
				d.inv.AddCustom(u)
			}
		}
		return nil
	case err != nil:
		d.warn(where, &h, err)
		return nil
	}
	if ev, ok := obj.(*eventsv1.Event); ok {
		obj = coreEvent(ev)
	}
	if !readKind(obj) {
		return nil
	}
	if h.Metadata.Name == "" {
		d.warn(where, &h, errors.New("metadata.name is empty"))
		return nil
	}
	d.inv.Add(obj)
	return nil
}

func (d *decoder) items(items []json.RawMessage, where string, depth int) error {
	if depth >= maxNesting {
		return fail(where, nil, errors.New("lists nested too deep"))
	}
	for i, it := range items {
		if err := d.item(it, itemWhere(where, i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// jsonType names the JSON type of a value that starts with c.
func jsonType(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	default:
		return "a number"
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
	if items, ok := loose["items"]; ok && json.Unmarshal(items, &h.Items) != nil {
		h.itemsNotAList = !bytes.Equal(bytes.TrimSpace(items), []byte("null"))
	}
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
