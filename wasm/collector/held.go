// held.go: the connector's one converter, which holds the series of every
// request between flushes. Requests and flushes take turns on it (a mutex):
// one state per connector, so each series is written once per flush. An
// instance that traps (wasm) is closed with what it held, and the next call
// makes a new one: its series start again, as after a restart. With
// symbolization configured, each request's add is preceded by the reading
// of the files the core asks for (files.go).
package profiletometricsconnector

import (
	"context"
	"errors"
	"sync"
	"time"
)

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

// settle closes an instance that trapped. Call with mu held.
func (h *heldConverter) settle(err error) {
	if errors.Is(err, errTrap) {
		h.instance.close()
		h.instance = nil
	}
}

// add converts one request into the held series, at now: with
// symbolization, once the core has been handed the files it asked for.
func (h *heldConverter) add(ctx context.Context, now time.Time, request []byte) (Stats, string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.current()
	if err != nil {
		return Stats{}, "", err
	}
	if h.symbolize {
		err = i.symbolize(ctx, request, func(path string) []byte { return readSymbolFile(ctx, path) })
		if err != nil {
			h.settle(err)
			return Stats{}, "", err
		}
	}
	stats, warning, err := i.add(ctx, uint64(now.UnixNano()), request)
	h.settle(err)
	return stats, warning, err
}

// flush writes the held series as of now, as OTLP protobuf.
func (h *heldConverter) flush(ctx context.Context, now time.Time) ([]byte, Stats, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.current()
	if err != nil {
		return nil, Stats{}, err
	}
	output, stats, err := i.flush(ctx, uint64(now.UnixNano()), formatOTLPProtobuf)
	h.settle(err)
	return output, stats, err
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
