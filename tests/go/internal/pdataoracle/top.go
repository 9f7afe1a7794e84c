// top.go: the expected `ptm --top N` summary, by the rules docs/cli.md gives
// ("--top"): the totals of every summed measure, then for the folded
// measure the top N processes, threads ("thread (process)"), functions by
// self value (selfName) and by inclusive value (each function once a
// stack), value descending then name bytewise, with their shares and scaled
// units.
package pdataoracle

import (
	"fmt"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

var measureTitles = map[Measure]string{CPU: "CPU time", OffCPU: "off-CPU time", Wall: "wall time", Memory: "allocated memory",
	Inuse: "in-use memory", InuseObjects: "in-use objects"}

// scaled writes a value as docs/cli.md says: ns to the largest of ns, us,
// ms, s at or below it, bytes to B, KiB, MiB, GiB, TiB; 2 decimals below 10,
// 1 below 100, none above; integers as they are; a count as it is.
func scaled(value int64, how valueScale) string {
	if how == scaleCount {
		return fmt.Sprint(value)
	}
	units, step := []string{"ns", "us", "ms", "s"}, 1000.0
	if how == scaleBytes {
		units, step = []string{"B", "KiB", "MiB", "GiB", "TiB"}, 1024.0
	}
	scale, unit := 1.0, 0
	for unit+1 < len(units) && float64(value) >= scale*step {
		scale *= step
		unit++
	}
	if unit == 0 {
		return fmt.Sprintf("%d %s", value, units[0])
	}
	v := float64(value) / scale
	decimals := 0
	if v < 10 {
		decimals = 2
	} else if v < 100 {
		decimals = 1
	}
	return fmt.Sprintf("%.*f %s", decimals, v, units[unit])
}

type valueScale int

const (
	scaleTime valueScale = iota
	scaleBytes
	scaleCount
)

func scaleOf(m Measure) valueScale {
	switch m {
	case Memory, Inuse:
		return scaleBytes
	case allocations, InuseObjects:
		return scaleCount
	}
	return scaleTime
}

func topName(name string) string {
	if name == "" {
		return "[unknown]"
	}
	return name
}

type topRow struct {
	label string
	value int64
}

func writeTable(b *strings.Builder, title string, sums map[string]int64, total int64, count int, how valueScale) {
	rows := make([]topRow, 0, len(sums))
	for label, v := range sums {
		if v > 0 {
			rows = append(rows, topRow{label, v})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].value != rows[j].value {
			return rows[i].value > rows[j].value
		}
		return rows[i].label < rows[j].label
	})
	if len(rows) > count {
		rows = rows[:count]
	}
	fmt.Fprintf(b, "\n%s (of %s)\n", title, scaled(total, how))
	width := 0
	for _, r := range rows {
		width = max(width, len(scaled(r.value, how)))
	}
	for _, r := range rows {
		share := 0.0
		if total > 0 {
			share = 100 * float64(r.value) / float64(total)
		}
		fmt.Fprintf(b, "  %*s  %5.1f%%  %s\n", width, scaled(r.value, how), share, printable(r.label, false))
	}
}

// ExpectTop is everything after the counts line of `ptm --top count` with
// folded measure m.
func ExpectTop(pd pprofile.Profiles, m Measure, count int) string {
	c := NewConverter(pd)
	var totals [measureCount]int64
	c.EachFed(pd, func(f FedSample) { totals[f.Measure] += f.Value })
	processes, threads, self, inclusive := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	var total int64
	eachOfMeasure([]pprofile.Profiles{pd}, m, func(f snapshotSample) {
		process, _, _ := c.pointAttribute(f.Sample, f.Profile, f.Resource, "process.executable.name")
		thread, _, _ := c.pointAttribute(f.Sample, f.Profile, f.Resource, "thread.name")
		processes[topName(process)] += f.Value
		threads[topName(thread)+" ("+topName(process)+")"] += f.Value
		total += f.Value
		frames := c.frameNames(f.Sample) // root first
		for i := range frames {
			frames[i] = topName(frames[i])
		}
		if len(frames) > 0 {
			self[topName(c.selfName(c.Dict.StackTable().At(int(f.Sample.StackIndex())).LocationIndices()))] += f.Value
		}
		seen := map[string]bool{}
		for _, name := range frames {
			if !seen[name] {
				seen[name] = true
				inclusive[name] += f.Value
			}
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "totals: CPU %s, off-CPU %s, wall %s, allocated %s, allocations %d\n",
		scaled(totals[CPU], scaleTime), scaled(totals[OffCPU], scaleTime), scaled(totals[Wall], scaleTime),
		scaled(totals[Memory], scaleBytes), totals[allocations])
	how := scaleOf(m)
	title := measureTitles[m]
	writeTable(&b, fmt.Sprintf("top %d processes by %s", count, title), processes, total, count, how)
	writeTable(&b, fmt.Sprintf("top %d threads by %s", count, title), threads, total, count, how)
	writeTable(&b, fmt.Sprintf("top %d functions by self %s", count, title), self, total, count, how)
	writeTable(&b, fmt.Sprintf("top %d functions by inclusive %s", count, title), inclusive, total, count, how)
	return b.String()
}
