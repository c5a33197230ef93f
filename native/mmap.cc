// mmap for index files. JS gets an external ArrayBuffer over the mapping plus a handle; unmap
// detaches the ArrayBuffer before munmap so no view, even a leaked one, can reach freed pages.
#include <errno.h>
#include <sys/mman.h>

#include <atomic>

#include "addon.h"
#include "errors.h"
#include "napi_util.h"

namespace samsa {
namespace {

// Shared by the ArrayBuffer finalizer and the handle finalizer; the last one frees it.
struct Mapping {
  void* addr = nullptr;
  size_t length = 0;
  bool unmapped = false;
  std::atomic<int> refs{2};
};

void Release(Mapping* m) {
  if (m->refs.fetch_sub(1) != 1) return;
  if (!m->unmapped) {
    // Finalizers cannot report errors; munmap of a range we mapped only fails on a bug.
    if (munmap(m->addr, m->length) != 0) m->unmapped = true;
  }
  delete m;
}

void FinalizeBuffer(napi_env, void*, void* hint) { Release(static_cast<Mapping*>(hint)); }
void FinalizeHandle(napi_env, void* data, void*) { Release(static_cast<Mapping*>(data)); }

bool GetMapping(napi_env env, napi_value v, Mapping** out) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a mapping handle");
    return false;
  }
  *out = static_cast<Mapping*>(data);
  return true;
}

// mmap(fd, length, writable) -> [ArrayBuffer, handle]
napi_value Map(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!GetArgs(env, info, 3, argv)) return nullptr;
  int fd;
  int64_t length;
  bool writable;
  if (!GetFd(env, argv[0], "fd", &fd) || !GetOffset(env, argv[1], "length", &length) ||
      !GetBool(env, argv[2], false, &writable)) {
    return nullptr;
  }
  if (length == 0) {
    ThrowSysError(env, EINVAL, "mmap");
    return nullptr;
  }
  int prot = PROT_READ | (writable ? PROT_WRITE : 0);
  void* addr = mmap(nullptr, static_cast<size_t>(length), prot, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    ThrowSysError(env, errno, "mmap");
    return nullptr;
  }
  Mapping* m = new Mapping();
  m->addr = addr;
  m->length = static_cast<size_t>(length);
  napi_value buffer, handle, result;
  if (napi_create_external_arraybuffer(env, addr, m->length, FinalizeBuffer, m, &buffer) != napi_ok) {
    munmap(addr, m->length);
    delete m;
    ThrowNapiFailure(env, "napi_create_external_arraybuffer");
    return nullptr;
  }
  if (napi_create_external(env, m, FinalizeHandle, nullptr, &handle) != napi_ok) {
    // The buffer's finalizer still holds one reference; drop ours and let GC unmap.
    m->refs.fetch_sub(1);
    ThrowNapiFailure(env, "napi_create_external");
    return nullptr;
  }
  SAMSA_CALL(env, napi_create_array_with_length(env, 2, &result));
  SAMSA_CALL(env, napi_set_element(env, result, 0, buffer));
  SAMSA_CALL(env, napi_set_element(env, result, 1, handle));
  return result;
}

// munmap(handle, buffer): idempotent.
napi_value Unmap(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!GetArgs(env, info, 2, argv)) return nullptr;
  Mapping* m;
  if (!GetMapping(env, argv[0], &m)) return nullptr;
  if (m->unmapped) return Undefined(env);
  bool detached = false;
  SAMSA_CALL(env, napi_is_detached_arraybuffer(env, argv[1], &detached));
  if (!detached) SAMSA_CALL(env, napi_detach_arraybuffer(env, argv[1]));
  if (munmap(m->addr, m->length) != 0) {
    ThrowSysError(env, errno, "munmap");
    return nullptr;
  }
  m->unmapped = true;
  return Undefined(env);
}

napi_value Msync(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!GetArgs(env, info, 1, argv)) return nullptr;
  Mapping* m;
  if (!GetMapping(env, argv[0], &m)) return nullptr;
  if (m->unmapped) {
    ThrowSysError(env, EBADF, "msync");
    return nullptr;
  }
  if (msync(m->addr, m->length, MS_SYNC) != 0) {
    ThrowSysError(env, errno, "msync");
    return nullptr;
  }
  return Undefined(env);
}

}  // namespace

bool InitMmap(napi_env env, napi_value exports) {
  return Export(env, exports, "mmap", Map) && Export(env, exports, "munmap", Unmap) &&
         Export(env, exports, "msync", Msync);
}

}  // namespace samsa
