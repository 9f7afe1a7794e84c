// rules.go: recording-rule metrics (docs/metrics.md, "Breakdowns and
// recording rules") computed from pdata: a rule's functions matched against
// the leaf frame (mode self) or any frame of the stack, named as convert.go
// names frames (leafName, functionName, mappingName); its group_by values
// looked up on the sample, then the profile, then the resource, a resource
// attribute copied onto points taking precedence.
package pdataoracle

import (
	"regexp"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pprofile"
)

type RuleSpec struct {
	MetricName  string            `json:"metric_name"`
	Functions   []string          `json:"functions"`
	Mode        string            `json:"mode,omitempty"`
	GroupBy     []string          `json:"group_by,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	SampleTypes []string          `json:"sample_types,omitempty"`
	Description string            `json:"description,omitempty"`
}

func (r RuleSpec) Measures() []Measure {
	if len(r.SampleTypes) == 0 {
		return []Measure{CPU}
	}
	out := make([]Measure, 0, len(r.SampleTypes))
	for _, name := range r.SampleTypes {
		out = append(out, measureNames[name])
	}
	return out
}

// AttributeKeys: the point attributes the rule gives.
func (r RuleSpec) AttributeKeys() []string {
	keys := append([]string(nil), r.GroupBy...)
	for k := range r.Attributes {
		keys = append(keys, k)
	}
	return keys
}

// copyAll: the resource attributes copied onto points are every scalar one
// but service.* (copy_resource_attributes ["*"], the default); otherwise none.
func ExpectRules(t *testing.T, pd pprofile.Profiles, rules []RuleSpec, copyAll bool) Totals {
	t.Helper()
	return ExpectRulesWith(t, pd, rules, copyAll, nil)
}

// ExpectRulesWith: ExpectRules with the attributes extra gives (when not
// nil) added to each sample's key, e.g. to tell resources apart.
func ExpectRulesWith(t *testing.T, pd pprofile.Profiles, rules []RuleSpec, copyAll bool, extra func(FedSample) map[string]string) Totals {
	t.Helper()
	c := NewConverter(pd)
	compiled := make([][]*regexp.Regexp, len(rules))
	for i, r := range rules {
		for _, f := range r.Functions {
			compiled[i] = append(compiled[i], regexp.MustCompile(f))
		}
	}
	want := Totals{}
	c.EachFed(pd, func(f FedSample) {
		locs := c.StackLocations(f.Sample)
		for i, r := range rules {
			if !containsMeasure(r.Measures(), f.Measure) || !c.ruleMatches(locs, r.Mode == "self", compiled[i]) {
				continue
			}
			attrs := map[string]string{}
			for _, key := range r.GroupBy {
				if v, ok := c.groupValue(f, key, copyAll); ok {
					attrs[key] = v
				}
			}
			for k, v := range r.Attributes {
				attrs[k] = v
			}
			if extra != nil {
				for k, v := range extra(f) {
					attrs[k] = v
				}
			}
			want[SeriesKeyOf(r.MetricName, attrs)] += f.Value
		}
	})
	return want
}

func (c *converter) ruleMatches(locs []pprofile.Location, self bool, res []*regexp.Regexp) bool {
	matches := func(name string) bool {
		for _, re := range res {
			if re.MatchString(name) {
				return true
			}
		}
		return false
	}
	if len(locs) == 0 {
		return false
	}
	if self {
		return matches(c.leafName(locs[0]))
	}
	for _, loc := range locs {
		if loc.Lines().Len() == 0 && matches(c.mappingName(loc)) {
			return true
		}
		for _, line := range loc.Lines().All() {
			if matches(c.functionName(loc, line)) {
				return true
			}
		}
	}
	return false
}

func scalarText(v pcommon.Value) (string, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr, pcommon.ValueTypeInt, pcommon.ValueTypeBool, pcommon.ValueTypeDouble:
		return v.AsString(), true
	}
	return "", false
}

func copiedByDefault(res pcommon.Resource, key string) (pcommon.Value, bool) {
	if key == "service.name" || key == "service.namespace" || key == "service.instance.id" {
		return pcommon.Value{}, false
	}
	v, ok := res.Attributes().Get(key)
	if !ok || !copiedType(v.Type()) {
		return pcommon.Value{}, false
	}
	return v, true
}

// groupValue: the first attribute of key on the sample, else the profile,
// else the resource; a key the resource copies onto its points is the
// resource's (docs/metrics.md: the label is left off, the copied value stays).
func (c *converter) groupValue(f FedSample, key string, copyAll bool) (string, bool) {
	if copyAll {
		if v, ok := copiedByDefault(f.Resource, key); ok {
			return scalarText(v)
		}
	}
	table := c.Dict.AttributeTable()
	for _, indices := range []pcommon.Int32Slice{f.Sample.AttributeIndices(), f.Profile.AttributeIndices()} {
		for _, i := range indices.All() {
			a := table.At(int(i))
			if c.str(a.KeyStrindex()) != key {
				continue
			}
			if text, ok := scalarText(a.Value()); ok {
				return text, true
			}
		}
	}
	if v, ok := f.Resource.Attributes().Get(key); ok {
		return scalarText(v)
	}
	return "", false
}
