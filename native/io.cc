// File and socket helpers: gathered appends (pwritev), fdatasync, fadvise, fallocate,
// TCP_CONGESTION, and the crc32c bindings.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "addon.h"
#include "crc32c.h"
#include "errors.h"
#include "napi_util.h"

namespace samsa {
namespace {

// Throws the errno-style error for a failed syscall; returns the nullptr a binding then returns.
napi_value FailSys(napi_env env, int err, const char* syscall) {
  ThrowSysError(env, err, syscall);
  return nullptr;
}

// Runs a syscall that returns 0 or -1/errno until it is not interrupted; 0 or the errno.
template <typename Call>
int RetryOnEintr(Call call) {
  while (call() != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// The n arguments of a call whose first one is a file or socket descriptor.
bool GetFdArgs(napi_env env, napi_callback_info info, size_t n, napi_value* argv,
               const char* fd_name, int* fd) {
  return GetArgs(env, info, n, argv) && GetFd(env, argv[0], fd_name, fd);
}

// Reads a JS array of byte views into iovecs (no copies).
bool GetIovecs(napi_env env, napi_value array, std::vector<iovec>* iov, size_t* total) {
  bool is_array = false;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"buffers\" argument must be an Array");
    return false;
  }
  uint32_t count;
  if (napi_get_array_length(env, array, &count) != napi_ok) {
    ThrowNapiFailure(env, "napi_get_array_length");
    return false;
  }
  iov->reserve(count);
  *total = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, array, i, &element) != napi_ok) {
      ThrowNapiFailure(env, "napi_get_element");
      return false;
    }
    uint8_t* data;
    size_t length;
    if (!GetBytes(env, element, "buffers[i]", &data, &length)) return false;
    if (length == 0) continue;
    iov->push_back(iovec{data, length});
    *total += length;
  }
  return true;
}

// One gathered write of every byte: loops over short writes and IOV_MAX-sized slices.
// Returns bytes written, or -1 with *err set (bytes already written are lost to the caller;
// a partial append is a storage error the log layer handles by truncating).
ssize_t WriteAll(int fd, iovec* iov, size_t iovcnt, off_t position, int* err, size_t* written) {
  *written = 0;
  while (iovcnt > 0) {
    int batch = iovcnt > IOV_MAX ? IOV_MAX : static_cast<int>(iovcnt);
    ssize_t n = pwritev(fd, iov, batch, position);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return -1;
    }
    if (n == 0) {
      *err = EIO;  // pwritev never returns 0 for a non-empty request; treat as an I/O error
      return -1;
    }
    *written += static_cast<size_t>(n);
    position += n;
    size_t left = static_cast<size_t>(n);
    while (iovcnt > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      iov++;
      iovcnt--;
    }
    if (iovcnt > 0 && left > 0) {
      iov->iov_base = static_cast<uint8_t*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return static_cast<ssize_t>(*written);
}

napi_value PwritevSync(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!GetArgs(env, info, 3, argv)) return nullptr;
  int fd;
  int64_t position;
  if (!GetFd(env, argv[0], "fd", &fd)) return nullptr;
  std::vector<iovec> iov;
  size_t total;
  if (!GetIovecs(env, argv[1], &iov, &total)) return nullptr;
  if (!GetOffset(env, argv[2], "position", &position)) return nullptr;
  int err = 0;
  size_t written;
  if (WriteAll(fd, iov.data(), iov.size(), position, &err, &written) < 0) {
    return FailSys(env, err, "pwritev");
  }
  return Number(env, static_cast<double>(written));
}

// Async work shared by pwritev and fdatasync: runs on the libuv pool (bounded, never waits on
// a socket), settles a promise on the JS thread.
struct Baton {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  napi_ref keep_alive = nullptr;  // the buffers array, pinned until the write is done
  int fd = -1;
  off_t position = 0;
  std::vector<iovec> iov;
  bool is_sync = false;  // fdatasync instead of pwritev
  int err = 0;
  size_t written = 0;
};

void ExecuteBaton(napi_env, void* data) {
  Baton* b = static_cast<Baton*>(data);
  if (b->is_sync) {
    b->err = RetryOnEintr([b] { return fdatasync(b->fd); });
    return;
  }
  WriteAll(b->fd, b->iov.data(), b->iov.size(), b->position, &b->err, &b->written);
}

void CompleteBaton(napi_env env, napi_status status, void* data) {
  Baton* b = static_cast<Baton*>(data);
  napi_value result = nullptr;
  bool ok = status == napi_ok && b->err == 0;
  if (ok) {
    if (b->is_sync) {
      napi_get_undefined(env, &result);
    } else {
      napi_create_double(env, static_cast<double>(b->written), &result);
    }
    if (result == nullptr || napi_resolve_deferred(env, b->deferred, result) != napi_ok) {
      ThrowNapiFailure(env, "napi_resolve_deferred");
    }
  } else {
    int err = status == napi_cancelled ? ECANCELED : b->err;
    result = MakeSysError(env, err, b->is_sync ? "fdatasync" : "pwritev");
    if (result != nullptr && !b->is_sync) SetNumber(env, result, "bytesWritten", b->written);
    if (result == nullptr || napi_reject_deferred(env, b->deferred, result) != napi_ok) {
      ThrowNapiFailure(env, "napi_reject_deferred");
    }
  }
  if (b->keep_alive != nullptr) napi_delete_reference(env, b->keep_alive);
  napi_delete_async_work(env, b->work);
  delete b;
}

napi_value QueueBaton(napi_env env, Baton* b, const char* name) {
  napi_value promise, resource_name;
  if (napi_create_promise(env, &b->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, nullptr, resource_name, ExecuteBaton, CompleteBaton, b,
                             &b->work) != napi_ok ||
      napi_queue_async_work(env, b->work) != napi_ok) {
    ThrowNapiFailure(env, "queue async work");
    // The promise (if created) is dropped unresolved; nobody holds it.
    if (b->work != nullptr) napi_delete_async_work(env, b->work);
    if (b->keep_alive != nullptr) napi_delete_reference(env, b->keep_alive);
    delete b;
    return nullptr;
  }
  return promise;
}

napi_value PwritevAsync(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!GetArgs(env, info, 3, argv)) return nullptr;
  Baton* b = new Baton();
  int64_t position;
  size_t total;
  if (!GetFd(env, argv[0], "fd", &b->fd) || !GetIovecs(env, argv[1], &b->iov, &total) ||
      !GetOffset(env, argv[2], "position", &position)) {
    delete b;
    return nullptr;
  }
  b->position = position;
  if (napi_create_reference(env, argv[1], 1, &b->keep_alive) != napi_ok) {
    delete b;
    ThrowNapiFailure(env, "napi_create_reference");
    return nullptr;
  }
  return QueueBaton(env, b, "samsa.pwritev");
}

napi_value FdatasyncAsync(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!GetArgs(env, info, 1, argv)) return nullptr;
  Baton* b = new Baton();
  b->is_sync = true;
  if (!GetFd(env, argv[0], "fd", &b->fd)) {
    delete b;
    return nullptr;
  }
  return QueueBaton(env, b, "samsa.fdatasync");
}

napi_value FdatasyncSync(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!GetFdArgs(env, info, 1, argv, "fd", &fd)) return nullptr;
  int err = RetryOnEintr([fd] { return fdatasync(fd); });
  if (err != 0) return FailSys(env, err, "fdatasync");
  return Undefined(env);
}

napi_value Fadvise(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!GetArgs(env, info, 4, argv)) return nullptr;
  int fd, advice;
  int64_t offset, length;
  if (!GetFd(env, argv[0], "fd", &fd) || !GetOffset(env, argv[1], "offset", &offset) ||
      !GetOffset(env, argv[2], "length", &length) || !GetFd(env, argv[3], "advice", &advice)) {
    return nullptr;
  }
  int err = posix_fadvise(fd, offset, length, advice);  // returns the error, not -1/errno
  if (err != 0) return FailSys(env, err, "posix_fadvise");
  return Undefined(env);
}

napi_value Fallocate(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!GetArgs(env, info, 4, argv)) return nullptr;
  int fd;
  int64_t offset, length;
  bool keep_size;
  if (!GetFd(env, argv[0], "fd", &fd) || !GetOffset(env, argv[1], "offset", &offset) ||
      !GetOffset(env, argv[2], "length", &length) || !GetBool(env, argv[3], false, &keep_size)) {
    return nullptr;
  }
  int mode = keep_size ? FALLOC_FL_KEEP_SIZE : 0;
  int err = RetryOnEintr([=] { return fallocate(fd, mode, offset, length); });
  if (err != 0) return FailSys(env, err, "fallocate");
  return Undefined(env);
}

napi_value SetTcpCongestion(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  if (!GetFdArgs(env, info, 2, argv, "socketFd", &fd)) return nullptr;
  char name[64];
  size_t len;
  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "algorithm must be a string");
    return nullptr;
  }
  if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, static_cast<socklen_t>(len)) != 0) {
    return FailSys(env, errno, "setsockopt");
  }
  return Undefined(env);
}

napi_value GetTcpCongestion(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!GetFdArgs(env, info, 1, argv, "socketFd", &fd)) return nullptr;
  char name[64];
  socklen_t len = sizeof name;
  memset(name, 0, sizeof name);
  if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) != 0) {
    return FailSys(env, errno, "getsockopt");
  }
  napi_value result;
  SAMSA_CALL(env, napi_create_string_utf8(env, name, strnlen(name, len), &result));
  return result;
}

// crc32c(data, initial?) -> uint32; the initial value continues a previous result.
napi_value Crc(napi_env env, napi_callback_info info, bool software) {
  napi_value argv[2];
  if (!GetArgs(env, info, 2, argv)) return nullptr;
  uint8_t* data;
  size_t length;
  if (!GetBytes(env, argv[0], "data", &data, &length)) return nullptr;
  uint32_t initial = 0;
  napi_valuetype type;
  SAMSA_CALL(env, napi_typeof(env, argv[1], &type));
  if (type != napi_undefined) {
    int64_t v;
    if (!GetOffset(env, argv[1], "initial", &v)) return nullptr;
    initial = static_cast<uint32_t>(v);
  }
  uint32_t crc = software ? Crc32cSoftware(initial, data, length) : Crc32c(initial, data, length);
  napi_value result;
  SAMSA_CALL(env, napi_create_uint32(env, crc, &result));
  return result;
}

napi_value CrcHardware(napi_env env, napi_callback_info info) { return Crc(env, info, false); }
napi_value CrcSoftware(napi_env env, napi_callback_info info) { return Crc(env, info, true); }

}  // namespace

bool InitIo(napi_env env, napi_value exports) {
  napi_value impl;
  if (napi_create_string_utf8(env, Crc32cImplementation(), NAPI_AUTO_LENGTH, &impl) != napi_ok ||
      napi_set_named_property(env, exports, "crc32cImplementation", impl) != napi_ok) {
    return false;
  }
  return Export(env, exports, "pwritevSync", PwritevSync) &&
         Export(env, exports, "pwritev", PwritevAsync) &&
         Export(env, exports, "fdatasync", FdatasyncAsync) &&
         Export(env, exports, "fdatasyncSync", FdatasyncSync) &&
         Export(env, exports, "fadvise", Fadvise) && Export(env, exports, "fallocate", Fallocate) &&
         Export(env, exports, "setTcpCongestion", SetTcpCongestion) &&
         Export(env, exports, "getTcpCongestion", GetTcpCongestion) &&
         Export(env, exports, "crc32c", CrcHardware) &&
         Export(env, exports, "crc32cSoftware", CrcSoftware);
}

}  // namespace samsa
