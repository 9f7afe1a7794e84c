// files.go: the files symbolization asks for (include/ptm.h,
// "Symbolization"). The core reads no file: before it adds a request, it
// plans the ELF files its native frames need and names their paths one at a
// time; the host reads each and hands the bytes back. This is that host
// I/O, no conversion logic: the core checks what it is given (the build ID,
// the ELF format), so these only read, by the rules of every ptm host
// (docs/security.md): paths come partly from the profiles, so a local path
// is read only when it is a regular file (a FIFO or a device named by a
// hostile profile would block or never end), opened without blocking, of at
// most symbolFileMaxBytes; an http:// or https:// path is a debuginfod
// server's URL, fetched with a timeout, and only a 200 answer's body of at
// most the same size counts. Anything else reads as "no such file".
package profiletometricsconnector

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// symbolFileMaxBytes is the largest file read: the core's own bound
// (SYMBOL_FILE_MAX_BYTES, src/convert/symbolize.h), 1 GiB.
const symbolFileMaxBytes = 1 << 30

// debuginfodTimeout bounds one debuginfod request, its body included.
const debuginfodTimeout = 10 * time.Second

var debuginfodClient = &http.Client{Timeout: debuginfodTimeout}

// readSymbolFile is the whole file at path (or the body of a debuginfod
// URL), or nil when it cannot be read.
func readSymbolFile(ctx context.Context, path string) []byte {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return readURL(ctx, path)
	}
	return readRegularFile(path)
}

// readRegularFile reads a regular file of at most symbolFileMaxBytes. It is
// opened without blocking (openFlags) and checked on the open descriptor,
// so what is checked is what is read.
func readRegularFile(path string) []byte {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() > symbolFileMaxBytes {
		return nil
	}
	return readAtMost(f, info.Size())
}

// readURL is the body of a 200 answer to GET url, or nil.
func readURL(ctx context.Context, url string) []byte {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil
	}
	response, err := debuginfodClient.Do(request)
	if err != nil {
		return nil
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK || response.ContentLength > symbolFileMaxBytes {
		return nil
	}
	return readAtMost(response.Body, response.ContentLength)
}

// readAtMost reads r to its end, nil past symbolFileMaxBytes or on an error;
// expected (-1: unknown) sizes the first buffer.
func readAtMost(r io.Reader, expected int64) []byte {
	capacity := int64(64 << 10)
	if expected >= 0 {
		capacity = expected + 1
	}
	buffer := make([]byte, 0, capacity)
	for {
		if len(buffer) == cap(buffer) {
			buffer = append(buffer, 0)[:len(buffer)]
		}
		n, err := r.Read(buffer[len(buffer):cap(buffer)])
		buffer = buffer[:len(buffer)+n]
		if len(buffer) > symbolFileMaxBytes {
			return nil
		}
		if err == io.EOF {
			return buffer
		}
		if err != nil {
			return nil
		}
	}
}
