// bench.go: builds the large, deterministic eBPF-like requests of the
// benchmarks: N timestamps-only samples over ~300 processes (one resource
// each), stacks of depth 8..30 drawn from a shared pool of 3,000 functions, a
// few threads per process. Every location carries its profile.frame.type as
// the eBPF profiler writes it: the pool's named functions `go`, its nameless
// ones and libc `native`, and one stack in five ends in the kernel (a
// syscall's entry chain and one of benchKernelPaths), so each breakdown has
// leaves of its own to classify.
//
//	ebpf      each process draws its samples from a pool of 48 stacks of its
//	          own (14,400 stacks in all, whatever N is): `-bench N`
//	distinct  every sample has a stack of its own (the worst case)
//
// Both draw from one seeded PRNG in a fixed order, so the ebpf shape's bytes
// never change with the code around it (`make bench` caches them).
package main

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

const (
	benchProcs       = 300
	benchFuncs       = 3000
	benchStacksPerPr = 48
)

// buildBench is the ebpf shape with n samples.
func buildBench(n int) pprofile.Profiles { return buildEBPF(n, false) }

// buildDistinct is the distinct shape with n samples: n stacks.
func buildDistinct(n int) pprofile.Profiles { return buildEBPF(n, true) }

// benchKernelPaths are the kernel ends of stacks, below the syscall entry
// chain, root first: TCP, pipe and disk writes, socket reads, futex and epoll
// waits on the CPU, and a page fault (no syscall).
var benchKernelPaths = [][]string{
	{"__x64_sys_write", "ksys_write", "vfs_write", "sock_write_iter", "tcp_sendmsg", "tcp_sendmsg_locked", "copy_user_enhanced_fast_string"},
	{"__x64_sys_write", "ksys_write", "vfs_write", "pipe_write", "_raw_spin_lock_irqsave"},
	{"__x64_sys_write", "ksys_write", "vfs_write", "ext4_file_write_iter", "generic_perform_write", "copy_page_from_iter_atomic"},
	{"__x64_sys_recvfrom", "__sys_recvfrom", "sock_recvmsg", "tcp_recvmsg", "tcp_recvmsg_locked", "skb_copy_datagram_iter"},
	{"__x64_sys_futex", "do_futex", "futex_wake", "wake_up_q", "try_to_wake_up"},
	{"__x64_sys_epoll_wait", "do_epoll_wait", "ep_poll", "ep_send_events"},
	{"asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault", "handle_mm_fault", "clear_page_erms"},
}

// benchKernel interns benchKernelPaths, each with the syscall entry chain
// above it unless it is a fault; returns the chains root first.
func benchKernel(x *dict, k *frameKit) [][]int32 {
	kern := x.mapping(kernelPath, 0, 0)
	ker := []int32{k.ftype["kernel"]}
	chains := make([][]int32, len(benchKernelPaths))
	for pi, path := range benchKernelPaths {
		if path[0] != "asm_exc_page_fault" {
			chains[pi] = append(chains[pi], k.syscall...)
		}
		for fi, name := range path {
			addr := 0xffffffff81300000 + uint64(pi)<<16 + uint64(fi)*0x100
			chains[pi] = append(chains[pi], x.loc(kern, addr, ker, line{fn: x.fn(name, "", "")}))
		}
	}
	return chains
}

// benchPool interns the shared code locations: mostly named (go) functions
// in a handful of shared libraries, some inlined pairs, some native frames
// without a name. Returns them by pool position.
func benchPool(x *dict, k *frameKit) []int32 {
	goType := []int32{k.ftype["go"]}
	native := []int32{k.ftype["native"]}
	libs := make([]int32, 24)
	for i := range libs {
		libs[i] = x.mapping(fmt.Sprintf("/usr/lib/x86_64-linux-gnu/libbench%02d.so.%d", i, 1+i%3), 0x7f0000000000+uint64(i)<<24, 0x7f0000000000+uint64(i+1)<<24)
	}
	pool := make([]int32, 0, benchFuncs)
	for i := range benchFuncs {
		m := libs[i%len(libs)]
		name := fmt.Sprintf("pkg%03d.(*Type%d).Method%d", i/12, i%7, i)
		var l int32
		switch {
		case i%20 == 7: // inlined pair
			callee := fmt.Sprintf("pkg%03d.inlined%d", i/12, i)
			l = x.loc(m, uint64(0x1000+i*0x40), goType,
				line{fn: x.fn(callee, callee, fmt.Sprintf("src/pkg%03d/a.go", i/12)), line: int64(i % 500)},
				line{fn: x.fn(name, name, fmt.Sprintf("src/pkg%03d/a.go", i/12)), line: int64(i%500 + 7)})
		case i%25 == 3: // native, function name empty: falls back to the mapping
			l = x.loc(m, uint64(0x1000+i*0x40), native, line{fn: x.fn("", "", "")})
		case i%50 == 11: // native without any line
			l = x.loc(m, uint64(0x1000+i*0x40), native)
		default:
			l = x.loc(m, uint64(0x1000+i*0x40), goType, line{fn: x.fn(name, name, fmt.Sprintf("src/pkg%03d/a.go", i/12)), line: int64(i % 900)})
		}
		pool = append(pool, l)
	}
	return pool
}

// benchActiveProcs is how many processes n samples come from: about one per
// 330 samples, at least 8 and at most benchProcs (a 5 s report of a node,
// 1,000 samples, has a few busy processes, not hundreds with a sample each).
func benchActiveProcs(n int) int {
	return min(benchProcs, max(8, n/330))
}

// benchCounts spreads n samples over the processes, skewed like real hosts.
func benchCounts(r *rng, n int) []int {
	counts := make([]int, benchProcs)
	weights := make([]int, benchProcs)
	active := benchActiveProcs(n)
	total := 0
	for i := range weights {
		weights[i] = 1 + r.intn(40)
		if i%37 == 0 {
			weights[i] *= 20
		}
		if i >= active {
			weights[i] = 0
		}
		total += weights[i]
	}
	assigned := 0
	for i := range counts {
		counts[i] = n * weights[i] / total
		assigned += counts[i]
	}
	for i := 0; assigned < n; i = (i + 1) % active {
		counts[i]++
		assigned++
	}
	return counts
}

// benchStack draws one stack of a process whose functions cluster around
// base in the pool; returns its locations leaf first.
func benchStack(r *rng, k *frameKit, pool []int32, kernel [][]int32, base int) []int32 {
	depth := r.between(8, 30)
	root := []int32{k.libcRoot}
	for len(root) < depth-1 {
		// Functions near the process's "home" region are more likely.
		off := r.skewed(benchFuncs / 4)
		if r.intn(2) == 0 {
			off = benchFuncs - off - 1
		}
		root = append(root, pool[(base+off)%benchFuncs])
	}
	switch r.intn(20) {
	case 0, 1, 2, 3: // a kernel end below a libc frame
		root = append(root, k.libc[r.intn(len(k.libc))])
		root = append(root, kernel[r.intn(len(kernel))]...)
	case 4, 5, 6, 7:
		root = append(root, k.libc[r.intn(len(k.libc))])
	default:
		root = append(root, pool[r.intn(benchFuncs)])
	}
	leafFirst := make([]int32, len(root))
	for i, l := range root {
		leafFirst[len(root)-1-i] = l
	}
	return leafFirst
}

// newStack draws stacks until one is not in the stack table yet; returns it.
func newStack(x *dict, draw func() []int32) int32 {
	for {
		before := x.d.StackTable().Len()
		if s := x.stack(draw()); int(s) == before {
			return s
		}
	}
}

func buildEBPF(n int, distinct bool) pprofile.Profiles {
	r := newRNG(0xbe4c)
	pd := pprofile.NewProfiles()
	x := newDict(pd.Dictionary())
	k := newFrameKit(x, r)
	pool := benchPool(x, k)
	kernel := benchKernel(x, k)
	counts := benchCounts(r, n)

	const dur = uint64(5_000_000_000)
	for pi := range benchProcs {
		if counts[pi] == 0 {
			continue
		}
		exe := fmt.Sprintf("proc-%03d", pi)
		pid := int64(10000 + pi*7)
		rp := pd.ResourceProfiles().AppendEmpty()
		rp.SetSchemaUrl(schemaURL)
		rp.Resource().Attributes().PutStr("process.executable.name", exe)
		rp.Resource().Attributes().PutInt("process.pid", pid)
		if pi%10 == 0 {
			rp.Resource().Attributes().PutStr("service.name", fmt.Sprintf("svc-%02d", pi/10))
		}
		sp := rp.ScopeProfiles().AppendEmpty()
		sp.Scope().SetName(ebpfScope)
		sp.Scope().SetVersion(ebpfScopeV)
		p := sp.Profiles().AppendEmpty()
		p.SetProfileID(profileID(r))
		x.valueType(p.SampleType(), "samples", "count")
		x.valueType(p.PeriodType(), "cpu", "nanoseconds")
		p.SetPeriod(50_000_000)
		start := t0 + uint64(pi)*1000
		p.SetTime(pcommon.Timestamp(start))
		p.SetDurationNano(dur)

		nThreads := 1 + r.intn(8)
		threads := make([][]int32, nThreads)
		for t := range threads {
			name := exe
			if t > 0 {
				name = fmt.Sprintf("%s-w%d", exe, t)
			}
			threads[t] = []int32{x.attrStr("thread.name", name), x.attrInt("thread.id", pid+int64(t))}
		}
		base := r.intn(benchFuncs)
		draw := func() []int32 { return benchStack(r, k, pool, kernel, base) }
		var stacks []int32 // the process's pool (ebpf shape only)
		if !distinct {
			stacks = make([]int32, benchStacksPerPr)
			for si := range stacks {
				stacks[si] = x.stack(draw())
			}
		}
		ss := p.Samples()
		ss.EnsureCapacity(counts[pi])
		for range counts[pi] {
			s := ss.AppendEmpty()
			if distinct {
				s.SetStackIndex(newStack(x, draw))
			} else {
				s.SetStackIndex(stacks[r.skewed(benchStacksPerPr)])
			}
			s.AttributeIndices().Append(threads[r.skewed(nThreads)]...)
			nts := 1
			if r.intn(8) == 0 {
				nts = r.between(2, 6)
			}
			for range nts {
				s.TimestampsUnixNano().Append(start + uint64(r.intn(int(dur))))
			}
		}
	}
	return pd
}
