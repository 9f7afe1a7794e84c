// Command pprof2otlp converts a pprof profile (profile.proto, gzipped or
// not) into an OTLP ExportProfilesServiceRequest in protobuf, the mapping
// of internal/pprofconv: the file is parsed by github.com/google/pprof's
// profile.Parse (or, with -raw, by pprofconv's own field-by-field reader,
// for files google/pprof refuses), the request is built with pdata/pprofile
// and written by its protobuf marshaler.
//
//	pprof2otlp [-raw] [-json] [-o OUT] [INPUT]    INPUT and OUT default to stdin and stdout
//
// -json writes the request as OTLP/JSON (pdata's JSON marshaler) instead.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/pprof/profile"
	"go.opentelemetry.io/collector/pdata/pprofile/pprofileotlp"

	"profiletometrics/tests/go/internal/pprofconv"
)

func main() {
	out := flag.String("o", "", "write the request to this file instead of stdout")
	raw := flag.Bool("raw", false, "read the profile field by field instead of with google/pprof (no validity checks)")
	asJSON := flag.Bool("json", false, "write OTLP/JSON instead of protobuf")
	flag.Parse()
	if flag.NArg() > 1 {
		fmt.Fprintln(os.Stderr, "usage: pprof2otlp [-raw] [-json] [-o OUT] [INPUT]")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out, *raw, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "pprof2otlp:", err)
		os.Exit(1)
	}
}

func run(in, out string, raw, asJSON bool) error {
	var data []byte
	var err error
	if in == "" || in == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(in)
	}
	if err != nil {
		return err
	}
	pb, err := convert(data, raw)
	if err == nil && asJSON {
		pb, err = toJSON(pb)
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(pb)
		return err
	}
	return os.WriteFile(out, pb, 0o644)
}

// convert parses a pprof file and returns its OTLP request in protobuf.
func convert(data []byte, raw bool) ([]byte, error) {
	var p *profile.Profile
	var err error
	if raw {
		p, err = pprofconv.DecodeRaw(data)
	} else {
		p, err = profile.ParseData(data)
	}
	if err != nil {
		return nil, err
	}
	return pprofconv.Marshal(pprofconv.Convert(p))
}

// toJSON rewrites a request in protobuf as OTLP/JSON.
func toJSON(pb []byte) ([]byte, error) {
	request := pprofileotlp.NewExportRequest()
	if err := request.UnmarshalProto(pb); err != nil {
		return nil, err
	}
	return request.MarshalJSON()
}
