// Command otlpsend sends OTLP profiles requests to a collector over gRPC,
// with pdata's own client (pprofileotlp), for tests/collector.test.js.
//
//	otlpsend -grpc HOST:PORT FILE...
//
// Each FILE is an ExportProfilesServiceRequest in protobuf (.pb) or
// OTLP/JSON (.json); each is one Export call, in order. Exit 1 with a
// one-line message on stderr when a call fails, naming the file and the
// gRPC status; exit 2 on usage or unreadable files.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pprofile/pprofileotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func main() {
	target := flag.String("grpc", "", "the collector's OTLP/gRPC endpoint (HOST:PORT)")
	flag.Parse()
	if *target == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: otlpsend -grpc HOST:PORT FILE...")
		os.Exit(2)
	}
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintf(os.Stderr, "otlpsend: %v\n", err)
		os.Exit(2)
	}
	defer conn.Close()
	client := pprofileotlp.NewGRPCClient(conn)
	for _, file := range flag.Args() {
		request, err := read(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "otlpsend: %s: %v\n", file, err)
			os.Exit(2)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err = client.Export(ctx, request)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "otlpsend: %s: %v\n", file, err)
			os.Exit(1)
		}
	}
}

func read(file string) (pprofileotlp.ExportRequest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return pprofileotlp.ExportRequest{}, err
	}
	request := pprofileotlp.NewExportRequest()
	if strings.HasSuffix(file, ".json") {
		return request, request.UnmarshalJSON(data)
	}
	return request, request.UnmarshalProto(data)
}
