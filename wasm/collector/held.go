// held.go: the connector's one converter, which holds the series of every
// request between flushes. Requests and flushes take turns on it (a mutex):
// one state per connector, so each series is written once per flush. An
// instance that traps (wasm) is closed with what it held, and the next call
// makes a new one: its series start again, as after a restart. A wasm
// instance whose linear memory grew past discardAboveBytes during a call
// (one request needing hundreds of MB, refused at max_memory_bytes or not)
// is discarded after it, since wasm memory never shrinks: what it holds is
// flushed first (the add hands that output to the connector, which sends it
// on at once), so nothing is lost, but its cumulative series start again,
// as after a restart. With symbolization configured, each request's add is
// preceded by the reading of the files the core asks for (files.go).
package profiletometricsconnector

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// discardAboveBytes: a wasm instance whose linear memory is larger than
// this after a call is discarded (its memory handed back to the OS), since
// a wasm memory only grows. 256 MiB is far above what steady traffic needs
// (the eBPF profiler's reports keep an instance at a few tens of MB) and a
// quarter of the default max_memory_bytes, so a request that needed most of
// the budget does not pin it. A variable for the tests only.
var discardAboveBytes uint64 = 256 << 20

// discarded is an instance discarded for its memory: its size then, and
// (after an add) the flush of what it held, for the connector to send on as
// an interval flush's. After a flush, that flush's own output holds it all.
type discarded struct {
	memoryBytes uint64
	output      []byte // nil after a flush
	stats       Stats
	err         error
}

type heldConverter struct {
	mu        sync.Mutex
	engine    engine
	config    []byte
	symbolize bool              // the config has symbolize paths, a root or debuginfod servers
	instance  converterInstance // nil after a trap, until the next call
}

func newHeldConverter(e engine, config []byte) (*heldConverter, error) {
	instance, err := e.newInstance(config) // fails now on a config the core refuses
	if err != nil {
		return nil, err
	}
	return &heldConverter{engine: e, config: config, symbolize: symbolizes(config), instance: instance}, nil
}

// current is the instance, made anew after a trap. Call with mu held.
func (h *heldConverter) current() (converterInstance, error) {
	if h.instance == nil {
		instance, err := h.engine.newInstance(h.config)
		if err != nil {
			return nil, err
		}
		h.instance = instance
	}
	return h.instance, nil
}

// settle closes an instance that trapped, and hands its memory back when it
// had grown past discardAboveBytes. Call with mu held.
func (h *heldConverter) settle(err error) {
	if errors.Is(err, errTrap) {
		big := h.instance.memoryBytes() > discardAboveBytes
		h.instance.close()
		h.instance = nil
		if big {
			giveBack()
		}
	}
}

// shrink discards the instance when its memory grew past
// discardAboveBytes, flushing what it holds at now first unless flushed
// (the call was a flush, whose output holds it all); nil when the instance
// stays. Call with mu held.
func (h *heldConverter) shrink(ctx context.Context, now time.Time, flushed bool) *discarded {
	if h.instance == nil {
		return nil
	}
	size := h.instance.memoryBytes()
	if size <= discardAboveBytes {
		return nil
	}
	d := &discarded{memoryBytes: size}
	if !flushed {
		d.output, d.stats, d.err = h.instance.flush(ctx, uint64(now.UnixNano()), formatOTLPProtobuf)
	}
	h.instance.close()
	h.instance = nil
	giveBack()
	return d
}

var giveBackPending atomic.Bool

// giveBack hands the memory the Go heap no longer uses back to the OS, now
// and once more a second later. A discarded instance's memory is a Go slice,
// now garbage, and so are a refused request's pdata and protobuf: collected
// at the next GC, which a heap grown this large puts off for long, and only
// then handed back, slowly, by the scavenger. The request itself is the
// receiver's until its handler has returned, hence the second time. Rare
// (after a request needing hundreds of MB): a pause of some ms each time;
// calls while a second time is pending add none.
func giveBack() {
	debug.FreeOSMemory()
	if giveBackPending.CompareAndSwap(false, true) {
		time.AfterFunc(time.Second, func() {
			giveBackPending.Store(false)
			debug.FreeOSMemory()
		})
	}
}

// add converts one request into the held series, at now: with
// symbolization, once the core has been handed the files it asked for.
// d is not nil when the instance was discarded after it (shrink).
func (h *heldConverter) add(ctx context.Context, now time.Time, request []byte) (stats Stats, warning string, d *discarded, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.current()
	if err != nil {
		return Stats{}, "", nil, err
	}
	if h.symbolize {
		err = i.symbolize(ctx, request, func(path string) []byte { return readSymbolFile(ctx, path) })
		if err != nil {
			h.settle(err)
			return Stats{}, "", h.shrink(ctx, now, false), err
		}
	}
	stats, warning, err = i.add(ctx, uint64(now.UnixNano()), request)
	h.settle(err)
	if d = h.shrink(ctx, now, false); d == nil && refusedForMemory(err) {
		// Nothing to discard (native, or a wasm memory under the
		// threshold), but the refused request leaves hundreds of MB of
		// garbage: its pdata and protobuf, and what the core freed.
		giveBack()
	}
	return stats, warning, d, err
}

// refusedForMemory: the core refused a call for memory (memory_limit: over
// max_memory_bytes; nomem: an allocation failed).
func refusedForMemory(err error) bool {
	var core *coreError
	return errors.As(err, &core) && (core.Code == "memory_limit" || core.Code == "nomem")
}

// flush writes the held series as of now, as OTLP protobuf; d is not nil
// when the instance was discarded after it (shrink).
func (h *heldConverter) flush(ctx context.Context, now time.Time) (output []byte, stats Stats, d *discarded, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.current()
	if err != nil {
		return nil, Stats{}, nil, err
	}
	output, stats, err = i.flush(ctx, uint64(now.UnixNano()), formatOTLPProtobuf)
	h.settle(err)
	return output, stats, h.shrink(ctx, now, true), err
}

// version is the core's version, as the instance reports it.
func (h *heldConverter) version(ctx context.Context) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.current()
	if err != nil {
		return "", err
	}
	v, err := i.version(ctx)
	h.settle(err)
	return v, err
}

// close frees the instance; call it once no call is in flight.
func (h *heldConverter) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.instance != nil {
		h.instance.close()
		h.instance = nil
	}
}
