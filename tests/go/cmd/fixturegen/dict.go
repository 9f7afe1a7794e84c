// dict.go: a small builder over pprofile.ProfilesDictionary that interns
// strings, attributes, functions, mappings, locations and stacks (index 0 of
// every table is the zero value), plus a tiny deterministic PRNG so that the
// generated fixtures are byte-for-byte reproducible across Go versions.
package main

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/pprofconv"
)

// rng is splitmix64: fully specified here, so its output never depends on the
// Go release (math/rand's derived helpers are not promised to be stable).
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a value in [0, n).
func (r *rng) intn(n int) int {
	if n <= 0 {
		panic("intn: n <= 0")
	}
	return int(r.next() % uint64(n))
}

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// skewed returns a value in [0, n) biased towards small indices.
func (r *rng) skewed(n int) int {
	a, b := r.intn(n), r.intn(n)
	if a < b {
		return a
	}
	return b
}

// line is one Line of a Location: a function index and a source line.
type line struct {
	fn   int32
	line int64
}

type dict struct {
	d      pprofile.ProfilesDictionary
	strs   map[string]int32
	attrs  map[string]int32
	funcs  map[string]int32
	maps   map[string]int32
	locs   map[string]int32
	stacks map[string]int32
}

func newDict(d pprofile.ProfilesDictionary) *dict {
	pprofconv.AppendZeroEntries(d)
	return &dict{
		d:      d,
		strs:   map[string]int32{"": 0},
		attrs:  map[string]int32{},
		funcs:  map[string]int32{},
		maps:   map[string]int32{},
		locs:   map[string]int32{},
		stacks: map[string]int32{},
	}
}

func (x *dict) str(s string) int32 {
	if i, ok := x.strs[s]; ok {
		return i
	}
	i := int32(x.d.StringTable().Len())
	x.d.StringTable().Append(s)
	x.strs[s] = i
	return i
}

func (x *dict) attrStr(key, val string) int32 {
	k := "s\x00" + key + "\x00" + val
	if i, ok := x.attrs[k]; ok {
		return i
	}
	i := int32(x.d.AttributeTable().Len())
	a := x.d.AttributeTable().AppendEmpty()
	a.SetKeyStrindex(x.str(key))
	a.Value().SetStr(val)
	x.attrs[k] = i
	return i
}

func (x *dict) attrInt(key string, val int64) int32 {
	k := fmt.Sprintf("i\x00%s\x00%d", key, val)
	if i, ok := x.attrs[k]; ok {
		return i
	}
	i := int32(x.d.AttributeTable().Len())
	a := x.d.AttributeTable().AppendEmpty()
	a.SetKeyStrindex(x.str(key))
	a.Value().SetInt(val)
	x.attrs[k] = i
	return i
}

// fn interns a Function; an empty name leaves name_strindex at 0.
func (x *dict) fn(name, systemName, file string) int32 {
	k := name + "\x00" + systemName + "\x00" + file
	if i, ok := x.funcs[k]; ok {
		return i
	}
	i := int32(x.d.FunctionTable().Len())
	f := x.d.FunctionTable().AppendEmpty()
	f.SetNameStrindex(x.str(name))
	f.SetSystemNameStrindex(x.str(systemName))
	f.SetFilenameStrindex(x.str(file))
	x.funcs[k] = i
	return i
}

func (x *dict) mapping(file string, start, limit uint64, attrs ...int32) int32 {
	k := fmt.Sprintf("%s\x00%d\x00%d", file, start, limit)
	if i, ok := x.maps[k]; ok {
		return i
	}
	i := int32(x.d.MappingTable().Len())
	m := x.d.MappingTable().AppendEmpty()
	m.SetFilenameStrindex(x.str(file))
	m.SetMemoryStart(start)
	m.SetMemoryLimit(limit)
	m.AttributeIndices().Append(attrs...)
	x.maps[k] = i
	return i
}

// loc interns a Location; lines[0] is the innermost (inlined) frame.
func (x *dict) loc(mapping int32, addr uint64, attrs []int32, lines ...line) int32 {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d/%d/%v", mapping, addr, attrs)
	for _, l := range lines {
		fmt.Fprintf(&sb, "/%d:%d", l.fn, l.line)
	}
	k := sb.String()
	if i, ok := x.locs[k]; ok {
		return i
	}
	i := int32(x.d.LocationTable().Len())
	l := x.d.LocationTable().AppendEmpty()
	l.SetMappingIndex(mapping)
	l.SetAddress(addr)
	l.AttributeIndices().Append(attrs...)
	for _, ln := range lines {
		nl := l.Lines().AppendEmpty()
		nl.SetFunctionIndex(ln.fn)
		nl.SetLine(ln.line)
	}
	x.locs[k] = i
	return i
}

// stack interns a Stack given leaf first.
func (x *dict) stack(locs []int32) int32 {
	k := fmt.Sprint(locs)
	if i, ok := x.stacks[k]; ok {
		return i
	}
	i := int32(x.d.StackTable().Len())
	x.d.StackTable().AppendEmpty().LocationIndices().Append(locs...)
	x.stacks[k] = i
	return i
}

func (x *dict) valueType(vt pprofile.ValueType, typ, unit string) {
	vt.SetTypeStrindex(x.str(typ))
	vt.SetUnitStrindex(x.str(unit))
}
