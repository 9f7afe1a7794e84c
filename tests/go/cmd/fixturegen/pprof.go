// pprof.go: the pprof-like benchmark request: what a collector receives from
// Go services whose pprof profiles were converted to OTLP. 40 services (one
// resource each: service.name, host.name, process.pid), each one scope with a
// CPU profile (cpu/nanoseconds values, 10 ms period) and a heap profile as
// pprof's four sample types (alloc_objects, alloc_space, inuse_objects,
// inuse_space: four profiles over the same samples, values in count and
// bytes), process.executable.name on the profiles (the older placement).
// Stacks are 10..40 deep, drawn per service from a shared pool of Go
// functions (runtime and standard library shared, application code per
// service); CPU samples carry an http.route label two times in three.
// Samples: 40% CPU, 15% in each heap profile.
package main

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

const (
	pprofServices         = 40
	pprofSharedFuncs      = 600 // runtime, standard library, common modules
	pprofAppFuncs         = 400 // per service
	pprofStacksPerService = 300
)

var pprofRoutes = []string{"/orders", "/cart", "/checkout", "/search", "/users/{id}", "/health"}

// pprofService is one service's binary: its locations, root first in call
// order within each group.
type pprofService struct {
	shared, app []int32
}

func newPprofService(x *dict, si int, sharedNames []string) pprofService {
	binary := fmt.Sprintf("/usr/local/bin/svc-%02d", si)
	m := x.mapping(binary, 0x400000, 0x4000000, x.attrStr("process.executable.build_id.go", fmt.Sprintf("go-build-%04d", si)))
	var s pprofService
	for i, f := range sharedNames {
		s.shared = append(s.shared, x.loc(m, 0x401000+uint64(i)*0x80, nil, line{fn: x.fn(f, f, "go/src/"+f[:3]+".go"), line: int64(10 + i%700)}))
	}
	for i := range pprofAppFuncs {
		f := fmt.Sprintf("svc%02d/internal/pkg%02d.(*Handler%d).Serve%d", si, i/20, i%5, i)
		var l int32
		if i%15 == 4 { // inlined pair
			callee := fmt.Sprintf("svc%02d/internal/pkg%02d.helper%d", si, i/20, i)
			l = x.loc(m, 0x900000+uint64(i)*0x80, nil,
				line{fn: x.fn(callee, callee, "internal/a.go"), line: int64(i)},
				line{fn: x.fn(f, f, "internal/a.go"), line: int64(i + 3)})
		} else {
			l = x.loc(m, 0x900000+uint64(i)*0x80, nil, line{fn: x.fn(f, f, "internal/a.go"), line: int64(i)})
		}
		s.app = append(s.app, l)
	}
	return s
}

// stack: runtime.main and main.main at the root, application frames, then
// shared library frames towards the leaf (an allocation ends in the
// allocator, a CPU sample anywhere); leaf first.
func (s pprofService) stack(r *rng, alloc bool) []int32 {
	depth := r.between(10, 40)
	root := []int32{s.shared[0], s.shared[1]}
	appFrames := r.between(depth/3, 2*depth/3)
	for range appFrames {
		root = append(root, s.app[r.skewed(len(s.app))])
	}
	for len(root) < depth-1 {
		root = append(root, s.shared[2+r.skewed(len(s.shared)-2)])
	}
	if alloc {
		root = append(root, s.shared[2+r.intn(3)]) // mallocgc and friends
	} else {
		root = append(root, s.shared[2+r.intn(len(s.shared)-2)])
	}
	leafFirst := make([]int32, len(root))
	for i, l := range root {
		leafFirst[len(root)-1-i] = l
	}
	return leafFirst
}

func pprofSharedNames() []string {
	names := []string{"runtime.main", "main.main", "runtime.mallocgc", "runtime.growslice", "runtime.makeslice"}
	for i := len(names); i < pprofSharedFuncs; i++ {
		names = append(names, fmt.Sprintf("lib%02d.(*T%d).F%d", i/25, i%4, i))
	}
	return names
}

func buildPprof(n int) pprofile.Profiles {
	r := newRNG(0x9bf1)
	pd := pprofile.NewProfiles()
	x := newDict(pd.Dictionary())
	sharedNames := pprofSharedNames()
	routes := make([]int32, len(pprofRoutes))
	for i, route := range pprofRoutes {
		routes[i] = x.attrStr("http.route", route)
	}
	perService := n / pprofServices
	for si := range pprofServices {
		count := perService
		if si == pprofServices-1 {
			count = n - perService*(pprofServices-1)
		}
		rp := pd.ResourceProfiles().AppendEmpty()
		rp.SetSchemaUrl(schemaURL)
		attrs := rp.Resource().Attributes()
		attrs.PutStr("service.name", fmt.Sprintf("svc-%02d", si))
		attrs.PutStr("host.name", fmt.Sprintf("node-%02d", si%8))
		attrs.PutInt("process.pid", int64(100+si))
		sp := rp.ScopeProfiles().AppendEmpty()
		sp.Scope().SetName("pprof")
		exe := x.attrStr("process.executable.name", fmt.Sprintf("svc-%02d", si))
		svc := newPprofService(x, si, sharedNames)
		start := t0 + uint64(si)*1_000_000
		heap := count * 15 / 100
		cpuSamples := count - 4*heap
		addCPUProfile(x, r, sp, svc, exe, routes, start, cpuSamples)
		addHeapProfiles(x, r, sp, svc, exe, start, heap)
	}
	return pd
}

func newPprofProfile(x *dict, r *rng, sp pprofile.ScopeProfiles, typ, unit, periodType, periodUnit string, period int64, start, dur uint64, exe int32) pprofile.Profile {
	p := sp.Profiles().AppendEmpty()
	p.SetProfileID(profileID(r))
	x.valueType(p.SampleType(), typ, unit)
	x.valueType(p.PeriodType(), periodType, periodUnit)
	p.SetPeriod(period)
	p.SetTime(pcommon.Timestamp(start))
	p.SetDurationNano(dur)
	p.AttributeIndices().Append(exe)
	p.SetOriginalPayloadFormat("pprof")
	return p
}

func addCPUProfile(x *dict, r *rng, sp pprofile.ScopeProfiles, svc pprofService, exe int32, routes []int32, start uint64, n int) {
	const period = 10_000_000
	p := newPprofProfile(x, r, sp, "cpu", "nanoseconds", "cpu", "nanoseconds", period, start, 10_000_000_000, exe)
	stacks := make([]int32, pprofStacksPerService)
	for i := range stacks {
		stacks[i] = x.stack(svc.stack(r, false))
	}
	ss := p.Samples()
	ss.EnsureCapacity(n)
	for range n {
		s := ss.AppendEmpty()
		s.SetStackIndex(stacks[r.skewed(len(stacks))])
		if r.intn(3) != 0 {
			s.AttributeIndices().Append(routes[r.skewed(len(routes))])
		}
		s.Values().Append(int64(r.between(1, 25)) * period)
	}
}

// addHeapProfiles: n heap samples, each in the four profiles of pprof's heap
// sample types with its own values.
func addHeapProfiles(x *dict, r *rng, sp pprofile.ScopeProfiles, svc pprofService, exe int32, start uint64, n int) {
	type heapSample struct {
		stack                       int32
		allocObj, inuseObj, objSize int64
	}
	stacks := make([]int32, pprofStacksPerService)
	for i := range stacks {
		stacks[i] = x.stack(svc.stack(r, true))
	}
	hs := make([]heapSample, n)
	for i := range hs {
		obj := int64(r.between(1, 4000))
		hs[i] = heapSample{stack: stacks[r.skewed(len(stacks))], allocObj: obj,
			inuseObj: int64(r.intn(int(obj) + 1)), objSize: int64(8 << r.intn(10))}
	}
	kinds := []struct {
		typ, unit string
		dur       uint64
		value     func(h heapSample) int64
	}{
		{"alloc_objects", "count", 10_000_000_000, func(h heapSample) int64 { return h.allocObj }},
		{"alloc_space", "bytes", 10_000_000_000, func(h heapSample) int64 { return h.allocObj * h.objSize }},
		{"inuse_objects", "count", 0, func(h heapSample) int64 { return h.inuseObj }},
		{"inuse_space", "bytes", 0, func(h heapSample) int64 { return h.inuseObj * h.objSize }},
	}
	for _, kind := range kinds {
		p := newPprofProfile(x, r, sp, kind.typ, kind.unit, "space", "bytes", 524288, start, kind.dur, exe)
		ss := p.Samples()
		ss.EnsureCapacity(n)
		for _, h := range hs {
			s := ss.AppendEmpty()
			s.SetStackIndex(h.stack)
			s.Values().Append(kind.value(h))
		}
	}
}
