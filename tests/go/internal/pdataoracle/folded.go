// folded.go: the expected `ptm -f folded` output: for each sample of the
// measure asked for (eachOfMeasure), the line process;thread;frames root
// first (each location's lines from the outermost caller in, a location
// without lines by its symbol or mapping) and the sample's value in ns,
// bytes or a count, summed per line, sorted.
package pdataoracle

import (
	"fmt"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

// printable: text for a terminal, byte by byte: a control character (below
// 0x20, or 0x7f) becomes '_', and with semicolons ';' too.
func printable(name string, semicolons bool) string {
	b := []byte(name)
	for i, c := range b {
		if c < 0x20 || c == 0x7f || (semicolons && c == ';') {
			b[i] = '_'
		}
	}
	return string(b)
}

func foldedName(name string) string {
	if name == "" {
		return "[unknown]"
	}
	return printable(name, true)
}

// frameNames are a sample's frames root first: each location's lines from
// the outermost caller in, a location without lines by its symbol or mapping
// (nativeName).
func (c *converter) frameNames(s pprofile.Sample) []string {
	var names []string
	locations := c.Dict.StackTable().At(int(s.StackIndex())).LocationIndices()
	for i := locations.Len() - 1; i >= 0; i-- {
		loc := c.Dict.LocationTable().At(int(locations.At(i)))
		if loc.Lines().Len() == 0 {
			names = append(names, c.nativeName(loc))
		}
		for j := loc.Lines().Len() - 1; j >= 0; j-- {
			names = append(names, c.functionName(loc, loc.Lines().At(j)))
		}
	}
	return names
}

// FoldedStack: a sample's folded stack, process;thread;frames root first.
func (c *converter) FoldedStack(f FedSample) string {
	process, _, _ := c.pointAttribute(f.Sample, f.Profile, f.Resource, "process.executable.name")
	thread, _, _ := c.pointAttribute(f.Sample, f.Profile, f.Resource, "thread.name")
	names := []string{foldedName(process), foldedName(thread)}
	for _, frame := range c.frameNames(f.Sample) {
		names = append(names, foldedName(frame))
	}
	return strings.Join(names, ";")
}

// Folded is the expected `ptm -f folded` output for measure want.
func Folded(pd pprofile.Profiles, want Measure) string {
	return FoldedAll([]pprofile.Profiles{pd}, want)
}

// FoldedAll is the expected `ptm -f folded` output for measure want of
// the requests pds converted together.
func FoldedAll(pds []pprofile.Profiles, want Measure) string {
	sums := map[string]int64{}
	eachOfMeasure(pds, want, func(f snapshotSample) {
		sums[f.c.FoldedStack(f.FedSample)] += f.Value
	})
	lines := make([]string, 0, len(sums))
	for line := range sums {
		lines = append(lines, line)
	}
	sort.Strings(lines)
	var b strings.Builder
	for _, line := range lines {
		fmt.Fprintf(&b, "%s %d\n", line, sums[line])
	}
	return b.String()
}
