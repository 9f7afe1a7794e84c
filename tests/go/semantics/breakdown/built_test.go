// built_test.go: breakdowns and rules on built profiles: every naming
// example of the contract as a leaf frame (TestBreakdownsOfBuiltFrames),
// recursion counted once, the group_by lookup order and the cardinality
// limit of rules.
package breakdown

import (
	"fmt"
	"testing"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/ptmtest"
)

// ruleTotals: ptm's points of the rules, by their attribute keys.
func ruleTotals(points []obsPoint, rules []pdataoracle.RuleSpec) pdataoracle.Totals {
	byName := map[string]pdataoracle.RuleSpec{}
	for _, r := range rules {
		byName[r.MetricName] = r
	}
	return project(points, func(metric string) ([]string, bool) {
		r, ok := byName[metric]
		return r.AttributeKeys(), ok
	})
}

func TestBreakdownsOfBuiltFrames(t *testing.T) {
	ptm := ptmtest.Binary(t)
	b := newProfileBuilder()
	p := b.cpuProfile(b.resource(map[string]string{"service.name": "frames"}))
	var value int64
	add := func(locs ...int32) {
		value += 1000
		b.sample(p, b.stackOf(locs...), value)
	}
	user := b.frame(b.typed("go"), "/usr/bin/app", [2]string{"main.main", "/src/main.go"})
	for i, c := range libraryCases {
		add(b.frame(b.typed("native"), c.file, [2]string{fmt.Sprintf("native_fn_%d", i), ""}), user)
	}
	for _, c := range packageCases {
		add(b.frame(b.typed(c.typ), "", [2]string{c.fn, c.file}), user)
	}
	add(b.frame(b.typed("go"), ""), user) // a Go leaf without lines
	// Kernel stacks, under a native frame a row would match (not a kernel
	// frame: not looked at) and Go.
	above := b.frame(b.typed("native"), "/lib/libc.so.6", [2]string{"tcp_sendmsg", ""})
	for _, c := range kernelCases {
		var locs []int32
		for _, n := range c.names {
			locs = append(locs, b.frame(b.typed("kernel"), "", [2]string{n, ""}))
		}
		if len(locs) == 0 {
			locs = append(locs, b.frame(b.typed("kernel"), "")) // a kernel leaf without lines
		}
		add(append(locs, above, user)...)
	}
	// Inlined kernel frames: the syscall is the leaf location's second line,
	// so the next location's tcp_sendmsg is above it and not looked at.
	add(b.frame(b.typed("kernel"), "", [2]string{"_raw_spin_lock", ""}, [2]string{"__x64_sys_sendto", ""}),
		b.frame(b.typed("kernel"), "", [2]string{"tcp_sendmsg", ""}), user)
	// Other leaves: no frame type, the type after another attribute, an
	// unnamed runtime, an empty stack.
	add(b.frame(nil, "/usr/bin/x", [2]string{"f", ""}), user)
	add(b.frame([]int32{b.attr("other", "x"), b.attr(pdataoracle.FrameTypeKey, "cpython")}, "", [2]string{"<module>", "/srv/tool.py"}), user)
	add(b.frame(b.typed("ruby"), "", [2]string{"Foo#bar", "/app/foo.rb"}), user)
	b.sample(p, 0, 77)
	input, pd := b.marshal(t)

	config := map[string]any{"breakdowns": map[string]any{"frame_type": true, "library": true, "kernel": true, "package": true}}
	points, metas := readPoints(runPtm(t, ptm, config, input))
	want := pdataoracle.ExpectBreakdowns(pd, []pdataoracle.Measure{pdataoracle.CPU}) // measures default to cpu
	got := project(points, breakdownAttributes)
	compareTotals(t, "built frames", want, got)
	for name, meta := range metas {
		if _, m, ok := breakdownOf(name); ok {
			checkMetric(t, name, meta, m)
		}
	}
	checkPartition(t, points, []pdataoracle.Measure{pdataoracle.CPU})
}

func TestRuleRecursionCountedOnce(t *testing.T) {
	ptm := ptmtest.Binary(t)
	b := newProfileBuilder()
	p := b.cpuProfile(b.resource(map[string]string{"service.name": "recursion"}))
	b.sample(p, b.stack("f", "g", "f", "main"), 10)
	b.sample(p, b.stack("f", "f", "f"), 20)
	b.sample(p, b.stack("g", "main"), 40)
	rules := []pdataoracle.RuleSpec{
		{MetricName: "rec.f.inclusive", Functions: []string{"^f$"}, Mode: "inclusive"},
		{MetricName: "rec.f.self", Functions: []string{"^f$"}, Mode: "self"},
		{MetricName: "rec.g.inclusive", Functions: []string{"^g$"}},
		{MetricName: "rec.fg.inclusive", Functions: []string{"^f$", "^g$"}},
	}
	input, pd := b.marshal(t)
	want := pdataoracle.Totals{"rec.f.inclusive{}": 30, "rec.f.self{}": 30, "rec.g.inclusive{}": 50, "rec.fg.inclusive{}": 70}
	compareTotals(t, "this test's own computation", want, pdataoracle.ExpectRules(t, pd, rules, true))

	points, metas := readPoints(runPtm(t, ptm, map[string]any{"rules": rules}, input))
	compareTotals(t, "ptm", want, ruleTotals(points, rules))
	for _, r := range rules {
		if meta := metas[r.MetricName]; meta != nil {
			checkMetric(t, r.MetricName, meta, pdataoracle.CPU)
		}
	}
}

func TestRuleGroupBy(t *testing.T) {
	ptm := ptmtest.Binary(t)
	b := newProfileBuilder()
	// Resource A has no tenant; its first profile has one.
	spA := b.resource(map[string]string{"service.name": "a"})
	p1 := b.cpuProfile(spA, b.attr("tenant", "from-profile"))
	work := b.stack("work", "main")
	b.sample(p1, work, 100, b.attr("tenant", "from-sample"))
	b.sample(p1, work, 200, b.attr("tenant", int64(7)))
	b.sample(p1, work, 300)
	b.sample(p1, work, 400, b.attr("other", "x"), b.attr("tenant", true), b.attr("tenant", "second"))
	p2 := b.cpuProfile(spA)
	b.sample(p2, work, 500)
	b.sample(p2, work, 600, b.attr("tenant", "from-sample"))
	// Resource B has a tenant.
	spB := b.resource(map[string]string{"service.name": "b", "tenant": "from-resource"})
	p3 := b.cpuProfile(spB)
	b.sample(p3, work, 1000)
	b.sample(p3, work, 2000, b.attr("tenant", "sample-in-b"))
	b.sample(p3, b.stack("idle"), 4000, b.attr("tenant", "not-matched"))
	input, pd := b.marshal(t)

	rules := []pdataoracle.RuleSpec{{MetricName: "tenant.work.cpu.time", Functions: []string{"^work$"}, GroupBy: []string{"tenant", "missing.everywhere"}}}
	type variant struct {
		name    string
		copy    []string // copy_resource_attributes; nil: the default
		copyAll bool
		// by resource service.name, then tenant ("" = no tenant attribute)
		want map[string]map[string]int64
	}
	for _, v := range []variant{
		{"copy none", []string{}, false, map[string]map[string]int64{
			"a": {"from-sample": 700, "7": 200, "from-profile": 300, "true": 400, "": 500},
			"b": {"from-resource": 1000, "sample-in-b": 2000},
		}},
		// The default copies tenant from resource B onto its points: the
		// resource's value is the point's.
		{"copy default", nil, true, map[string]map[string]int64{
			"a": {"from-sample": 700, "7": 200, "from-profile": 300, "true": 400, "": 500},
			"b": {"from-resource": 3000},
		}},
	} {
		t.Run(v.name, func(t *testing.T) {
			config := map[string]any{"rules": rules}
			if v.copy != nil {
				config["copy_resource_attributes"] = v.copy
			}
			// Expected per resource: the test's hand-written table, which
			// must be what ExpectRules computes, which ptm must give.
			hand := pdataoracle.Totals{}
			for svc, byTenant := range v.want {
				for tenant, value := range byTenant {
					attrs := map[string]string{"service.name": svc}
					if tenant != "" {
						attrs["tenant"] = tenant
					}
					hand[pdataoracle.SeriesKeyOf(rules[0].MetricName, attrs)] = value
				}
			}
			computed := pdataoracle.ExpectRulesWith(t, pd, rules, v.copyAll, func(f pdataoracle.FedSample) map[string]string {
				svc, _ := f.Resource.Attributes().Get("service.name")
				return map[string]string{"service.name": svc.Str()}
			})
			compareTotals(t, "hand-written vs computed", hand, computed)

			points, _ := readPoints(runPtm(t, ptm, config, input))
			got := pdataoracle.Totals{}
			for _, p := range points {
				if p.metric != rules[0].MetricName {
					continue
				}
				if _, on := p.attrs["missing.everywhere"]; on {
					t.Errorf("point has missing.everywhere=%q: the key is nowhere in the input", p.attrs["missing.everywhere"])
				}
				svc, _ := p.resourceAttrs.Get("service.name")
				attrs := map[string]string{"service.name": svc.Str()}
				for _, k := range []string{"tenant", pdataoracle.OverflowKey} {
					if value, on := p.attrs[k]; on {
						attrs[k] = value
					}
				}
				got[pdataoracle.SeriesKeyOf(p.metric, attrs)] += p.value
			}
			compareTotals(t, "ptm", hand, got)
		})
	}
}

func TestRuleCardinalityLimit(t *testing.T) {
	ptm := ptmtest.Binary(t)
	b := newProfileBuilder()
	p := b.cpuProfile(b.resource(map[string]string{"service.name": "limits"}))
	stack := b.stack("handle", "main")
	for round := range 3 {
		for i, tenant := range []string{"t1", "t2", "t3", "t4", "t5"} {
			b.sample(p, stack, int64((i+1)*10+round), b.attr("tenant", tenant))
		}
	}
	input, pd := b.marshal(t)
	rules := []pdataoracle.RuleSpec{{MetricName: "tenant.cpu.time", Functions: []string{"^handle$"}, GroupBy: []string{"tenant"}}}
	uncapped := pdataoracle.ExpectRules(t, pd, rules, true)
	if len(uncapped) != 5 {
		t.Fatalf("this test's own computation: %d series, want 5: %v", len(uncapped), uncapped)
	}
	total := uncapped.MetricTotal("tenant.cpu.time")

	free, _ := readPoints(runPtm(t, ptm, map[string]any{"rules": rules, "copy_resource_attributes": []string{}}, input))
	compareTotals(t, "ptm without a limit", uncapped, ruleTotals(free, rules))

	capped, _ := readPoints(runPtm(t, ptm, map[string]any{"rules": rules, "copy_resource_attributes": []string{}, "cardinality_limit": 2}, input))
	var kept, overflow int
	var sum int64
	for _, pt := range capped {
		if pt.metric != "tenant.cpu.time" {
			continue
		}
		sum += pt.value
		if _, on := pt.attrs[pdataoracle.OverflowKey]; on {
			overflow++
			if len(pt.attrs) != 1 || pt.attrs[pdataoracle.OverflowKey] != "true" {
				t.Errorf("overflow point attributes %v, want only %s=true", pt.attrs, pdataoracle.OverflowKey)
			}
			continue
		}
		kept++
		key := pdataoracle.SeriesKeyOf("tenant.cpu.time", map[string]string{"tenant": pt.attrs["tenant"]})
		if want, ok := uncapped[key]; !ok || !closeTo(pt.value, want) {
			t.Errorf("kept point %v: %d, want its whole uncapped value %d", pt.attrs, pt.value, want)
		}
	}
	if kept > 2 {
		t.Errorf("%d points under cardinality_limit 2, want at most 2 (+ overflow)", kept)
	}
	if overflow != 1 {
		t.Errorf("%d overflow points, want 1", overflow)
	}
	if !closeTo(sum, total) {
		t.Errorf("total under the limit %d ns, want the uncapped %d ns", sum, total)
	}
}
