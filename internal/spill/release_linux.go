package spill

import "syscall"

// release tells the kernel the pages of b are not needed soon: they leave
// the process's resident set and stay in the file cache.
func release(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
