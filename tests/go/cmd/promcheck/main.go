// Command promcheck proves that the converter's Prometheus text output
// (ptm -f prom) is what Prometheus itself would make of the converter's OTLP
// output: the .prom file is parsed with Prometheus' own text parser
// (prometheus/common/expfmt), and the expected series are derived from the
// OTLP file with Prometheus' own name translation (prometheus/otlptranslator).
//
//	promcheck [-names-only] -otlp METRICS.pb -prom METRICS.prom
//
// METRICS.pb is an ExportMetricsServiceRequest in protobuf, METRICS.prom the
// Prometheus text format 0.0.4. Checks:
//
//  1. The .prom file parses (legacy name validation); every (family name,
//     label set) occurs once.
//  2. Expected series: per OTLP metric, the family name is
//     MetricNamer{WithMetricSuffixes: true}.Build({Name, Unit, Type}) (monotonic
//     sum: counter, non-monotonic sum and gauge: gauge); per point, labels are
//     the resource's scalar attributes, then the point's scalar attributes
//     (a point attribute wins over a resource one giving the same label
//     name unless its value is empty), named with LabelNamer{}.Build (keys
//     it rejects are skipped, and "__name__"); within one level the keys
//     giving one name join their values with ';' in byte order of the keys,
//     as Prometheus' OTLP receiver does (see labelsOf). Labels with an empty
//     value are dropped on both sides, as Prometheus does. Several points of
//     one series (gauge snapshots): the greatest TimeUnixNano wins, on a tie
//     the later one in document order.
//  3. The .prom family names equal the expected ones, each family's TYPE is
//     the expected one, and the samples equal the expected series (values
//     within a relative tolerance of 1e-12; NaN equals NaN).
//
// With -names-only only the family names and types are compared (no
// duplicate or series checks). Prints one JSON object on stdout:
//
//	{"families":N,"samples":N,"expected_series":N,"parse_error":"",
//	 "duplicates":[{"name","labels","count"}],"missing_families":[name],
//	 "unexpected_families":[name],"type_mismatches":[{"name","expected","actual"}],
//	 "missing_series":[{"name","labels","expected"}],
//	 "unexpected_series":[{"name","labels","actual"}],
//	 "value_mismatches":[{"name","labels","expected","actual"}],"ok":bool}
//
// labels is the canonical label set name="value",... sorted by name (values
// escaped as in the text format); non-finite values are the strings "NaN",
// "+Inf", "-Inf". The three series lists hold at most 50 entries each, sorted
// by name then labels. Exit 0 when ok, 1 when a check fails, 2 on usage,
// read or OTLP decoding errors (message on stderr starting "promcheck: ").
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// maxEntries caps the missing, unexpected and mismatched series lists.
const maxEntries = 50

// tolerance is the relative tolerance of value comparisons.
const tolerance = 1e-12

type report struct {
	Families           int                `json:"families"`
	Samples            int                `json:"samples"`
	ExpectedSeries     int                `json:"expected_series"`
	ParseError         string             `json:"parse_error"`
	Duplicates         []duplicate        `json:"duplicates"`
	MissingFamilies    []string           `json:"missing_families"`
	UnexpectedFamilies []string           `json:"unexpected_families"`
	TypeMismatches     []typeMismatch     `json:"type_mismatches"`
	MissingSeries      []missingSeries    `json:"missing_series"`
	UnexpectedSeries   []unexpectedSeries `json:"unexpected_series"`
	ValueMismatches    []valueMismatch    `json:"value_mismatches"`
	OK                 bool               `json:"ok"`
}

type duplicate struct {
	Name   string `json:"name"`
	Labels string `json:"labels"`
	Count  int    `json:"count"`
}

type typeMismatch struct {
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

type missingSeries struct {
	Name     string `json:"name"`
	Labels   string `json:"labels"`
	Expected any    `json:"expected"`
}

type unexpectedSeries struct {
	Name   string `json:"name"`
	Labels string `json:"labels"`
	Actual any    `json:"actual"`
}

type valueMismatch struct {
	Name     string `json:"name"`
	Labels   string `json:"labels"`
	Expected any    `json:"expected"`
	Actual   any    `json:"actual"`
}

// labelSet maps label names to values.
type labelSet map[string]string

// sample is one series: a family name, its labels and its value.
type sample struct {
	name   string
	labels string // canonical form, see canonical
	value  float64
	time   uint64 // OTLP TimeUnixNano; unused for .prom samples
}

// expectation is what Prometheus would make of the OTLP file.
type expectation struct {
	types  map[string]string  // family name -> "counter" or "gauge" ("a|b" on conflict)
	series map[string]*sample // seriesKey -> the winning point
}

// exposition is the parsed .prom file.
type exposition struct {
	types   map[string]string  // family name -> lower-case TYPE
	series  map[string]*sample // seriesKey -> the first sample of that series
	counts  map[string]int     // seriesKey -> occurrences
	samples int
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it parses args, prints the report on stdout and
// returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("promcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	otlpPath := fs.String("otlp", "", "OTLP ExportMetricsServiceRequest (protobuf)")
	promPath := fs.String("prom", "", "Prometheus text format 0.0.4")
	namesOnly := fs.Bool("names-only", false, "only compare family names and types")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *otlpPath == "" || *promPath == "" {
		msg := "usage: promcheck [-names-only] -otlp METRICS.pb -prom METRICS.prom"
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			msg = err.Error() + "; " + msg
		}
		fmt.Fprintln(stderr, "promcheck: "+msg)
		return 2
	}
	rep, err := check(*otlpPath, *promPath, *namesOnly)
	if err != nil {
		fmt.Fprintln(stderr, "promcheck: "+strings.ReplaceAll(err.Error(), "\n", " "))
		return 2
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(stderr, "promcheck: "+err.Error())
		return 2
	}
	if !rep.OK {
		return 1
	}
	return 0
}

// check runs every check; an error means the inputs could not be read.
func check(otlpPath, promPath string, namesOnly bool) (*report, error) {
	md, err := readOTLP(otlpPath)
	if err != nil {
		return nil, err
	}
	want, err := expect(md)
	if err != nil {
		return nil, err
	}
	text, err := os.ReadFile(promPath)
	if err != nil {
		return nil, err
	}
	rep := newReport()
	rep.ExpectedSeries = len(want.series)
	families, err := parseProm(text)
	if err != nil {
		rep.ParseError = err.Error()
		return rep, nil
	}
	got := expose(families)
	rep.Families = len(got.types)
	rep.Samples = got.samples
	compareFamilies(rep, want, got)
	if !namesOnly {
		rep.Duplicates = duplicates(got)
		compareSeries(rep, want, got)
	}
	rep.OK = rep.ParseError == "" && len(rep.Duplicates) == 0 && len(rep.MissingFamilies) == 0 &&
		len(rep.UnexpectedFamilies) == 0 && len(rep.TypeMismatches) == 0 && len(rep.MissingSeries) == 0 &&
		len(rep.UnexpectedSeries) == 0 && len(rep.ValueMismatches) == 0
	return rep, nil
}

func newReport() *report {
	return &report{
		Duplicates:         []duplicate{},
		MissingFamilies:    []string{},
		UnexpectedFamilies: []string{},
		TypeMismatches:     []typeMismatch{},
		MissingSeries:      []missingSeries{},
		UnexpectedSeries:   []unexpectedSeries{},
		ValueMismatches:    []valueMismatch{},
	}
}

func readOTLP(path string) (pmetric.Metrics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return pmetric.Metrics{}, err
	}
	md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(data)
	if err != nil {
		return pmetric.Metrics{}, fmt.Errorf("%s: invalid OTLP metrics: %w", path, err)
	}
	return md, nil
}

// parseProm parses the text format with Prometheus' own parser.
func parseProm(text []byte) (map[string]*dto.MetricFamily, error) {
	parser := expfmt.NewTextParser(model.LegacyValidation)
	return parser.TextToMetricFamilies(bytes.NewReader(text))
}

// expect derives the expected families and series from the OTLP metrics.
func expect(md pmetric.Metrics) (*expectation, error) {
	want := &expectation{types: map[string]string{}, series: map[string]*sample{}}
	namer := otlptranslator.MetricNamer{WithMetricSuffixes: true, UTF8Allowed: false}
	for _, rm := range md.ResourceMetrics().All() {
		resource := labelsOf(rm.Resource().Attributes(), nil)
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				promType, metricType, points, err := kindOf(m)
				if err != nil {
					return nil, err
				}
				if points.Len() == 0 {
					continue // Prometheus has no family without samples
				}
				name, err := namer.Build(otlptranslator.Metric{Name: m.Name(), Unit: m.Unit(), Type: metricType})
				if err != nil {
					return nil, fmt.Errorf("metric %q: %w", m.Name(), err)
				}
				want.addType(name, promType)
				for _, p := range points.All() {
					want.addPoint(name, labelsOf(p.Attributes(), resource), p)
				}
			}
		}
	}
	return want, nil
}

// kindOf gives a metric's Prometheus TYPE, its otlptranslator type and points.
func kindOf(m pmetric.Metric) (string, otlptranslator.MetricType, pmetric.NumberDataPointSlice, error) {
	switch m.Type() {
	case pmetric.MetricTypeSum:
		if m.Sum().IsMonotonic() {
			return "counter", otlptranslator.MetricTypeMonotonicCounter, m.Sum().DataPoints(), nil
		}
		return "gauge", otlptranslator.MetricTypeNonMonotonicCounter, m.Sum().DataPoints(), nil
	case pmetric.MetricTypeGauge:
		return "gauge", otlptranslator.MetricTypeGauge, m.Gauge().DataPoints(), nil
	}
	return "", 0, pmetric.NumberDataPointSlice{}, fmt.Errorf("metric %q: unsupported type %s", m.Name(), m.Type())
}

func (e *expectation) addType(name, promType string) {
	prev, ok := e.types[name]
	switch {
	case !ok:
		e.types[name] = promType
	case !strings.Contains("|"+prev+"|", "|"+promType+"|"):
		e.types[name] = prev + "|" + promType
	}
}

// addPoint keeps the latest point of a series (the later one on a tie).
func (e *expectation) addPoint(name string, labels labelSet, p pmetric.NumberDataPoint) {
	s := &sample{name: name, labels: canonical(labels), value: pointValue(p), time: uint64(p.Timestamp())}
	key := seriesKey(s.name, s.labels)
	if prev, ok := e.series[key]; ok && prev.time > s.time {
		return
	}
	e.series[key] = s
}

func pointValue(p pmetric.NumberDataPoint) float64 {
	if p.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(p.IntValue())
	}
	return p.DoubleValue()
}

// labelsOf turns scalar attributes into labels on top of a copy of base, as
// Prometheus' OTLP receiver does (createAttributes in
// storage/remote/otlptranslator/prometheusremotewrite/helper.go): the key
// "__name__" is left out (that label is the metric name); the attributes are
// taken in byte order of their keys and named with otlptranslator's
// LabelNamer, and keys giving one name join their values with ';' (a value
// replaces an empty one); an attribute's label replaces a base label of the
// same name unless its value is empty.
func labelsOf(attrs pcommon.Map, base labelSet) labelSet {
	namer := otlptranslator.LabelNamer{}
	keys := make([]string, 0, attrs.Len())
	for k := range attrs.All() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	own := labelSet{}
	for _, k := range keys {
		v, _ := attrs.Get(k)
		text, ok := scalarText(v)
		if !ok || k == model.MetricNameLabel {
			continue
		}
		name, err := namer.Build(k)
		if err != nil {
			continue
		}
		if prev := own[name]; prev != "" {
			text = prev + ";" + text
		}
		own[name] = text
	}
	out := make(labelSet, len(base)+len(own))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range own {
		if v != "" || out[k] == "" {
			out[k] = v
		}
	}
	return out
}

// scalarText is a scalar attribute value as label text; false for maps,
// arrays, bytes and empty values.
func scalarText(v pcommon.Value) (string, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str(), true
	case pcommon.ValueTypeBool:
		return strconv.FormatBool(v.Bool()), true
	case pcommon.ValueTypeInt:
		return strconv.FormatInt(v.Int(), 10), true
	case pcommon.ValueTypeDouble:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64), true
	}
	return "", false
}

// expose indexes the parsed families by series.
func expose(families map[string]*dto.MetricFamily) *exposition {
	got := &exposition{types: map[string]string{}, series: map[string]*sample{}, counts: map[string]int{}}
	for name, mf := range families {
		got.types[name] = strings.ToLower(mf.GetType().String())
		for _, m := range mf.GetMetric() {
			labels := labelSet{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			s := &sample{name: name, labels: canonical(labels), value: metricValue(m)}
			key := seriesKey(s.name, s.labels)
			got.samples++
			if got.counts[key]++; got.counts[key] == 1 {
				got.series[key] = s
			}
		}
	}
	return got
}

// metricValue is the value of a counter, gauge or untyped sample; NaN for
// the other kinds, which promcheck never expects.
func metricValue(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue()
	}
	return math.NaN()
}

func duplicates(got *exposition) []duplicate {
	out := []duplicate{}
	for _, key := range sortedKeys(got.series) {
		if n := got.counts[key]; n > 1 {
			s := got.series[key]
			out = append(out, duplicate{Name: s.name, Labels: s.labels, Count: n})
		}
	}
	return out
}

func compareFamilies(rep *report, want *expectation, got *exposition) {
	for _, name := range sortedNames(want.types) {
		actual, ok := got.types[name]
		if !ok {
			rep.MissingFamilies = append(rep.MissingFamilies, name)
		} else if actual != want.types[name] {
			rep.TypeMismatches = append(rep.TypeMismatches, typeMismatch{name, want.types[name], actual})
		}
	}
	for _, name := range sortedNames(got.types) {
		if _, ok := want.types[name]; !ok {
			rep.UnexpectedFamilies = append(rep.UnexpectedFamilies, name)
		}
	}
}

func compareSeries(rep *report, want *expectation, got *exposition) {
	for _, key := range sortedKeys(want.series) {
		w := want.series[key]
		g, ok := got.series[key]
		switch {
		case !ok:
			if len(rep.MissingSeries) < maxEntries {
				rep.MissingSeries = append(rep.MissingSeries, missingSeries{w.name, w.labels, jsonFloat(w.value)})
			}
		case !sameValue(w.value, g.value):
			if len(rep.ValueMismatches) < maxEntries {
				rep.ValueMismatches = append(rep.ValueMismatches,
					valueMismatch{w.name, w.labels, jsonFloat(w.value), jsonFloat(g.value)})
			}
		}
	}
	for _, key := range sortedKeys(got.series) {
		if _, ok := want.series[key]; !ok && len(rep.UnexpectedSeries) < maxEntries {
			g := got.series[key]
			rep.UnexpectedSeries = append(rep.UnexpectedSeries, unexpectedSeries{g.name, g.labels, jsonFloat(g.value)})
		}
	}
}

// sameValue compares with a relative tolerance; NaN equals NaN.
func sameValue(a, b float64) bool {
	if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
		return true
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsNaN(a) || math.IsNaN(b) {
		return false
	}
	return math.Abs(a-b) <= tolerance*math.Max(math.Abs(a), math.Abs(b))
}

// jsonFloat is v as a JSON number, or a string for NaN and infinities.
func jsonFloat(v float64) any {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return v
}

// canonical is a label set as name="value",... sorted by name, values
// escaped as in the text format, labels with an empty value left out.
func canonical(labels labelSet) string {
	names := make([]string, 0, len(labels))
	for name, value := range labels {
		if value != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(escaper.Replace(labels[name]))
		b.WriteByte('"')
	}
	return b.String()
}

var escaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// seriesKey identifies a series; names never hold "\x00", so the split is unambiguous.
func seriesKey(name, labels string) string {
	return name + "\x00" + labels
}

// sortedKeys orders series keys by family name, then canonical labels.
func sortedKeys(m map[string]*sample) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := m[keys[i]], m[keys[j]]
		if a.name != b.name {
			return a.name < b.name
		}
		return a.labels < b.labels
	})
	return keys
}

func sortedNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
