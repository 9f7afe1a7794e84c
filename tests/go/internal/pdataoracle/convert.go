// Package pdataoracle is an independent re-computation, over pdata, of what
// ptm computes, written from the contract (docs/) and not from the C core:
// the default metrics (ConvertRequest), the samples that feed them
// (EachFed), the breakdown and recording-rule series (ExpectBreakdowns,
// ExpectRules), the folded stacks (Folded) and the --top summary
// (ExpectTop), with its own symbolization of native frames (NewSymbolizer).
// The tests of tests/go/semantics and tests/go/formats compare ptm's output
// with it; cmd/pdatabaseline times ConvertRequest as the "Go pdata
// baseline" of `make bench`.
//
// convert.go: profiles → the default metrics of docs/metrics.md
// (docs/semantics.md), over pdata, as a collector component would write
// it. Only the default configuration: every measure on, function self and
// inclusive metrics for cpu, off_cpu, wall, memory, inuse and inuse_objects
// (the in-use ones gauges, a point per profile as the base gauges), the resource's scalar
// attributes but service.* copied onto each point, delta sums, cardinality
// limit 10,000 per metric with one overflow point per resource.
//
// Design: one pass over the samples. A sample's series are looked up in one
// Go map per metric, keyed by resource (its index in first-seen order) and
// the point's attribute values; function names are resolved from the
// dictionary for every sample (leaf frame for self, each distinct name on
// the stack for inclusive). Values are integers (ns, bytes, counts) until
// the output, where times become seconds. Invalid input is not this
// package's concern: the bench inputs are valid requests.
package pdataoracle

import (
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

// ConvertRequest is one request through a connector's path: an
// ExportProfilesServiceRequest (protobuf) read by pprofile.ProtoUnmarshaler,
// aggregated by convert, written by pmetric.ProtoMarshaler; the output bytes
// and the number of data points.
func ConvertRequest(input []byte) ([]byte, int, error) {
	profiles, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(input)
	if err != nil {
		return nil, 0, err
	}
	metrics := convert(profiles)
	output, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(metrics)
	return output, metrics.DataPointCount(), err
}

type Measure int

const (
	CPU Measure = iota
	OffCPU
	Wall
	Memory
	allocations
	Inuse
	InuseObjects
	measureCount
)

type metricDef struct {
	Name, Unit string
	measure    Measure
	gauge      bool
	function   string // "", "self" or "inclusive"
}

// MetricDefs is the metric table, in output order.
var MetricDefs = []metricDef{
	{"profile.cpu.time", "s", CPU, false, ""},
	{"profile.off_cpu.time", "s", OffCPU, false, ""},
	{"profile.wall.time", "s", Wall, false, ""},
	{"profile.memory.allocated", "By", Memory, false, ""},
	{"profile.memory.allocations", "{allocation}", allocations, false, ""},
	{"profile.memory.inuse", "By", Inuse, true, ""},
	{"profile.memory.inuse_objects", "{object}", InuseObjects, true, ""},
	{"profile.function.self.cpu.time", "s", CPU, false, "self"},
	{"profile.function.inclusive.cpu.time", "s", CPU, false, "inclusive"},
	{"profile.function.self.off_cpu.time", "s", OffCPU, false, "self"},
	{"profile.function.inclusive.off_cpu.time", "s", OffCPU, false, "inclusive"},
	{"profile.function.self.wall.time", "s", Wall, false, "self"},
	{"profile.function.inclusive.wall.time", "s", Wall, false, "inclusive"},
	{"profile.function.self.memory.allocated", "By", Memory, false, "self"},
	{"profile.function.inclusive.memory.allocated", "By", Memory, false, "inclusive"},
	{"profile.function.self.memory.inuse", "By", Inuse, true, "self"},
	{"profile.function.inclusive.memory.inuse", "By", Inuse, true, "inclusive"},
	{"profile.function.self.memory.inuse_objects", "{object}", InuseObjects, true, "self"},
	{"profile.function.inclusive.memory.inuse_objects", "{object}", InuseObjects, true, "inclusive"},
}

const (
	cardinalityLimit = 10000
	OverflowKey      = "otel.metric.overflow"
	noMetric         = -1
)

// The metric indices of each measure: base, self, inclusive (or noMetric).
var BaseMetric, selfMetric, inclusiveMetric [measureCount]int

func init() {
	for m := range measureCount {
		BaseMetric[m], selfMetric[m], inclusiveMetric[m] = noMetric, noMetric, noMetric
	}
	for i, d := range MetricDefs {
		switch d.function {
		case "":
			BaseMetric[d.measure] = i
		case "self":
			selfMetric[d.measure] = i
		case "inclusive":
			inclusiveMetric[d.measure] = i
		}
	}
}

var timeUnits = map[string]int64{
	"nanoseconds": 1, "ns": 1, "microseconds": 1e3, "us": 1e3,
	"milliseconds": 1e6, "ms": 1e6, "seconds": 1e9, "s": 1e9,
}

// seriesKey names a point: its resource, its attribute values, and for a
// gauge the profile it snapshots.
type seriesKey struct {
	resource          int
	profile           int // gauges only; 0 otherwise
	thread, exe       string
	hasThread, hasExe bool
	function          string
	overflow          bool
}

type point struct {
	key        seriesKey
	value      int64
	start, end uint64
}

type metricState struct {
	points     map[seriesKey]*point
	identities map[seriesKey]struct{} // gauges: distinct series, profiles aside
	series     int                    // sums: distinct series but overflow
}

type copiedAttribute struct {
	key   string
	value pcommon.Value
}

// outputResource is one distinct resource identity and its points.
type outputResource struct {
	resource  pcommon.Resource
	schemaURL string
	copied    []copiedAttribute // onto every point, in resource order
	points    [][]*point
}

type converter struct {
	Dict      pprofile.ProfilesDictionary
	strings   pcommon.StringSlice
	metrics   []metricState
	resources []*outputResource
	byKey     map[string]int
	profiles  int
	seen      map[string]struct{} // inclusive: the names of one sample
	Symbols   symbolizer          // native frames' names, or nil (symbols.go)
}

func convert(pd pprofile.Profiles) pmetric.Metrics {
	c := &converter{
		Dict:    pd.Dictionary(),
		strings: pd.Dictionary().StringTable(),
		metrics: make([]metricState, len(MetricDefs)),
		byKey:   map[string]int{},
		seen:    map[string]struct{}{},
	}
	for i := range c.metrics {
		c.metrics[i] = metricState{points: map[seriesKey]*point{}, identities: map[seriesKey]struct{}{}}
	}
	for _, rp := range pd.ResourceProfiles().All() {
		resource := c.resourceIndex(rp)
		for _, sp := range rp.ScopeProfiles().All() {
			c.scope(resource, rp.Resource(), sp)
		}
	}
	return c.output()
}

func (c *converter) str(i int32) string { return c.strings.At(int(i)) }

// resourceIndex is the index of rp's resource identity (attributes in
// order with their types, and schema URL), added on first sight.
func (c *converter) resourceIndex(rp pprofile.ResourceProfiles) int {
	key := resourceIdentity(rp)
	if i, ok := c.byKey[key]; ok {
		return i
	}
	r := &outputResource{resource: rp.Resource(), schemaURL: rp.SchemaUrl(), points: make([][]*point, len(MetricDefs))}
	for k, v := range rp.Resource().Attributes().All() {
		if copiedType(v.Type()) && k != "service.name" && k != "service.namespace" && k != "service.instance.id" {
			r.copied = append(r.copied, copiedAttribute{k, v})
		}
	}
	c.byKey[key] = len(c.resources)
	c.resources = append(c.resources, r)
	return len(c.resources) - 1
}

// resourceIdentity is rp's resource identity as text: its attributes in
// order with their types, and its schema URL.
func resourceIdentity(rp pprofile.ResourceProfiles) string {
	var b strings.Builder
	for k, v := range rp.Resource().Attributes().All() {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(int(v.Type())))
		b.WriteString(v.AsString())
		b.WriteByte(0)
	}
	b.WriteString(rp.SchemaUrl())
	return b.String()
}

func copiedType(t pcommon.ValueType) bool {
	return t == pcommon.ValueTypeStr || t == pcommon.ValueTypeInt || t == pcommon.ValueTypeDouble || t == pcommon.ValueTypeBool
}

// classify gives a profile's measure and the factor from a sample's value
// to ns (time) or 1; ok false when it feeds no metric.
func (c *converter) classify(p pprofile.Profile) (m Measure, factor int64, countBased, ok bool) {
	typ, unit := c.str(p.SampleType().TypeStrindex()), c.str(p.SampleType().UnitStrindex())
	if scale, isTime := timeUnits[unit]; isTime {
		switch typ {
		case "cpu":
			return CPU, scale, false, true
		case "off_cpu":
			return OffCPU, scale, false, true
		case "wall":
			return Wall, scale, false, true
		}
	}
	periodType, periodUnit := c.str(p.PeriodType().TypeStrindex()), c.str(p.PeriodType().UnitStrindex())
	if periodScale, isTime := timeUnits[periodUnit]; (typ == "samples" || typ == "cpu" || typ == "itimer") && unit == "count" &&
		(periodType == "cpu" || periodType == "itimer") && isTime && p.Period() > 0 {
		return CPU, p.Period() * periodScale, true, true
	}
	switch {
	case unit == "bytes" && (typ == "alloc_space" || typ == "allocated_space" || typ == "space"):
		return Memory, 1, false, true
	case unit == "count" && (typ == "alloc_objects" || typ == "allocated_objects"):
		return allocations, 1, false, true
	case unit == "bytes" && typ == "inuse_space":
		return Inuse, 1, false, true
	case unit == "count" && typ == "inuse_objects":
		return InuseObjects, 1, false, true
	}
	return 0, 0, false, false
}

// scope converts a scope's profiles; a count-based CPU profile is skipped
// when the scope also has a direct one.
func (c *converter) scope(resource int, res pcommon.Resource, sp pprofile.ScopeProfiles) {
	direct := false
	for _, p := range sp.Profiles().All() {
		if m, _, countBased, ok := c.classify(p); ok && m == CPU && !countBased {
			direct = true
		}
	}
	for _, p := range sp.Profiles().All() {
		c.profiles++
		m, factor, countBased, ok := c.classify(p)
		if !ok || (countBased && direct) {
			continue
		}
		for _, s := range p.Samples().All() {
			c.sample(resource, res, p, s, m, factor)
		}
	}
}

// stringAttribute is the first string value of key among the attribute
// table entries indices points to.
func (c *converter) stringAttribute(indices pcommon.Int32Slice, key string) (string, bool) {
	table := c.Dict.AttributeTable()
	for _, i := range indices.All() {
		a := table.At(int(i))
		if c.str(a.KeyStrindex()) == key && a.Value().Type() == pcommon.ValueTypeStr {
			return a.Value().Str(), true
		}
	}
	return "", false
}

// pointAttribute looks key up sample → profile → resource; fromResource
// tells where it was found.
func (c *converter) pointAttribute(s pprofile.Sample, p pprofile.Profile, res pcommon.Resource, key string) (value string, found, fromResource bool) {
	if v, ok := c.stringAttribute(s.AttributeIndices(), key); ok {
		return v, true, false
	}
	if v, ok := c.stringAttribute(p.AttributeIndices(), key); ok {
		return v, true, false
	}
	if v, ok := res.Attributes().Get(key); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str(), true, true
	}
	return "", false, false
}

func sampleValue(s pprofile.Sample) int64 {
	if s.Values().Len() == 0 {
		return int64(s.TimestampsUnixNano().Len())
	}
	var sum int64
	for _, v := range s.Values().All() {
		sum += v
	}
	return sum
}

// sampleEnd is the end of the window a sample feeds: start + duration, or
// with no duration its latest timestamp (start when none is later). A sum
// past 2^64-1 is 2^64-1, as the converter's time_add_saturating.
func sampleEnd(s pprofile.Sample, p pprofile.Profile) uint64 {
	start := uint64(p.Time())
	if p.DurationNano() > 0 {
		if end := start + p.DurationNano(); end >= start {
			return end
		}
		return math.MaxUint64 // saturates: no point ends before it starts
	}
	end := start
	for _, t := range s.TimestampsUnixNano().All() {
		end = max(end, t)
	}
	return end
}

func (c *converter) sample(resource int, res pcommon.Resource, p pprofile.Profile, s pprofile.Sample, m Measure, factor int64) {
	value := sampleValue(s) * factor
	if value == 0 {
		return
	}
	start, end := uint64(p.Time()), sampleEnd(s, p)
	key := seriesKey{resource: resource}
	key.thread, key.hasThread, _ = c.pointAttribute(s, p, res, "thread.name")
	exe, found, fromResource := c.pointAttribute(s, p, res, "process.executable.name")
	if found && !fromResource {
		key.exe, key.hasExe = exe, true
	}
	snapshot := 0 // a gauge's points are per profile, function ones too
	if MetricDefs[BaseMetric[m]].gauge {
		snapshot = c.profiles
	}
	key.profile = snapshot
	c.add(BaseMetric[m], key, value, start, end)
	if selfMetric[m] == noMetric || s.StackIndex() == 0 {
		return
	}
	locations := c.Dict.StackTable().At(int(s.StackIndex())).LocationIndices()
	if locations.Len() == 0 {
		return
	}
	c.add(selfMetric[m], seriesKey{resource: resource, profile: snapshot, function: c.selfName(locations)}, value, start, end)
	clear(c.seen)
	for _, l := range locations.All() {
		c.addInclusive(seriesKey{resource: resource, profile: snapshot}, c.Dict.LocationTable().At(int(l)), m, value, start, end)
	}
}

// addInclusive adds value to each function of loc not yet seen in this
// sample, in the series of base (resource, snapshot) and the function.
func (c *converter) addInclusive(base seriesKey, loc pprofile.Location, m Measure, value int64, start, end uint64) {
	if loc.Lines().Len() == 0 {
		c.addInclusiveName(base, c.nativeName(loc), m, value, start, end)
		return
	}
	for _, line := range loc.Lines().All() {
		c.addInclusiveName(base, c.functionName(loc, line), m, value, start, end)
	}
}

func (c *converter) addInclusiveName(base seriesKey, name string, m Measure, value int64, start, end uint64) {
	if _, dup := c.seen[name]; dup {
		return
	}
	c.seen[name] = struct{}{}
	base.function = name
	c.add(inclusiveMetric[m], base, value, start, end)
}

// interpretedTypes: the frame types of interpreters and managed runtimes,
// whose native leaf frames are the runtime's own code (self_frame).
var interpretedTypes = map[string]bool{"cpython": true, "v8js": true, "ruby": true, "php": true,
	"phpjit": true, "perl": true, "jvm": true, "dotnet": true, "beam": true, "luajit": true}

// selfName: the frame a sample's self time goes to (self_frame
// "interpreted", the default): the leaf, unless the leaf is native code; then
// the first frame past the leaf's run of native frames when it is
// interpreted, else still the leaf.
func (c *converter) selfName(locations pcommon.Int32Slice) string {
	table := c.Dict.LocationTable()
	leaf := table.At(int(locations.At(0)))
	for i := 0; i < locations.Len(); i++ {
		loc := table.At(int(locations.At(i)))
		t := c.locationFrameType(loc)
		if t == "native" {
			continue
		}
		if i > 0 && interpretedTypes[t] {
			return c.leafName(loc)
		}
		break
	}
	return c.leafName(leaf)
}

// locationFrameType: the location's profile.frame.type (the first non-empty one), or "".
func (c *converter) locationFrameType(loc pprofile.Location) string {
	table := c.Dict.AttributeTable()
	for _, i := range loc.AttributeIndices().All() {
		if i < 0 || int(i) >= table.Len() {
			continue
		}
		a := table.At(int(i))
		if c.str(a.KeyStrindex()) == "profile.frame.type" && a.Value().Type() == pcommon.ValueTypeStr && a.Value().Str() != "" {
			return a.Value().Str()
		}
	}
	return ""
}

func (c *converter) leafName(loc pprofile.Location) string {
	if loc.Lines().Len() == 0 {
		return c.nativeName(loc)
	}
	return c.functionName(loc, loc.Lines().At(0))
}

// functionName: name, else system name, else the mapping's file base name.
func (c *converter) functionName(loc pprofile.Location, line pprofile.Line) string {
	f := c.Dict.FunctionTable().At(int(line.FunctionIndex()))
	if name := c.str(f.NameStrindex()); name != "" {
		return name
	}
	if name := c.str(f.SystemNameStrindex()); name != "" {
		return name
	}
	return c.mappingName(loc)
}

func (c *converter) mappingName(loc pprofile.Location) string {
	file := c.str(c.Dict.MappingTable().At(int(loc.MappingIndex())).FilenameStrindex())
	if file == "" {
		return c.unnamed(loc)
	}
	return file[strings.LastIndexByte(file, '/')+1:]
}

// unnamed: a frame nothing names is "[type]" of its location's
// profile.frame.type (the first non-empty one), else "[unknown]".
func (c *converter) unnamed(loc pprofile.Location) string {
	if t := c.locationFrameType(loc); t != "" {
		return "[" + t + "]"
	}
	return "[unknown]"
}

// add adds value to the point of key in metric, or to its resource's
// overflow point once the metric has cardinalityLimit series.
func (c *converter) add(metric int, key seriesKey, value int64, start, end uint64) {
	state := &c.metrics[metric]
	p, ok := state.points[key]
	if !ok {
		if c.pastLimit(metric, key) {
			key = seriesKey{resource: key.resource, profile: key.profile, overflow: true}
			p, ok = state.points[key]
		}
		if !ok {
			p = &point{key: key, start: start, end: end}
			state.points[key] = p
			r := c.resources[key.resource]
			r.points[metric] = append(r.points[metric], p)
		}
	}
	p.value += value
	p.start = min(p.start, start)
	p.end = max(p.end, end)
}

// pastLimit tells whether the new series key would be past the limit;
// counts it when it is not.
func (c *converter) pastLimit(metric int, key seriesKey) bool {
	state := &c.metrics[metric]
	if !MetricDefs[metric].gauge {
		if state.series >= cardinalityLimit {
			return true
		}
		state.series++
		return false
	}
	identity := key
	identity.profile = 0
	if _, ok := state.identities[identity]; ok {
		return false
	}
	if len(state.identities) >= cardinalityLimit {
		return true
	}
	state.identities[identity] = struct{}{}
	return false
}

func (c *converter) output() pmetric.Metrics {
	out := pmetric.NewMetrics()
	for _, r := range c.resources {
		if !r.hasPoints() {
			continue
		}
		rm := out.ResourceMetrics().AppendEmpty()
		r.resource.CopyTo(rm.Resource())
		rm.SetSchemaUrl(r.schemaURL)
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName("profiletometrics")
		for metric, points := range r.points {
			if len(points) > 0 {
				r.writeMetric(sm.Metrics().AppendEmpty(), MetricDefs[metric], points)
			}
		}
	}
	return out
}

func (r *outputResource) hasPoints() bool {
	for _, points := range r.points {
		if len(points) > 0 {
			return true
		}
	}
	return false
}

func (r *outputResource) writeMetric(m pmetric.Metric, def metricDef, points []*point) {
	m.SetName(def.Name)
	m.SetUnit(def.Unit)
	var dps pmetric.NumberDataPointSlice
	if def.gauge {
		dps = m.SetEmptyGauge().DataPoints()
	} else {
		sum := m.SetEmptySum()
		sum.SetIsMonotonic(true)
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		dps = sum.DataPoints()
	}
	dps.EnsureCapacity(len(points))
	for _, p := range points {
		dp := dps.AppendEmpty()
		dp.SetStartTimestamp(pcommon.Timestamp(p.start))
		dp.SetTimestamp(pcommon.Timestamp(p.end))
		if def.Unit == "s" {
			dp.SetDoubleValue(float64(p.value) / 1e9)
		} else {
			dp.SetIntValue(p.value)
		}
		r.writeAttributes(dp.Attributes(), p.key)
	}
}

// writeAttributes: the point's own attributes, then the copied resource
// attributes it does not have.
func (r *outputResource) writeAttributes(attrs pcommon.Map, key seriesKey) {
	if key.overflow {
		attrs.PutBool(OverflowKey, true)
		return
	}
	if key.hasThread {
		attrs.PutStr("thread.name", key.thread)
	}
	if key.hasExe {
		attrs.PutStr("process.executable.name", key.exe)
	}
	if key.function != "" {
		attrs.PutStr("code.function.name", key.function)
	}
	for _, a := range r.copied {
		if _, present := attrs.Get(a.key); !present {
			a.value.CopyTo(attrs.PutEmpty(a.key))
		}
	}
}
