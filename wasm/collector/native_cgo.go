//go:build cgo

// native_cgo.go: the "native" engine, the core's C library
// (build/native/libprofiletometrics.a, exporting only ptm_*) through cgo.
package profiletometricsconnector

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../build/native/libprofiletometrics.a -lm
#include <stdlib.h>
#include "ptm.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"unsafe"
)

const nativeAvailable = true

type nativeEngine struct {
	constants *constants
}

func (nativeEngine) name() string { return "native" }

func (e nativeEngine) table() *constants { return e.constants }

type nativeInstance struct {
	converter *C.ptm_converter
	constants *constants
}

var (
	nativeOnce      sync.Once
	nativeConstants *constants
	nativeErr       error
)

// loadNative reads the linked library's table (ptm_constants_json) once.
func loadNative() (engine, error) {
	nativeOnce.Do(func() {
		nativeConstants, nativeErr = parseConstants(C.GoString(C.ptm_constants_json()))
		if nativeErr == nil && len(nativeConstants.stats)*8 != int(C.sizeof_ptm_stats) {
			nativeErr = fmt.Errorf("profiletometrics: the core names %d stats fields, its ptm_stats holds %d bytes",
				len(nativeConstants.stats), int(C.sizeof_ptm_stats))
		}
	})
	if nativeErr != nil {
		return nil, nativeErr
	}
	return nativeEngine{constants: nativeConstants}, nil
}

func (e nativeEngine) newInstance(config []byte) (converterInstance, error) {
	const errorSize = 512
	message := (*C.char)(C.malloc(errorSize))
	defer C.free(unsafe.Pointer(message))
	text := C.CBytes(config)
	defer C.free(text)
	var converter *C.ptm_converter
	result := C.ptm_converter_create((*C.char)(text), C.size_t(len(config)), nil, &converter, message, errorSize)
	if result != C.PTM_OK {
		return nil, &coreError{Code: e.constants.resultName(uint64(result)), Message: C.GoString(message)}
	}
	return &nativeInstance{converter: converter, constants: e.constants}, nil
}

// add hands the input to C without a copy (the core only reads it during
// the call).
func (i *nativeInstance) add(_ context.Context, now uint64, input []byte) (Stats, string, error) {
	var stats C.ptm_stats
	result := C.ptm_converter_add(i.converter, C.uint64_t(now), bytesPointer(input), C.size_t(len(input)), &stats)
	s := i.statsOf(&stats)
	if result != C.PTM_OK {
		return s, "", i.lastError(result)
	}
	return s, C.GoString(C.ptm_converter_last_warning(i.converter)), nil
}

// symbolize plans the files of input's native frames and hands the core
// each one read (the bytes without a copy: the core copies what it keeps
// during the call). A plan the core refuses ends it: the add that follows
// refuses the input with the core's message.
func (i *nativeInstance) symbolize(_ context.Context, input []byte, read func(path string) []byte) error {
	if C.ptm_converter_symbols_scan(i.converter, bytesPointer(input), C.size_t(len(input))) != C.PTM_OK {
		return nil
	}
	for {
		var path *C.char
		if C.ptm_converter_symbols_next(i.converter, &path) != C.PTM_OK || path == nil {
			return nil
		}
		data := read(C.GoString(path))
		if C.ptm_converter_symbols_offer(i.converter, bytesPointer(data), C.size_t(len(data))) != C.PTM_OK {
			return nil
		}
	}
}

// bytesPointer is data's first byte for C, or NULL when it is empty.
func bytesPointer(data []byte) *C.uint8_t {
	if len(data) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&data[0]))
}

// flush writes the held series as of now and copies the output out.
func (i *nativeInstance) flush(_ context.Context, now uint64, format int) ([]byte, Stats, error) {
	var output *C.uint8_t
	var size C.size_t
	var stats C.ptm_stats
	result := C.ptm_converter_flush(i.converter, C.uint64_t(now), C.ptm_format(format), &output, &size, &stats)
	s := i.statsOf(&stats)
	if result != C.PTM_OK {
		return nil, s, i.lastError(result)
	}
	return C.GoBytes(unsafe.Pointer(output), C.int(size)), s, nil
}

func (i *nativeInstance) lastError(result C.ptm_result) error {
	return &coreError{Code: i.constants.resultName(uint64(result)), Message: C.GoString(C.ptm_converter_last_error(i.converter))}
}

// statsOf reads a ptm_stats as the fields the core's table names (as many
// as it holds: checked at load).
func (i *nativeInstance) statsOf(stats *C.ptm_stats) Stats {
	return i.constants.statsOf(unsafe.Slice((*uint64)(unsafe.Pointer(stats)), len(i.constants.stats)))
}

func (i *nativeInstance) version(context.Context) (string, error) {
	return C.GoString(C.ptm_version()), nil
}

// memoryBytes is 0: the core frees what it no longer holds (a refused call
// what it allocated), and glibc hands it back: measured in a real collector
// after a request refused at max_memory_bytes 512 MiB (816 MB peak), the
// process came back to 6 MB over its level before once the Go heap's
// garbage was handed back (held.go, giveBack), without malloc_trim.
func (i *nativeInstance) memoryBytes() uint64 { return 0 }

func (i *nativeInstance) close() {
	C.ptm_converter_free(i.converter)
	i.converter = nil
}
