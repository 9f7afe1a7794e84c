// Command pmetriccheck decodes an OTLP metrics request with the official
// pdata decoder (pmetricotlp.ExportRequest) and prints one normalized JSON
// document, so that tests can prove the converter's output is valid OTLP and
// compare it with independently computed expectations.
//
//	pmetriccheck [-json] [-strict] FILE
//
// FILE is an ExportMetricsServiceRequest in protobuf, or with -json a JSON
// Lines file (one OTLP/JSON request per non-empty line; resources of all lines
// are merged in order). -strict (JSON only) rejects unknown JSON fields.
// Exit 1 with a one-line message on stderr when decoding fails.
//
// Output shape:
//
//	{"resources":[{"attributes":{k:v},"schemaUrl":"","scopes":[{"name":"","version":""}],
//	  "metrics":{"<name>":{"unit":"","type":"sum"|"gauge","valueType":"int"|"double",
//	  "temporality":"delta"|"cumulative"|"unspecified","monotonic":false,
//	  "points":[{"attributes":{},"start":"<ns>","end":"<ns>","value":<number or "int">}]}}}]}
//
// Attribute values: strings as strings, ints as decimal strings, bools as
// bools, doubles as numbers (NaN/Inf as strings), arrays as arrays, maps as
// objects, bytes as {"bytes":"<base64>"}, empty as null. A metric name seen in
// several scopes of one resource has its points merged; if its definition
// (unit, type, temporality, monotonic) differs between them, exit 2.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

type doc struct {
	Resources []resource `json:"resources"`
}

type resource struct {
	Attributes map[string]any     `json:"attributes"`
	SchemaURL  string             `json:"schemaUrl"`
	Scopes     []scope            `json:"scopes"`
	Metrics    map[string]*metric `json:"metrics"`
}

type scope struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type metric struct {
	Unit        string  `json:"unit"`
	Type        string  `json:"type"`
	ValueType   string  `json:"valueType"`
	Temporality string  `json:"temporality"`
	Monotonic   bool    `json:"monotonic"`
	Points      []point `json:"points"`
}

type point struct {
	Attributes map[string]any `json:"attributes"`
	Start      string         `json:"start"`
	End        string         `json:"end"`
	Value      any            `json:"value"`
}

func main() {
	asJSON := flag.Bool("json", false, "FILE is OTLP/JSON Lines instead of protobuf")
	strict := flag.Bool("strict", false, "with -json: reject unknown JSON fields")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: pmetriccheck [-json] [-strict] FILE") }
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fail(1, "pmetriccheck: %v", err)
	}
	var all []pmetric.Metrics
	if *asJSON {
		all, err = decodeJSONLines(data, *strict)
	} else {
		req := pmetricotlp.NewExportRequest()
		if err = req.UnmarshalProto(data); err == nil {
			all = append(all, req.Metrics())
		}
	}
	if err != nil {
		fail(1, "pmetriccheck: invalid OTLP metrics: %v", err)
	}
	out := doc{Resources: []resource{}}
	for _, md := range all {
		for _, rm := range md.ResourceMetrics().All() {
			r, err := normalizeResource(rm)
			if err != nil {
				fail(2, "pmetriccheck: %v", err)
			}
			out.Resources = append(out.Resources, r)
		}
	}
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fail(1, "pmetriccheck: %v", err)
	}
	if err := w.Flush(); err != nil {
		fail(1, "pmetriccheck: %v", err)
	}
}

func fail(code int, format string, args ...any) {
	msg := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}

func decodeJSONLines(data []byte, strict bool) ([]pmetric.Metrics, error) {
	var all []pmetric.Metrics
	for i, ln := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(ln)) == 0 {
			continue
		}
		md, err := decodeJSON(ln, strict)
		if err != nil {
			// Also accept one (pretty-printed) JSON document spanning lines.
			if whole, err2 := decodeJSON(data, strict); err2 == nil {
				return []pmetric.Metrics{whole}, nil
			}
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		all = append(all, md)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no JSON request in file")
	}
	return all, nil
}

func decodeJSON(b []byte, strict bool) (pmetric.Metrics, error) {
	if strict {
		return (&pmetric.JSONUnmarshaler{DisallowUnknownFields: true}).UnmarshalMetrics(b)
	}
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalJSON(b); err != nil {
		return pmetric.Metrics{}, err
	}
	return req.Metrics(), nil
}

func normalizeResource(rm pmetric.ResourceMetrics) (resource, error) {
	r := resource{
		Attributes: attrMap(rm.Resource().Attributes()),
		SchemaURL:  rm.SchemaUrl(),
		Scopes:     []scope{},
		Metrics:    map[string]*metric{},
	}
	for _, sm := range rm.ScopeMetrics().All() {
		r.Scopes = append(r.Scopes, scope{Name: sm.Scope().Name(), Version: sm.Scope().Version()})
		for _, m := range sm.Metrics().All() {
			nm := normalizeMetric(m)
			prev, ok := r.Metrics[m.Name()]
			if !ok {
				r.Metrics[m.Name()] = nm
				continue
			}
			if prev.Unit != nm.Unit || prev.Type != nm.Type || prev.Temporality != nm.Temporality || prev.Monotonic != nm.Monotonic {
				return r, fmt.Errorf("metric %q has conflicting definitions across scopes of one resource", m.Name())
			}
			switch {
			case len(nm.Points) == 0:
			case len(prev.Points) == 0:
				prev.ValueType = nm.ValueType
			case prev.ValueType != nm.ValueType:
				prev.ValueType = "mixed"
			}
			prev.Points = append(prev.Points, nm.Points...)
		}
	}
	return r, nil
}

func normalizeMetric(m pmetric.Metric) *metric {
	nm := &metric{Unit: m.Unit(), Temporality: "unspecified", Points: []point{}}
	var dps pmetric.NumberDataPointSlice
	switch m.Type() {
	case pmetric.MetricTypeSum:
		nm.Type = "sum"
		nm.Monotonic = m.Sum().IsMonotonic()
		switch m.Sum().AggregationTemporality() {
		case pmetric.AggregationTemporalityDelta:
			nm.Temporality = "delta"
		case pmetric.AggregationTemporalityCumulative:
			nm.Temporality = "cumulative"
		}
		dps = m.Sum().DataPoints()
	case pmetric.MetricTypeGauge:
		nm.Type = "gauge"
		dps = m.Gauge().DataPoints()
	default:
		// Histograms and the like are never produced by the converter: name
		// the type and leave the points out so that comparisons fail clearly.
		nm.Type = strings.ToLower(m.Type().String())
		nm.ValueType = "none"
		return nm
	}
	nm.ValueType = "empty"
	for i, dp := range dps.All() {
		vt := "none"
		p := point{
			Attributes: attrMap(dp.Attributes()),
			Start:      strconv.FormatUint(uint64(dp.StartTimestamp()), 10),
			End:        strconv.FormatUint(uint64(dp.Timestamp()), 10),
		}
		switch dp.ValueType() {
		case pmetric.NumberDataPointValueTypeInt:
			vt = "int"
			p.Value = strconv.FormatInt(dp.IntValue(), 10)
		case pmetric.NumberDataPointValueTypeDouble:
			vt = "double"
			p.Value = jsonFloat(dp.DoubleValue())
		default:
			p.Value = nil
		}
		if i == 0 {
			nm.ValueType = vt
		} else if nm.ValueType != vt {
			nm.ValueType = "mixed"
		}
		nm.Points = append(nm.Points, p)
	}
	return nm
}

func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

func attrMap(m pcommon.Map) map[string]any {
	out := make(map[string]any, m.Len())
	for k, v := range m.All() {
		out[k] = attrValue(v)
	}
	return out
}

func attrValue(v pcommon.Value) any {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt:
		return strconv.FormatInt(v.Int(), 10)
	case pcommon.ValueTypeBool:
		return v.Bool()
	case pcommon.ValueTypeDouble:
		return jsonFloat(v.Double())
	case pcommon.ValueTypeSlice:
		arr := []any{}
		for _, e := range v.Slice().All() {
			arr = append(arr, attrValue(e))
		}
		return arr
	case pcommon.ValueTypeMap:
		return attrMap(v.Map())
	case pcommon.ValueTypeBytes:
		return map[string]any{"bytes": base64.StdEncoding.EncodeToString(v.Bytes().AsRaw())}
	default:
		return nil
	}
}
