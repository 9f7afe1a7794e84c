// constants_test.go: the names the connector uses are the core's own
// (issue 29): each engine's view, read at load, against the table of the
// native library (build/native/test_constants --print, ptm_constants_json),
// never against literals of the test's; and the table is read by name.
package profiletometricsconnector

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// coreTable is the native library's ptm_constants_json().
func coreTable(t *testing.T) (text string, results, stats []string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(repoRoot, "build", "native", "test_constants"), "--print").Output()
	if err != nil {
		t.Fatalf("build/native/test_constants --print (make build): %v", err)
	}
	var table struct {
		Results []struct{ Code string } `json:"results"`
		Stats   []string                `json:"stats"`
	}
	if err := json.Unmarshal(out, &table); err != nil {
		t.Fatal(err)
	}
	for _, r := range table.Results {
		results = append(results, r.Code)
	}
	return string(out), results, table.Stats
}

func engineConstants(t *testing.T, name string) *constants {
	t.Helper()
	e, err := selectEngine(name, "")
	if err != nil {
		t.Fatal(err)
	}
	return e.table()
}

func TestEnginesReadTheCoresTable(t *testing.T) {
	_, results, stats := coreTable(t)
	for _, name := range engines() {
		c := engineConstants(t, name)
		if !reflect.DeepEqual(c.results, results) {
			t.Errorf("%s: results %v, the core's %v", name, c.results, results)
		}
		for n, code := range results {
			if got := c.resultName(uint64(n)); got != code {
				t.Errorf("%s: result %d is %q, the core's %q", name, n, got, code)
			}
		}
		if got := c.resultName(uint64(len(results))); got != "unknown" {
			t.Errorf("%s: a result past the table is %q", name, got)
		}
		// Stats filled by name: the core's field n holds n+1.
		values := make([]uint64, len(stats))
		for n := range values {
			values[n] = uint64(n + 1)
		}
		s := c.statsOf(values)
		for n, field := range stats {
			get := statsFields[field]
			if get == nil {
				t.Errorf("%s: the core's stats field %q has no Stats field", name, field)
				continue
			}
			if *get(&s) != uint64(n+1) {
				t.Errorf("%s: Stats' %s holds %d, not the core's field %d", name, field, *get(&s), n)
			}
		}
		if len(statsFields) != reflect.TypeOf(Stats{}).NumField() {
			t.Errorf("statsFields maps %d names, Stats has %d fields", len(statsFields), reflect.TypeOf(Stats{}).NumField())
		}
	}
}

func TestParseConstants(t *testing.T) {
	text, _, stats := coreTable(t)
	// A field the Go side does not know is ignored; its place is kept.
	more := strings.Replace(text, `"stats":["requests",`, `"stats":["requests","from_the_future",`, 1)
	c, err := parseConstants(more)
	if err != nil {
		t.Fatal(err)
	}
	values := make([]uint64, len(stats)+1)
	for n := range values {
		values[n] = uint64(n + 1)
	}
	if s := c.statsOf(values); s.Requests != 1 || s.Resources != 3 {
		t.Errorf("an unknown field moved the others: %+v", s)
	}
	// A field the core lacks fails the load.
	fewer := strings.Replace(text, `,"attributes_dropped"`, ``, 1)
	if _, err := parseConstants(fewer); err == nil || !strings.Contains(err.Error(), "attributes_dropped") {
		t.Errorf("a core without attributes_dropped: %v", err)
	}
	// Results out of their place, or none, or no JSON: refused.
	for _, bad := range []string{
		strings.Replace(text, `{"number":1,`, `{"number":2,`, 1),
		strings.Replace(text, `"results":[`, `"results":[],"x":[`, 1),
		"not json",
	} {
		if _, err := parseConstants(bad); err == nil {
			t.Errorf("accepted %.60q", bad)
		}
	}
}
