// LD_PRELOAD library for Debian 12's user-mode-linux kernel (6.1um) on hosts whose
// CPU has a large XSAVE area (AVX-512, AMX).
//
// Why it exists: UML saves and restores each guest thread's FPU state with
// ptrace(PTRACE_GETREGSET / PTRACE_SETREGSET, NT_X86_XSTATE) through a fixed buffer
// of sizeof(struct _xstate) bytes (legacy area, header and AVX halves). The host
// kernel accepts a short buffer for GETREGSET (it truncates) but refuses a
// SETREGSET whose length differs from the full XSAVE size with EFAULT
// (arch/x86/kernel/fpu/regset.c, xstateregs_set). On such a host PID 1 of the
// guest dies at its first resume ("userspace - ptrace set fp regs failed,
// errno = 14", then "Attempted to kill init"). Newer kernels size the buffer at
// run time; Debian 12's package does not.
//
// What it does: wraps libc's ptrace(). A NT_X86_XSTATE SETREGSET whose buffer
// is shorter than the host's XSAVE size is widened: the full state is read
// first, the caller's bytes are copied over its start, and the full buffer is
// written back. Everything UML keeps (x87/SSE, header, AVX halves) round-trips
// exactly; components beyond its buffer (AVX-512 upper state, AMX tiles) keep
// the values the traced host process already holds.
// Limit: those upper components belong to the host process, and all threads of
// one guest process run in one host process, so they would share them. The
// guest's init (init.sh) therefore tells glibc not to use AVX-512.
// Requests the host accepts as they are pass through untouched, so preloading
// it on a host without the problem changes nothing.
//
// Not part of the product: only the kernel-test harness (kernel-run.sh) loads it.
#include <dlfcn.h>
#include <elf.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

using PtraceFn = long (*)(enum __ptrace_request, ...);

// Large enough for every XSAVE layout shipped so far (AMX makes it ~11 KiB).
constexpr std::size_t kXsaveMax = 64 * 1024;

long next_ptrace(enum __ptrace_request request, pid_t pid, void* addr, void* data) {
  // Resolved on each call: dlsym is cheap next to a ptrace round trip, and this
  // keeps the library free of mutable globals.
  auto next = reinterpret_cast<PtraceFn>(dlsym(RTLD_NEXT, "ptrace"));
  if (next == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  return next(request, pid, addr, data);
}

// Handles a NT_X86_XSTATE SETREGSET through a full-size bounce buffer.
// Returns what ptrace would: 0, or -1 with errno set by the host kernel.
long set_xstate(pid_t pid, void* addr, const iovec* caller) {
  alignas(64) static thread_local unsigned char full[kXsaveMax];
  iovec whole{full, sizeof full};
  if (next_ptrace(PTRACE_GETREGSET, pid, addr, &whole) != 0) {
    return -1;
  }
  if (caller->iov_len >= whole.iov_len) {
    // The caller's buffer already holds the whole state: nothing to widen.
    return next_ptrace(PTRACE_SETREGSET, pid, addr, const_cast<iovec*>(caller));
  }
  std::memcpy(full, caller->iov_base, caller->iov_len);
  return next_ptrace(PTRACE_SETREGSET, pid, addr, &whole);
}

}  // namespace

extern "C" long ptrace(enum __ptrace_request request, ...) {
  va_list args;
  va_start(args, request);
  const pid_t pid = va_arg(args, pid_t);
  void* addr = va_arg(args, void*);
  void* data = va_arg(args, void*);
  va_end(args);
  const bool xstate = reinterpret_cast<std::uintptr_t>(addr) == NT_X86_XSTATE;
  // A short GETREGSET is already truncated by the host; only SET needs help.
  if (xstate && request == PTRACE_SETREGSET && data != nullptr) {
    return set_xstate(pid, addr, static_cast<const iovec*>(data));
  }
  return next_ptrace(request, pid, addr, data);
}
