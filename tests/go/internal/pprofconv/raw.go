// raw.go: a second reader of profile.proto, field by field with protowire,
// for files google/pprof refuses (its CheckValid rejects a function with the
// reserved ID 0, which .NET profilers write). It fills the same
// profile.Profile that google/pprof's Parse gives and follows its decoding
// rules: references are resolved by ID (a line's function_id 0 is no
// function; a function or mapping ID no entry has resolves to nothing, a
// location ID is an error), but a table none of whose entries has an ID
// (all 0, as .NET writes its functions) is numbered by position, the first
// entry 1, as ptm does (and grafana/pyroscope for .NET files); a label is a string
// label when its str is set, else numeric when num or num_unit is, else
// dropped. No validity check is made. A gzip-compressed file is decompressed
// first (every gzip member).
package pprofconv

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/google/pprof/profile"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawMessage is one message's fields: varints (packed or not) and
// length-delimited bytes, by field number, in file order.
type rawMessage struct {
	ints  map[protowire.Number][]uint64
	bytes map[protowire.Number][][]byte
}

func parseMessage(b []byte) (rawMessage, error) {
	m := rawMessage{ints: map[protowire.Number][]uint64{}, bytes: map[protowire.Number][][]byte{}}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return m, protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return m, protowire.ParseError(n)
			}
			m.ints[num] = append(m.ints[num], v)
			b = b[n:]
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return m, protowire.ParseError(n)
			}
			m.bytes[num] = append(m.bytes[num], v)
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return m, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return m, nil
}

// packed returns field num's varints, whether written one by one or packed.
func (m rawMessage) packed(num protowire.Number) ([]uint64, error) {
	out := m.ints[num]
	for _, b := range m.bytes[num] {
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			out = append(out, v)
			b = b[n:]
		}
	}
	return out, nil
}

// int returns the last value of a scalar field (0 when absent).
func (m rawMessage) int(num protowire.Number) uint64 {
	if v := m.ints[num]; len(v) > 0 {
		return v[len(v)-1]
	}
	return 0
}

// rawDecoder holds the string table while messages are turned into
// profile objects; a string index outside it is an error.
type rawDecoder struct {
	strings []string
	err     error
}

func (d *rawDecoder) str(i uint64) string {
	if i >= uint64(len(d.strings)) {
		if d.err == nil {
			d.err = fmt.Errorf("string index %d outside the table of %d", i, len(d.strings))
		}
		return ""
	}
	return d.strings[i]
}

// DecodeRaw reads a profile.proto message (gzipped or not) into a
// profile.Profile without google/pprof's validity checks; the result is the
// caller's.
func DecodeRaw(data []byte) (*profile.Profile, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		if data, err = io.ReadAll(gz); err != nil {
			return nil, err
		}
	}
	top, err := parseMessage(data)
	if err != nil {
		return nil, err
	}
	d := &rawDecoder{}
	for _, s := range top.bytes[6] {
		d.strings = append(d.strings, string(s))
	}
	p := &profile.Profile{
		TimeNanos:     int64(top.int(9)),
		DurationNanos: int64(top.int(10)),
		Period:        int64(top.int(12)),
		PeriodType:    &profile.ValueType{},
	}
	for _, b := range top.bytes[1] {
		vt, err := d.valueType(b)
		if err != nil {
			return nil, err
		}
		p.SampleType = append(p.SampleType, vt)
	}
	if pt := top.bytes[11]; len(pt) > 0 {
		if p.PeriodType, err = d.valueType(pt[len(pt)-1]); err != nil {
			return nil, err
		}
	}
	mappings, err := d.mappings(p, top.bytes[3])
	if err != nil {
		return nil, err
	}
	functions, err := d.functions(p, top.bytes[5])
	if err != nil {
		return nil, err
	}
	locations, err := d.locations(p, top.bytes[4], mappings, functions)
	if err != nil {
		return nil, err
	}
	for _, b := range top.bytes[2] {
		s, err := d.sample(b, locations)
		if err != nil {
			return nil, err
		}
		p.Sample = append(p.Sample, s)
	}
	return p, d.err
}

// allZero: no entry of a table has an ID.
func allZero[T any](entries []T, id func(T) uint64) bool {
	for _, e := range entries {
		if id(e) != 0 {
			return false
		}
	}
	return true
}

// positionalID is the ID entry i is found by: its own, or its position
// (from 1) in a table without IDs.
func positionalID(id uint64, i int, positional bool) uint64 {
	if positional {
		return uint64(i) + 1
	}
	return id
}

func (d *rawDecoder) valueType(b []byte) (*profile.ValueType, error) {
	m, err := parseMessage(b)
	if err != nil {
		return nil, err
	}
	return &profile.ValueType{Type: d.str(m.int(1)), Unit: d.str(m.int(2))}, nil
}

func (d *rawDecoder) mappings(p *profile.Profile, msgs [][]byte) (map[uint64]*profile.Mapping, error) {
	byID := map[uint64]*profile.Mapping{}
	for _, b := range msgs {
		m, err := parseMessage(b)
		if err != nil {
			return nil, err
		}
		mp := &profile.Mapping{ID: m.int(1), Start: m.int(2), Limit: m.int(3), Offset: m.int(4),
			File: d.str(m.int(5)), BuildID: d.str(m.int(6))}
		p.Mapping = append(p.Mapping, mp)
	}
	positional := allZero(p.Mapping, func(m *profile.Mapping) uint64 { return m.ID })
	for i, mp := range p.Mapping {
		byID[positionalID(mp.ID, i, positional)] = mp
	}
	return byID, nil
}

func (d *rawDecoder) functions(p *profile.Profile, msgs [][]byte) (map[uint64]*profile.Function, error) {
	byID := map[uint64]*profile.Function{}
	for _, b := range msgs {
		m, err := parseMessage(b)
		if err != nil {
			return nil, err
		}
		f := &profile.Function{ID: m.int(1), Name: d.str(m.int(2)), SystemName: d.str(m.int(3)),
			Filename: d.str(m.int(4)), StartLine: int64(m.int(5))}
		p.Function = append(p.Function, f)
	}
	positional := allZero(p.Function, func(f *profile.Function) uint64 { return f.ID })
	for i, f := range p.Function {
		byID[positionalID(f.ID, i, positional)] = f
	}
	return byID, nil
}

func (d *rawDecoder) locations(p *profile.Profile, msgs [][]byte, mappings map[uint64]*profile.Mapping,
	functions map[uint64]*profile.Function) (map[uint64]*profile.Location, error) {
	byID := map[uint64]*profile.Location{}
	for _, b := range msgs {
		m, err := parseMessage(b)
		if err != nil {
			return nil, err
		}
		l := &profile.Location{ID: m.int(1), Mapping: mappings[m.int(2)], Address: m.int(3), IsFolded: m.int(5) != 0}
		for _, lb := range m.bytes[4] {
			lm, err := parseMessage(lb)
			if err != nil {
				return nil, err
			}
			line := profile.Line{Line: int64(lm.int(2)), Column: int64(lm.int(3))}
			if id := lm.int(1); id != 0 {
				line.Function = functions[id]
			}
			l.Line = append(l.Line, line)
		}
		p.Location = append(p.Location, l)
	}
	positional := allZero(p.Location, func(l *profile.Location) uint64 { return l.ID })
	for i, l := range p.Location {
		byID[positionalID(l.ID, i, positional)] = l
	}
	return byID, nil
}

func (d *rawDecoder) sample(b []byte, locations map[uint64]*profile.Location) (*profile.Sample, error) {
	m, err := parseMessage(b)
	if err != nil {
		return nil, err
	}
	ids, err := m.packed(1)
	if err != nil {
		return nil, err
	}
	values, err := m.packed(2)
	if err != nil {
		return nil, err
	}
	s := &profile.Sample{}
	for _, id := range ids {
		l := locations[id]
		if l == nil {
			return nil, fmt.Errorf("a sample refers to location %d, which no location has", id)
		}
		s.Location = append(s.Location, l)
	}
	for _, v := range values {
		s.Value = append(s.Value, int64(v))
	}
	for _, lb := range m.bytes[3] {
		if err := d.label(s, lb); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// label adds one Label message to s as google/pprof does.
func (d *rawDecoder) label(s *profile.Sample, b []byte) error {
	m, err := parseMessage(b)
	if err != nil {
		return err
	}
	key, str, num, unit := d.str(m.int(1)), m.int(2), int64(m.int(3)), m.int(4)
	switch {
	case str != 0:
		if s.Label == nil {
			s.Label = map[string][]string{}
		}
		s.Label[key] = append(s.Label[key], d.str(str))
	case num != 0 || unit != 0:
		if s.NumLabel == nil {
			s.NumLabel = map[string][]int64{}
			s.NumUnit = map[string][]string{}
		}
		s.NumLabel[key] = append(s.NumLabel[key], num)
		s.NumUnit[key] = append(s.NumUnit[key], d.str(unit))
	}
	return nil
}
