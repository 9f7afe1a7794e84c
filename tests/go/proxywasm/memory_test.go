package proxywasm

import (
	"bytes"
	"fmt"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// distinctFunctions is an ExportProfilesServiceRequest of n samples, each
// with its own one-frame stack and its own function, "function_<i>" (the
// shape of tests/robustness/limits.test.js and tests/hosts/npm/npm-memory.test.js): little input,
// much memory, for every name and stack is held once the request is read.
func distinctFunctions(n int) []byte {
	message := func(b []byte, field protowire.Number, body func([]byte) []byte) []byte {
		b = protowire.AppendTag(b, field, protowire.BytesType)
		return protowire.AppendBytes(b, body(nil))
	}
	varint := func(b []byte, field protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(b, field, protowire.VarintType), v)
	}
	empty := func(b []byte) []byte { return b }
	valueType := func(typ, unit uint64) func([]byte) []byte {
		return func(b []byte) []byte { return varint(varint(b, 1, typ), 2, unit) }
	}
	profile := func(b []byte) []byte {
		b = message(b, 1, valueType(1, 2)) // sample_type samples/count
		for i := range n {
			b = message(b, 2, func(b []byte) []byte { // sample: stack_index, one timestamp
				b = varint(b, 1, uint64(1+i))
				return message(b, 5, func(b []byte) []byte { return protowire.AppendFixed64(b, 1767225600500000000) })
			})
		}
		b = protowire.AppendFixed64(protowire.AppendTag(b, 3, protowire.Fixed64Type), 1767225600000000000)
		b = varint(b, 4, 1000000000)
		b = message(b, 5, valueType(3, 4)) // period_type cpu/nanoseconds
		return varint(b, 6, 1000000)
	}
	dictionary := func(b []byte) []byte {
		b = message(b, 1, empty) // mapping_table[0]
		b = message(b, 2, empty) // location_table[0]
		for i := range n {
			b = message(b, 2, func(b []byte) []byte {
				return message(b, 3, func(b []byte) []byte { return varint(b, 1, uint64(1+i)) })
			})
		}
		b = message(b, 3, empty) // function_table[0]
		for i := range n {
			b = message(b, 3, func(b []byte) []byte { return varint(b, 1, uint64(5+i)) })
		}
		b = message(b, 4, empty) // link_table[0]
		for _, s := range []string{"", "samples", "count", "cpu", "nanoseconds"} {
			b = protowire.AppendString(protowire.AppendTag(b, 5, protowire.BytesType), s)
		}
		for i := range n {
			b = protowire.AppendString(protowire.AppendTag(b, 5, protowire.BytesType), fmt.Sprintf("function_%d", i))
		}
		b = message(b, 6, func(b []byte) []byte { return message(b, 2, empty) }) // attribute_table[0]
		b = message(b, 7, empty)                                                 // stack_table[0]
		for i := range n {
			b = message(b, 7, func(b []byte) []byte {
				return message(b, 1, func(b []byte) []byte { return protowire.AppendVarint(b, uint64(1+i)) })
			})
		}
		return b
	}
	request := message(nil, 1, func(b []byte) []byte { // resource_profiles
		b = message(b, 1, empty) // resource
		return message(b, 2, func(b []byte) []byte { return message(b, 2, profile) })
	})
	return message(request, 2, dictionary)
}

// The filter's VM memory is bounded by its converter's max_memory_bytes:
// Envoy owns the VM (proxy-wasm has no call for a plugin to replace it) and
// wasm memory never shrinks, so what bounds it is that budget. A body whose
// conversion needs more gets a local 413 with the core's message (the
// CLI's for the same bytes and configuration); the VM's memory afterwards
// is at most the budget plus a fixed overhead, a second such body does not
// grow it, and the next request converts to the same bytes as before.
func TestMemoryBudget(t *testing.T) {
	const budget = 32 << 20
	const overhead = 8 << 20 // the module's data and stack, contexts, the body pieces, allocator slack
	configuration := fmt.Sprintf(`{"max_memory_bytes": %d}`, budget)
	f := newFilter(t, []byte(configuration))
	good := fixture(t, "cpu-ebpf.pb")
	wantGood := cli(t, "otlp", good, configuration)
	first := f.send(post(protobufType, "", len(good)), good, 0)
	assertConverted(t, first, wantGood)
	before := f.memory(t)

	big := distinctFunctions(150000)
	want := cli(t, "otlp", big, configuration)
	wantMessage := fmt.Sprintf("ptm: memory limit: the conversion needs more than max_memory_bytes (%d bytes)", budget)
	if want.code != 5 || len(want.messages) != 1 || want.messages[0] != wantMessage {
		t.Fatalf("the CLI: exit %d, messages %q; want exit 5 and %q", want.code, want.messages, wantMessage)
	}
	if fine := cli(t, "otlp", big, ""); fine.code != 0 {
		t.Fatalf("the default budget (1 GiB) converts it: exit %d %q", fine.code, fine.messages)
	}
	var after []uint64
	for round := range 2 {
		counted := f.counters(t)
		r := f.send(post(protobufType, "", len(big)), big, 1<<20)
		if r.local == nil || r.local.StatusCode != 413 {
			t.Fatalf("round %d: want a local 413, got %+v (actions %v)", round, r.local, r.actions)
		}
		if s := failure(t, r); s.Code != 3 || s.Message != wantMessage {
			t.Errorf("round %d: Status{%d, %q}, want {3, %q}", round, s.Code, s.Message, wantMessage)
		}
		if len(r.warnings) != 1 || r.warnings[0] != wantMessage {
			t.Errorf("round %d: warn logs %q, want [%q]", round, r.warnings, wantMessage)
		}
		if got := f.counters(t)["requests_rejected"] - counted["requests_rejected"]; got != 1 {
			t.Errorf("round %d: requests_rejected +%d, want +1", round, got)
		}
		after = append(after, f.memory(t))
	}
	t.Logf("VM memory: %d bytes after a request, %d after the first 413 (%d bytes of body, budget %d), %d after the second",
		before, after[0], len(big), budget, after[1])
	if after[0] <= before {
		t.Errorf("the refused conversion did not grow the VM's memory (%d bytes): the test's body is too small", after[0])
	}
	if after[0] > budget+overhead {
		t.Errorf("VM memory %d bytes after the 413: more than the budget %d + %d", after[0], budget, overhead)
	}
	if after[1] != after[0] {
		t.Errorf("VM memory %d bytes after the second 413, %d after the first: want no growth", after[1], after[0])
	}
	again := f.send(post(protobufType, "", len(good)), good, 0)
	assertConverted(t, again, wantGood)
	if !bytes.Equal(again.body, first.body) {
		t.Errorf("after the 413s the same request converts to other bytes (%d, before %d)", len(again.body), len(first.body))
	}
	if final := f.memory(t); final != after[1] {
		t.Errorf("VM memory %d bytes after the next request, %d before it", final, after[1])
	}
}
