//go:build unix

package profiletometricsconnector

import "syscall"

// openFlags: a FIFO opened for reading without a writer would block the
// open itself; O_NONBLOCK returns at once (and changes nothing for the
// regular files read).
const openFlags = syscall.O_NONBLOCK
