// Package pprofconv turns a pprof profile (profile.proto, as parsed by
// github.com/google/pprof/profile) into an OTLP ExportProfilesServiceRequest
// built with pdata/pprofile, the mapping the C decoder implements too:
//
//   - one ResourceProfiles without resource attributes, one ScopeProfiles,
//     one Profile per pprof sample type, in order, each with the pprof
//     period type, period, time and duration;
//   - every pprof Sample becomes one Sample in each Profile, with that sample
//     type's value only, its locations as its stack (leaf first in both) and
//     its labels as attributes (string labels as strings, numeric ones as
//     ints with their num_unit as the attribute's unit; the thread and
//     process keys of other producers renamed to OpenTelemetry's);
//   - Location.line order kept (line[0] innermost in both), function name,
//     system name and file name, mapping file name and addresses carried
//     over; a missing function or mapping is index 0, the zero value.
//
// drop_frames, keep_frames, comments, doc_url and default_sample_type are
// not carried (google/pprof's Parse does not apply the frame filters
// either). Labels are written in key order (pprof's parsed labels are maps),
// each key's values in file order. The dictionary interns every string,
// function, mapping, location, stack and attribute once; index 0 of each
// table is its zero value.
package pprofconv

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
	"go.opentelemetry.io/collector/pdata/pprofile/pprofileotlp"
)

// AttributeKey is the OpenTelemetry key a pprof label key is written under:
// the usual spellings of thread name and id, process executable name and
// pid are renamed, any other key is kept.
func AttributeKey(label string) string {
	switch label {
	case "thread.name", "thread_name", "thread name", "threadName":
		return "thread.name"
	case "thread.id", "thread_id", "thread id", "threadId", "tid":
		return "thread.id"
	case "process.executable.name", "process_name", "process name":
		return "process.executable.name"
	case "process.pid", "pid", "process_id":
		return "process.pid"
	}
	return label
}

// Convert builds the OTLP request for p; p is only read.
func Convert(p *profile.Profile) pprofile.Profiles {
	pd := pprofile.NewProfiles()
	b := newBuilder(pd.Dictionary())
	sp := pd.ResourceProfiles().AppendEmpty().ScopeProfiles().AppendEmpty()
	stacks := make([]int32, len(p.Sample))
	attrs := make([][]int32, len(p.Sample))
	for i, s := range p.Sample {
		stacks[i] = b.stack(s.Location)
		attrs[i] = b.labels(s)
	}
	for t, st := range p.SampleType {
		prof := sp.Profiles().AppendEmpty()
		b.valueType(prof.SampleType(), st)
		if p.PeriodType != nil {
			b.valueType(prof.PeriodType(), p.PeriodType)
		}
		prof.SetPeriod(p.Period)
		prof.SetTime(pcommon.Timestamp(max(p.TimeNanos, 0)))
		prof.SetDurationNano(uint64(max(p.DurationNanos, 0)))
		ss := prof.Samples()
		ss.EnsureCapacity(len(p.Sample))
		for i, s := range p.Sample {
			o := ss.AppendEmpty()
			o.SetStackIndex(stacks[i])
			o.AttributeIndices().Append(attrs[i]...)
			if t < len(s.Value) {
				o.Values().Append(s.Value[t])
			}
		}
	}
	return pd
}

// Marshal writes pd as an ExportProfilesServiceRequest in protobuf.
func Marshal(pd pprofile.Profiles) ([]byte, error) {
	return pprofileotlp.NewExportRequestFromProfiles(pd).MarshalProto()
}

// builder interns the dictionary's entries; the maps are keyed by the pprof
// objects (pointers) or by the entry's content.
type builder struct {
	d         pprofile.ProfilesDictionary
	strs      map[string]int32
	funcs     map[*profile.Function]int32
	mappings  map[*profile.Mapping]int32
	locations map[*profile.Location]int32
	stacks    map[string]int32
	attrs     map[string]int32
}

// AppendZeroEntries puts the zero value at index 0 of every table of an
// empty dictionary, as OTLP requires.
func AppendZeroEntries(d pprofile.ProfilesDictionary) {
	d.StringTable().Append("")
	d.MappingTable().AppendEmpty()
	d.LocationTable().AppendEmpty()
	d.FunctionTable().AppendEmpty()
	d.LinkTable().AppendEmpty()
	d.AttributeTable().AppendEmpty()
	d.StackTable().AppendEmpty()
}

func newBuilder(d pprofile.ProfilesDictionary) *builder {
	AppendZeroEntries(d)
	return &builder{
		d:         d,
		strs:      map[string]int32{"": 0},
		funcs:     map[*profile.Function]int32{nil: 0},
		mappings:  map[*profile.Mapping]int32{nil: 0},
		locations: map[*profile.Location]int32{},
		stacks:    map[string]int32{"": 0},
		attrs:     map[string]int32{},
	}
}

func (b *builder) str(s string) int32 {
	if i, ok := b.strs[s]; ok {
		return i
	}
	i := int32(b.d.StringTable().Len())
	b.d.StringTable().Append(s)
	b.strs[s] = i
	return i
}

func (b *builder) valueType(vt pprofile.ValueType, v *profile.ValueType) {
	vt.SetTypeStrindex(b.str(v.Type))
	vt.SetUnitStrindex(b.str(v.Unit))
}

func (b *builder) function(f *profile.Function) int32 {
	if i, ok := b.funcs[f]; ok {
		return i
	}
	i := int32(b.d.FunctionTable().Len())
	o := b.d.FunctionTable().AppendEmpty()
	o.SetNameStrindex(b.str(f.Name))
	o.SetSystemNameStrindex(b.str(f.SystemName))
	o.SetFilenameStrindex(b.str(f.Filename))
	o.SetStartLine(f.StartLine)
	b.funcs[f] = i
	return i
}

func (b *builder) mapping(m *profile.Mapping) int32 {
	if i, ok := b.mappings[m]; ok {
		return i
	}
	i := int32(b.d.MappingTable().Len())
	o := b.d.MappingTable().AppendEmpty()
	o.SetMemoryStart(m.Start)
	o.SetMemoryLimit(m.Limit)
	o.SetFileOffset(m.Offset)
	o.SetFilenameStrindex(b.str(m.File))
	b.mappings[m] = i
	return i
}

func (b *builder) location(l *profile.Location) int32 {
	if i, ok := b.locations[l]; ok {
		return i
	}
	mapping := b.mapping(l.Mapping)
	fns := make([]int32, len(l.Line))
	for k, ln := range l.Line {
		fns[k] = b.function(ln.Function)
	}
	i := int32(b.d.LocationTable().Len())
	o := b.d.LocationTable().AppendEmpty()
	o.SetMappingIndex(mapping)
	o.SetAddress(l.Address)
	for k, ln := range l.Line {
		line := o.Lines().AppendEmpty()
		line.SetFunctionIndex(fns[k])
		line.SetLine(ln.Line)
		line.SetColumn(ln.Column)
	}
	b.locations[l] = i
	return i
}

// stack interns the stack of locs (leaf first, as pprof and OTLP both
// order it); an empty stack is index 0.
func (b *builder) stack(locs []*profile.Location) int32 {
	idx := make([]int32, len(locs))
	var key strings.Builder
	for k, l := range locs {
		idx[k] = b.location(l)
		fmt.Fprintf(&key, "%d,", idx[k])
	}
	if i, ok := b.stacks[key.String()]; ok {
		return i
	}
	i := int32(b.d.StackTable().Len())
	b.d.StackTable().AppendEmpty().LocationIndices().Append(idx...)
	b.stacks[key.String()] = i
	return i
}

// labels interns s's labels as attributes: string labels, then numeric
// ones, each set in key order.
func (b *builder) labels(s *profile.Sample) []int32 {
	var out []int32
	for _, k := range slices.Sorted(maps.Keys(s.Label)) {
		for _, v := range s.Label[k] {
			out = append(out, b.attr(AttributeKey(k), pcommon.NewValueStr(v), ""))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.NumLabel)) {
		for j, v := range s.NumLabel[k] {
			unit := ""
			if j < len(s.NumUnit[k]) {
				unit = s.NumUnit[k][j]
			}
			out = append(out, b.attr(AttributeKey(k), pcommon.NewValueInt(v), unit))
		}
	}
	return out
}

func (b *builder) attr(key string, v pcommon.Value, unit string) int32 {
	k := fmt.Sprintf("%s\x00%s\x00%s\x00%s", key, v.Type(), v.AsString(), unit)
	if i, ok := b.attrs[k]; ok {
		return i
	}
	i := int32(b.d.AttributeTable().Len())
	a := b.d.AttributeTable().AppendEmpty()
	a.SetKeyStrindex(b.str(key))
	v.CopyTo(a.Value())
	a.SetUnitStrindex(b.str(unit))
	b.attrs[k] = i
	return i
}
