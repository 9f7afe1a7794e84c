// pool.go: module instances shared by concurrent ConsumeProfiles calls. At
// most `size` instances exist; a call takes an idle one (or makes one) and
// gives it back, unless it trapped: then it is closed and the next call
// makes a fresh one. A cumulative converter keeps its state in its
// instance, so its pool has one instance and calls take turns.
package profiletometricsconnector

import (
	"context"
	"errors"
)

type instancePool struct {
	engine engine
	config []byte
	slots  chan struct{}          // one token per instance that may exist
	idle   chan converterInstance // instances not in use
}

func newInstancePool(e engine, config []byte, size int) (*instancePool, error) {
	p := &instancePool{engine: e, config: config, slots: make(chan struct{}, size),
		idle: make(chan converterInstance, size)}
	first, err := e.newInstance(config) // fails now on a config the core refuses
	if err != nil {
		return nil, err
	}
	p.slots <- struct{}{}
	p.idle <- first
	return p, nil
}

// take returns an instance to use, waiting while all are busy.
func (p *instancePool) take(ctx context.Context) (converterInstance, error) {
	select {
	case i := <-p.idle:
		return i, nil
	default:
	}
	select {
	case i := <-p.idle:
		return i, nil
	case p.slots <- struct{}{}:
		i, err := p.engine.newInstance(p.config)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return i, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// give returns an instance after use; one that trapped is closed.
func (p *instancePool) give(i converterInstance, err error) {
	if errors.Is(err, errTrap) {
		i.close()
		<-p.slots
		return
	}
	p.idle <- i
}

func (p *instancePool) convert(ctx context.Context, input []byte, format int) ([]byte, Stats, string, error) {
	i, err := p.take(ctx)
	if err != nil {
		return nil, Stats{}, "", err
	}
	output, stats, warning, err := i.convert(ctx, input, format)
	p.give(i, err)
	return output, stats, warning, err
}

// version is the core's version, as an instance reports it.
func (p *instancePool) version(ctx context.Context) (string, error) {
	i, err := p.take(ctx)
	if err != nil {
		return "", err
	}
	v, err := i.version(ctx)
	p.give(i, err)
	return v, err
}

// close closes the idle instances; call it once no call is in flight.
func (p *instancePool) close() {
	for {
		select {
		case i := <-p.idle:
			i.close()
			<-p.slots
		default:
			return
		}
	}
}
