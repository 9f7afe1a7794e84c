// builder_test.go: profileBuilder, requests built frame by frame for the
// tests of built_test.go (a dictionary, typed frames with lines or a
// mapping, resources, CPU profiles and their samples).
package breakdown

import (
	"fmt"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/pprofconv"
)

type profileBuilder struct {
	pd    pprofile.Profiles
	dict  pprofile.ProfilesDictionary
	strs  map[string]int32
	locs  map[string]int32
	attrs map[string]int32
}

func newProfileBuilder() *profileBuilder {
	pd := pprofile.NewProfiles()
	pprofconv.AppendZeroEntries(pd.Dictionary())
	return &profileBuilder{pd: pd, dict: pd.Dictionary(), strs: map[string]int32{"": 0}, locs: map[string]int32{}, attrs: map[string]int32{}}
}

func (b *profileBuilder) str(s string) int32 {
	if i, ok := b.strs[s]; ok {
		return i
	}
	i := int32(b.dict.StringTable().Len())
	b.dict.StringTable().Append(s)
	b.strs[s] = i
	return i
}

// loc: a location of one line calling function name (interned).
func (b *profileBuilder) loc(name string) int32 {
	if i, ok := b.locs[name]; ok {
		return i
	}
	f := b.dict.FunctionTable().AppendEmpty()
	f.SetNameStrindex(b.str(name))
	i := int32(b.dict.LocationTable().Len())
	b.dict.LocationTable().AppendEmpty().Lines().AppendEmpty().SetFunctionIndex(int32(b.dict.FunctionTable().Len() - 1))
	b.locs[name] = i
	return i
}

// stack: a stack of the functions named, leaf first.
func (b *profileBuilder) stack(names ...string) int32 {
	s := b.dict.StackTable().AppendEmpty()
	for _, n := range names {
		s.LocationIndices().Append(b.loc(n))
	}
	return int32(b.dict.StackTable().Len() - 1)
}

// frame: a new location with the attributes attrs, in a mapping of file
// mappingFile ("": mapping 0), with lines {function name, file name} in
// stored order.
func (b *profileBuilder) frame(attrs []int32, mappingFile string, lines ...[2]string) int32 {
	loc := b.dict.LocationTable().AppendEmpty()
	loc.AttributeIndices().Append(attrs...)
	if mappingFile != "" {
		b.dict.MappingTable().AppendEmpty().SetFilenameStrindex(b.str(mappingFile))
		loc.SetMappingIndex(int32(b.dict.MappingTable().Len() - 1))
	}
	for _, l := range lines {
		f := b.dict.FunctionTable().AppendEmpty()
		f.SetNameStrindex(b.str(l[0]))
		f.SetFilenameStrindex(b.str(l[1]))
		loc.Lines().AppendEmpty().SetFunctionIndex(int32(b.dict.FunctionTable().Len() - 1))
	}
	return int32(b.dict.LocationTable().Len() - 1)
}

// typed: the attributes of a location of frame type typ.
func (b *profileBuilder) typed(typ string) []int32 {
	return []int32{b.attr(pdataoracle.FrameTypeKey, typ)}
}

func (b *profileBuilder) stackOf(locs ...int32) int32 {
	b.dict.StackTable().AppendEmpty().LocationIndices().Append(locs...)
	return int32(b.dict.StackTable().Len() - 1)
}

// attr: an attribute table entry; value is a string, an int64 or a bool.
func (b *profileBuilder) attr(key string, value any) int32 {
	id := fmt.Sprintf("%s\x00%T\x00%v", key, value, value)
	if i, ok := b.attrs[id]; ok {
		return i
	}
	a := b.dict.AttributeTable().AppendEmpty()
	a.SetKeyStrindex(b.str(key))
	switch v := value.(type) {
	case string:
		a.Value().SetStr(v)
	case int64:
		a.Value().SetInt(v)
	case bool:
		a.Value().SetBool(v)
	default:
		panic(fmt.Sprintf("attr %T", value))
	}
	i := int32(b.dict.AttributeTable().Len() - 1)
	b.attrs[id] = i
	return i
}

func (b *profileBuilder) resource(attrs map[string]string) pprofile.ScopeProfiles {
	rp := b.pd.ResourceProfiles().AppendEmpty()
	for k, v := range attrs {
		rp.Resource().Attributes().PutStr(k, v)
	}
	return rp.ScopeProfiles().AppendEmpty()
}

// cpuProfile: a cpu/nanoseconds profile of one second.
func (b *profileBuilder) cpuProfile(sp pprofile.ScopeProfiles, attrs ...int32) pprofile.Profile {
	p := sp.Profiles().AppendEmpty()
	p.SampleType().SetTypeStrindex(b.str("cpu"))
	p.SampleType().SetUnitStrindex(b.str("nanoseconds"))
	p.SetTime(pcommon.Timestamp(1_700_000_000_000_000_000))
	p.SetDurationNano(1_000_000_000)
	p.AttributeIndices().Append(attrs...)
	return p
}

func (b *profileBuilder) sample(p pprofile.Profile, stack int32, value int64, attrs ...int32) {
	s := p.Samples().AppendEmpty()
	s.SetStackIndex(stack)
	s.Values().Append(value)
	s.AttributeIndices().Append(attrs...)
}

// marshal: the request's bytes, and pdata's reading of them (what the
// expected values are computed from, as for the fixtures).
func (b *profileBuilder) marshal(t *testing.T) ([]byte, pprofile.Profiles) {
	t.Helper()
	data, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(b.pd)
	if err != nil {
		t.Fatal(err)
	}
	pd, err := (&pprofile.ProtoUnmarshaler{}).UnmarshalProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	return data, pd
}
