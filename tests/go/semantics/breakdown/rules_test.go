// rules_test.go: ptm's recording-rule metrics against the oracle's
// (pdataoracle.ExpectRules) on the shared inputs, every series and value,
// and a rule never exceeding the base metrics it counts.
package breakdown

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/pdataoracle"
	"profiletometrics/tests/go/internal/ptmtest"
)

var fixtureRules = []pdataoracle.RuleSpec{
	{MetricName: "rule.runtime.inclusive", Functions: []string{`^runtime\.`}},
	{MetricName: "rule.runtime.self", Functions: []string{`^runtime\.`}, Mode: "self"},
	{MetricName: "rule.futex", Functions: []string{"futex"}, Mode: "inclusive", SampleTypes: []string{"cpu", "off_cpu"}},
	{MetricName: "rule.schedule.self", Functions: []string{"schedule"}, Mode: "self", SampleTypes: []string{"off_cpu"},
		Description: "off-CPU time with schedule at the leaf"},
	{MetricName: "rule.main", Functions: []string{`^main\.`}, Mode: "inclusive"},
	{MetricName: "rule.syscall.by_thread", Functions: []string{"syscall", "^entry_SYSCALL"}, GroupBy: []string{"thread.name", "no.such.attribute"},
		SampleTypes: []string{"off_cpu", "cpu"}},
	{MetricName: "rule.nothing", Functions: []string{`^this_function_does_not_exist_\d+$`}},
	{MetricName: "rule.alloc.memory", Functions: []string{"alloc|malloc", `^main\.`}, SampleTypes: []string{"memory"}},
	{MetricName: "rule.net.constant", Functions: []string{"^(tcp|sock|__sys)_[a-z]+", "^epoll_"}, Attributes: map[string]string{"team": "net", "tier": "1"},
		SampleTypes: []string{"cpu", "off_cpu"}},
	{MetricName: "rule.entry.self.by_exe", Functions: []string{"^__x64_sys_", "^finish_task_switch", "^[a-z]+_poll$"}, Mode: "self",
		GroupBy: []string{"process.executable.name"}, SampleTypes: []string{"off_cpu", "cpu"}},
}

func TestRulesAgreeWithPtm(t *testing.T) {
	ptm := ptmtest.Binary(t)
	config := map[string]any{"rules": fixtureRules}
	rules := map[string]pdataoracle.RuleSpec{}
	for _, r := range fixtureRules {
		rules[r.MetricName] = r
	}
	inputs := ptmtest.FixtureInputs(t)
	perRule := map[string]int{} // rule metric -> series expected over the inputs
	for _, in := range inputs {
		t.Run(in.Name, func(t *testing.T) {
			points, metas := readPoints(runPtm(t, ptm, config, in.Data))
			want := in.OverRequests(func(pd pprofile.Profiles) pdataoracle.Totals {
				return pdataoracle.ExpectRules(t, pd, fixtureRules, true)
			})
			ruleAttributes := func(metric string) ([]string, bool) {
				r, ok := rules[metric]
				return r.AttributeKeys(), ok
			}
			got := project(points, ruleAttributes)
			compareTotals(t, "rules", want, got)
			for key := range want {
				perRule[key[:strings.IndexByte(key, '{')]]++
			}
			for name, meta := range metas {
				r, ok := rules[name]
				if !ok {
					continue
				}
				checkMetric(t, name, meta, r.Measures()[0])
				descr := r.Description
				if descr == "" {
					descr = pdataoracle.DefaultRuleDescr
				}
				if meta.description != descr {
					t.Errorf("%s: description %q, want %q", name, meta.description, descr)
				}
			}
			checkNoConverterAttributes(t, points, ruleAttributes)
			checkRulesSubset(t, points, rules)
		})
	}
	// Every rule but rule.nothing matches somewhere, so each is compared.
	for _, r := range fixtureRules {
		if n := perRule[r.MetricName]; (n == 0) != (r.MetricName == "rule.nothing") {
			t.Errorf("%s: %d series over the inputs", r.MetricName, n)
		}
	}
	t.Logf("series per rule over the inputs: %v", perRule)
}

// checkRulesSubset, on ptm's own output, per resource: a rule's total is at
// most the sum of its measures' base metrics.
func checkRulesSubset(t *testing.T, points []obsPoint, rules map[string]pdataoracle.RuleSpec) {
	t.Helper()
	type cell struct{ resource, metric string }
	sums := map[cell]int64{}
	for _, p := range points {
		sums[cell{p.resource, p.metric}] += p.value
	}
	for c, total := range sums {
		r, ok := rules[c.metric]
		if !ok {
			continue
		}
		var base int64
		for _, m := range r.Measures() {
			base += sums[cell{c.resource, pdataoracle.MetricDefs[pdataoracle.BaseMetric[m]].Name}]
		}
		if total > base+1 {
			t.Errorf("rule %s in %s: %d, more than its base metrics' %d", c.metric, c.resource, total, base)
		}
	}
}
