// double_string_test.go: an OTLP/JSON double written as a string holding a
// number ("1.5") is read as pdata reads it (issue 28, row 10): ptm converts
// the JSON text to the same bytes as pdata's protobuf encoding of its own
// reading of that text.
package encodings

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pprofile"

	"profiletometrics/tests/go/internal/ptmtest"
)

func TestDoubleWrittenAsString(t *testing.T) {
	ptm := filepath.Join(ptmtest.RepoRoot, "build", "native", "ptm")
	if _, err := os.Stat(ptm); err != nil {
		t.Skipf("no %s: make build", ptm)
	}
	fixture, err := os.ReadFile(filepath.Join(ptmtest.RepoRoot, "tests", "fixtures", "cpu-ebpf.json"))
	if err != nil {
		t.Fatal(err)
	}
	const anchor = `{"resource":{"attributes":[`
	if !bytes.Contains(fixture, []byte(anchor)) {
		t.Fatalf("cpu-ebpf.json has no %s", anchor)
	}
	for _, text := range []string{`"1.5"`, `"-2.5e-3"`, `"7"`, `"1E+2"`} {
		t.Run(text, func(t *testing.T) {
			attribute := `{"key":"ratio","value":{"doubleValue":` + text + `}},`
			input := []byte(strings.Replace(string(fixture), anchor, anchor+attribute, 1))
			profiles, err := (&pprofile.JSONUnmarshaler{}).UnmarshalProfiles(input)
			if err != nil {
				t.Fatalf("pdata refuses %s: %v", text, err)
			}
			protobuf, err := (&pprofile.ProtoMarshaler{}).MarshalProfiles(profiles)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, fromPdata := ptmtest.Output(t, ptm, input), ptmtest.Output(t, ptm, protobuf)
			if !bytes.Equal(fromJSON, fromPdata) {
				t.Errorf("ptm's output for the JSON text (%d bytes) differs from its output for pdata's protobuf (%d bytes)",
					len(fromJSON), len(fromPdata))
			}
			if !bytes.Contains(fromJSON, []byte("ratio")) {
				t.Errorf("the attribute ratio is not in the output")
			}
		})
	}
}
