// memory_test.go: a request over max_memory_bytes is refused with the
// core's message; a wasm instance whose memory grew past discardAboveBytes
// is flushed downstream at once and replaced, so its memory goes back and
// nothing it held is lost; the connector keeps converting.
package profiletometricsconnector

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// distinctFunctions is one request of n samples, each its own one-frame
// stack of a function of its own name (function_0 …): the core holds a
// series per function, so what a conversion needs grows with n (about
// 1 KB per function), far faster than the request (about 50 bytes each).
func distinctFunctions(n int) pprofile.Profiles {
	profiles := pprofile.NewProfiles()
	d := profiles.Dictionary()
	strs := d.StringTable()
	strs.Append("", "samples", "count", "cpu", "nanoseconds")
	d.MappingTable().AppendEmpty()
	d.AttributeTable().AppendEmpty()
	d.LinkTable().AppendEmpty()
	d.FunctionTable().AppendEmpty()
	d.LocationTable().AppendEmpty()
	d.StackTable().AppendEmpty()
	p := profiles.ResourceProfiles().AppendEmpty().ScopeProfiles().AppendEmpty().Profiles().AppendEmpty()
	p.SampleType().SetTypeStrindex(1)
	p.SampleType().SetUnitStrindex(2)
	p.PeriodType().SetTypeStrindex(3)
	p.PeriodType().SetUnitStrindex(4)
	p.SetPeriod(1_000_000)
	const start = 1767225600_000_000_000
	p.SetTime(pcommon.Timestamp(start))
	p.SetDurationNano(1_000_000_000)
	for k := 0; k < n; k++ {
		strs.Append(fmt.Sprintf("function_%d", k))
		d.FunctionTable().AppendEmpty().SetNameStrindex(int32(5 + k))
		d.LocationTable().AppendEmpty().Lines().AppendEmpty().SetFunctionIndex(int32(1 + k))
		d.StackTable().AppendEmpty().LocationIndices().Append(int32(1 + k))
		s := p.Samples().AppendEmpty()
		s.SetStackIndex(int32(1 + k))
		s.TimestampsUnixNano().Append(start + 500_000_000)
	}
	return profiles
}

// lowerDiscardThreshold sets discardAboveBytes for one test.
func lowerDiscardThreshold(t *testing.T, bytes uint64) {
	old := discardAboveBytes
	discardAboveBytes = bytes
	t.Cleanup(func() { discardAboveBytes = old })
}

// TestARequestOverTheMemoryBudget: with max_memory_bytes 48 MiB and the
// threshold at 32 MiB, a request needing about 100 MB is the permanent
// InvalidArgument refusal with the core's message. The wasm instance, its
// memory grown past the threshold, was replaced, and the series it held
// before were flushed downstream at once; native keeps its converter and
// what it holds. Both convert the next request.
func TestARequestOverTheMemoryBudget(t *testing.T) {
	lowerDiscardThreshold(t, 32<<20)
	const budget = 48 << 20
	message := fmt.Sprintf("profiletometrics: memory limit: the conversion needs more than max_memory_bytes (%d bytes)", budget)
	small := filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb")
	config := map[string]any{"max_memory_bytes": budget}
	bad := distinctFunctions(100_000)
	for _, engine := range engines() {
		sink := &consumertest.MetricsSink{}
		c := newTestConnector(t, config, sink, engine)
		consume(t, c, requests(t, small))
		if size := c.held.instance.memoryBytes(); size > discardAboveBytes {
			t.Fatalf("%s: %d bytes after a small request: the threshold is too low for this test", engine, size)
		}
		err := c.ConsumeProfiles(context.Background(), bad)
		if err == nil || !consumererror.IsPermanent(err) || status.Code(err) != codes.InvalidArgument ||
			!strings.HasSuffix(err.Error(), message) {
			t.Fatalf("%s: the request over the budget: %v", engine, err)
		}
		held := sink.AllMetrics()
		if engine == "wasm" {
			if c.held.instance != nil {
				t.Fatalf("wasm: the instance (%d bytes of memory) was kept", c.held.instance.memoryBytes())
			}
			if len(held) != 1 {
				t.Fatalf("wasm: %d flushes sent on when the instance was discarded, not 1", len(held))
			}
			sameValues(t, "wasm: the discarded instance's flush", held[0], fromCLI(t, cli(t, `{"temporality":"cumulative"}`, "-f", "otlp", small)))
		} else if len(held) != 0 || c.held.instance.memoryBytes() != 0 {
			t.Fatalf("native: %d flushes sent on, memory %d", len(held), c.held.instance.memoryBytes())
		}
		consume(t, c, requests(t, small))
		if size := c.held.instance.memoryBytes(); size > discardAboveBytes {
			t.Fatalf("%s: %d bytes of memory after the next request", engine, size)
		}
		_, got := flushNow(t, c, sink)
		if len(got) != 1 {
			t.Fatalf("%s: the next request converted nothing", engine)
		}
		// The new instance holds the next request only; native both.
		inputs := []string{small}
		if engine == "native" {
			inputs = append(inputs, small)
		}
		sameValues(t, engine+": after the refusal", got[0],
			fromCLI(t, cli(t, `{"temporality":"cumulative"}`, append([]string{"-f", "otlp"}, inputs...)...)))
	}
}

// TestAFlushThatGrewMemoryDiscardsTheInstance: with the threshold at 0,
// every call leaves too much memory: after an add the held series are
// flushed on at once, after a flush its own output is all there was; each
// next call makes a new instance, and no series is lost or sent twice.
func TestAFlushThatGrewMemoryDiscardsTheInstance(t *testing.T) {
	lowerDiscardThreshold(t, 0)
	small := filepath.Join(repoRoot, "tests", "fixtures", "cpu-ebpf.pb")
	want := fromCLI(t, cli(t, `{"temporality":"cumulative"}`, "-f", "otlp", small))
	sink := &consumertest.MetricsSink{}
	c := newTestConnector(t, nil, sink, "wasm")
	consume(t, c, requests(t, small))
	if c.held.instance != nil || len(sink.AllMetrics()) != 1 {
		t.Fatalf("after the add: instance kept %v, %d flushes", c.held.instance != nil, len(sink.AllMetrics()))
	}
	sameValues(t, "the add's flush", sink.AllMetrics()[0], want)
	_, got := flushNow(t, c, sink)
	if len(got) != 0 || c.held.instance != nil {
		t.Fatalf("a flush of a new, empty instance: %d outputs, instance kept %v", len(got), c.held.instance != nil)
	}
	discardAboveBytes = 256 << 20
	consume(t, c, requests(t, small))
	discardAboveBytes = 0
	_, got = flushNow(t, c, sink)
	if len(got) != 1 || c.held.instance != nil {
		t.Fatalf("the flush: %d outputs, instance kept %v", len(got), c.held.instance != nil)
	}
	sameValues(t, "the flush", got[0], want)
}
