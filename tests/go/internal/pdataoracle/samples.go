// samples.go: the samples the oracle counts. EachFed gives every sample that
// feeds a base sum metric (a measure's profiles as classify says, the
// count-based CPU twin skipped when its scope has a direct one, value 0
// dropped); eachSnapshot the samples of the latest in-use profile of each
// resource (a gauge is a snapshot, never summed); eachOfMeasure the one or
// the other, as `ptm -f folded` and --top count a measure. Totals are
// values by series key (metric name and sorted attributes).
package pdataoracle

import (
	"fmt"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

var measureNames = map[string]Measure{"cpu": CPU, "off_cpu": OffCPU, "wall": Wall, "memory": Memory, "allocations": allocations}

// MeasureSuffix: the <measure> part of profile.<breakdown>.<measure>.
var MeasureSuffix = map[Measure]string{CPU: "cpu.time", OffCPU: "off_cpu.time", Wall: "wall.time", Memory: "memory.allocated", allocations: "memory.allocations"}

type FedSample struct {
	Resource pcommon.Resource
	Profile  pprofile.Profile
	Sample   pprofile.Sample
	Measure  Measure
	Value    int64 // ns or bytes or a count
}

func NewConverter(pd pprofile.Profiles) *converter {
	return &converter{Dict: pd.Dictionary(), strings: pd.Dictionary().StringTable()}
}

// EachFed calls fn for every sample that feeds a base sum metric.
func (c *converter) EachFed(pd pprofile.Profiles, fn func(FedSample)) {
	for _, rp := range pd.ResourceProfiles().All() {
		for _, sp := range rp.ScopeProfiles().All() {
			direct := false
			for _, p := range sp.Profiles().All() {
				if m, _, countBased, ok := c.classify(p); ok && m == CPU && !countBased {
					direct = true
				}
			}
			for _, p := range sp.Profiles().All() {
				m, factor, countBased, ok := c.classify(p)
				if !ok || (countBased && direct) || MetricDefs[BaseMetric[m]].gauge {
					continue
				}
				for _, s := range p.Samples().All() {
					if v := sampleValue(s) * factor; v != 0 {
						fn(FedSample{rp.Resource(), p, s, m, v})
					}
				}
			}
		}
	}
}

func (c *converter) StackLocations(s pprofile.Sample) []pprofile.Location {
	indices := c.Dict.StackTable().At(int(s.StackIndex())).LocationIndices()
	out := make([]pprofile.Location, 0, indices.Len())
	for _, i := range indices.All() {
		out = append(out, c.Dict.LocationTable().At(int(i)))
	}
	return out
}

func (c *converter) FrameType(loc pprofile.Location) string {
	if typ, ok := c.stringAttribute(loc.AttributeIndices(), FrameTypeKey); ok {
		return typ
	}
	return UnknownFrame
}

// totals: series key (SeriesKeyOf) -> value in ns, bytes or a count.
type Totals map[string]int64

func SeriesKeyOf(metric string, attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(metric)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, attrs[k])
	}
	b.WriteByte('}')
	return b.String()
}

func (t Totals) MetricTotal(metric string) int64 {
	var sum int64
	for k, v := range t {
		if strings.HasPrefix(k, metric+"{") {
			sum += v
		}
	}
	return sum
}

func containsMeasure(ms []Measure, m Measure) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// snapshotSample is a sample of the latest in-use profile of its resource.
type snapshotSample struct {
	c *converter
	FedSample
}

// eachSnapshot calls fn for every sample of measure m (a gauge: inuse or
// inuse_objects) in the latest profile of m of each resource identity
// over pds, converted together: the greatest time + duration, on a tie
// the later profile (a snapshot is never summed across profiles).
func eachSnapshot(pds []pprofile.Profiles, m Measure, fn func(snapshotSample)) {
	type latest struct {
		c   *converter
		res pcommon.Resource
		p   pprofile.Profile
		end uint64
	}
	byIdentity := map[string]*latest{}
	var order []string
	for _, pd := range pds {
		c := NewConverter(pd)
		for _, rp := range pd.ResourceProfiles().All() {
			identity := resourceIdentity(rp)
			for _, sp := range rp.ScopeProfiles().All() {
				for _, p := range sp.Profiles().All() {
					if got, _, _, ok := c.classify(p); !ok || got != m {
						continue
					}
					end := uint64(p.Time()) + p.DurationNano()
					if l := byIdentity[identity]; l == nil {
						order = append(order, identity)
					} else if end < l.end {
						continue
					}
					byIdentity[identity] = &latest{c, rp.Resource(), p, end}
				}
			}
		}
	}
	for _, identity := range order {
		l := byIdentity[identity]
		for _, s := range l.p.Samples().All() {
			if v := sampleValue(s); v != 0 {
				fn(snapshotSample{l.c, FedSample{l.res, l.p, s, m, v}})
			}
		}
	}
}

// eachOfMeasure calls fn for every sample that `ptm -f folded` and --top
// count for measure m: EachFed's of m, or for a gauge eachSnapshot's.
func eachOfMeasure(pds []pprofile.Profiles, m Measure, fn func(snapshotSample)) {
	if MetricDefs[BaseMetric[m]].gauge {
		eachSnapshot(pds, m, fn)
		return
	}
	for _, pd := range pds {
		c := NewConverter(pd)
		c.EachFed(pd, func(f FedSample) {
			if f.Measure == m {
				fn(snapshotSample{c, f})
			}
		})
	}
}
