//go:build !cgo

// native_nocgo.go: a build without cgo has the wasm engine only.
package profiletometricsconnector

import "errors"

const nativeAvailable = false

type nativeEngine struct{}

func (nativeEngine) name() string { return "native" }

func (nativeEngine) table() *constants { return nil }

func loadNative() (engine, error) {
	return nil, errors.New("profiletometrics: engine native is not in this build")
}

func (nativeEngine) newInstance([]byte) (converterInstance, error) {
	return nil, errors.New("profiletometrics: engine native is not in this build")
}
