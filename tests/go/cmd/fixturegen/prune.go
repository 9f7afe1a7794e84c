// prune.go: a request with its dictionary cut down to what its samples and
// profiles use, as a real sender's is: the same resources, scopes, profiles
// and samples, and only the stacks, locations, functions, mappings,
// attributes and strings they reach, renumbered in order of first use.
// Attribute values must be strings or ints (all the generators write).
package main

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

// pruner re-interns entries of the old dictionary into a new one on first
// use; stacks are memoised (they are the many repeated lookups).
type pruner struct {
	old    pprofile.ProfilesDictionary
	x      *dict
	stacks map[int32]int32
}

func prune(src pprofile.Profiles) pprofile.Profiles {
	dst := pprofile.NewProfiles()
	src.ResourceProfiles().CopyTo(dst.ResourceProfiles())
	p := &pruner{old: src.Dictionary(), x: newDict(dst.Dictionary()), stacks: map[int32]int32{}}
	for _, rp := range dst.ResourceProfiles().All() {
		for _, sp := range rp.ScopeProfiles().All() {
			for _, prof := range sp.Profiles().All() {
				p.profile(prof)
			}
		}
	}
	return dst
}

func (p *pruner) profile(prof pprofile.Profile) {
	p.valueType(prof.SampleType())
	p.valueType(prof.PeriodType())
	p.attributes(prof.AttributeIndices())
	for _, s := range prof.Samples().All() {
		s.SetStackIndex(p.stack(s.StackIndex()))
		p.attributes(s.AttributeIndices())
		if s.LinkIndex() != 0 {
			panic("prune: links are not carried over")
		}
	}
}

func (p *pruner) str(i int32) int32 { return p.x.str(p.old.StringTable().At(int(i))) }

func (p *pruner) valueType(vt pprofile.ValueType) {
	vt.SetTypeStrindex(p.str(vt.TypeStrindex()))
	vt.SetUnitStrindex(p.str(vt.UnitStrindex()))
}

// attributes renumbers a list of attribute indices in place.
func (p *pruner) attributes(indices pcommon.Int32Slice) {
	for n := range indices.Len() {
		indices.SetAt(n, p.attribute(indices.At(n)))
	}
}

func (p *pruner) attributeList(indices pcommon.Int32Slice) []int32 {
	var out []int32
	for _, i := range indices.All() {
		out = append(out, p.attribute(i))
	}
	return out
}

func (p *pruner) attribute(i int32) int32 {
	a := p.old.AttributeTable().At(int(i))
	key := p.old.StringTable().At(int(a.KeyStrindex()))
	switch a.Value().Type() {
	case pcommon.ValueTypeStr:
		return p.x.attrStr(key, a.Value().Str())
	case pcommon.ValueTypeInt:
		return p.x.attrInt(key, a.Value().Int())
	}
	panic(fmt.Sprintf("prune: attribute %q of type %s", key, a.Value().Type()))
}

func (p *pruner) stack(i int32) int32 {
	if i == 0 {
		return 0
	}
	if s, ok := p.stacks[i]; ok {
		return s
	}
	var locs []int32
	for _, l := range p.old.StackTable().At(int(i)).LocationIndices().All() {
		locs = append(locs, p.location(l))
	}
	s := p.x.stack(locs)
	p.stacks[i] = s
	return s
}

func (p *pruner) location(i int32) int32 {
	l := p.old.LocationTable().At(int(i))
	var lines []line
	for _, ln := range l.Lines().All() {
		lines = append(lines, line{fn: p.function(ln.FunctionIndex()), line: ln.Line()})
	}
	return p.x.loc(p.mapping(l.MappingIndex()), l.Address(), p.attributeList(l.AttributeIndices()), lines...)
}

func (p *pruner) function(i int32) int32 {
	f := p.old.FunctionTable().At(int(i))
	s := p.old.StringTable()
	return p.x.fn(s.At(int(f.NameStrindex())), s.At(int(f.SystemNameStrindex())), s.At(int(f.FilenameStrindex())))
}

func (p *pruner) mapping(i int32) int32 {
	if i == 0 {
		return 0
	}
	m := p.old.MappingTable().At(int(i))
	return p.x.mapping(p.old.StringTable().At(int(m.FilenameStrindex())), m.MemoryStart(), m.MemoryLimit(),
		p.attributeList(m.AttributeIndices())...)
}
