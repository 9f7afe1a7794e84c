//go:build !unix

package profiletometricsconnector

// openFlags: no O_NONBLOCK here; the regular-file check still applies.
const openFlags = 0
