// JS glue of the sendfile engine: sendfileInit(onComplete), sendfileSubmit(...) -> id,
// sendfileCancel(id). Completions arrive as onComplete(id, error | null, bytesSent).
// sendfileNow(...) -> bytesSent sends on the calling thread for as long as the socket takes bytes.
// The items to send are file regions and Buffers (a response's encoded parts between its record
// regions), in order: one op per response, not one per run of regions.
#include <errno.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "napi_util.h"
#include "sendfile_engine.h"

namespace samsa {
namespace {

SendfileEngine* GetEngine(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok) return nullptr;
  return static_cast<SendfileEngine*>(data);
}

napi_value MakeResultError(napi_env env, SendOp* op) {
  napi_value error;
  if (op->eof) {
    napi_value code, msg;
    if (napi_create_string_utf8(env, "EOF", NAPI_AUTO_LENGTH, &code) != napi_ok ||
        napi_create_string_utf8(env, "EOF: file is shorter than the region to send, sendfile",
                                NAPI_AUTO_LENGTH, &msg) != napi_ok ||
        napi_create_error(env, code, msg, &error) != napi_ok ||
        !SetNumber(env, error, "errno", 0) || !SetString(env, error, "syscall", "sendfile")) {
      return nullptr;
    }
  } else {
    error = MakeSysError(env, op->err, op->syscall);
    if (error == nullptr) return nullptr;
  }
  if (!SetNumber(env, error, "bytesSent", static_cast<double>(op->sent))) return nullptr;
  return error;
}

// Runs on the JS thread for every finished op; env is null while the environment tears down.
void CallJs(napi_env env, napi_value callback, void* context, void* data) {
  SendOp* op = static_cast<SendOp*>(data);
  SendfileEngine* engine = static_cast<SendfileEngine*>(context);
  if (env == nullptr || callback == nullptr) {
    delete op;
    return;
  }
  if (--engine->in_flight == 0) napi_unref_threadsafe_function(env, engine->tsfn());
  napi_value argv[3], undefined;
  bool ok = napi_get_undefined(env, &undefined) == napi_ok &&
            napi_create_double(env, static_cast<double>(op->id), &argv[0]) == napi_ok &&
            napi_create_double(env, static_cast<double>(op->sent), &argv[2]) == napi_ok;
  if (ok) {
    bool failed = op->eof || op->err != 0;
    argv[1] = failed ? MakeResultError(env, op) : nullptr;
    if (!failed) ok = napi_get_null(env, &argv[1]) == napi_ok;
    ok = ok && argv[1] != nullptr;
  }
  delete op;
  if (!ok) {
    ThrowNapiFailure(env, "sendfile completion");
    return;
  }
  // A throwing callback surfaces as an uncaught exception, like any JS callback.
  napi_call_function(env, undefined, callback, 3, argv, nullptr);
}

void Cleanup(void* arg) { static_cast<SendfileEngine*>(arg)->Stop(); }

// The thread-safe function is finalized after our cleanup hook (hooks run in reverse order of
// registration), so the thread is already joined here.
void FinalizeEngine(napi_env, void* data, void*) {
  SendfileEngine* engine = static_cast<SendfileEngine*>(data);
  engine->Stop();
  delete engine;
}

napi_value Init(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!GetArgs(env, info, 1, argv)) return nullptr;
  if (GetEngine(env) != nullptr) return Undefined(env);
  napi_valuetype type;
  SAMSA_CALL(env, napi_typeof(env, argv[0], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "onComplete must be a function");
    return nullptr;
  }
  napi_value name;
  SAMSA_CALL(env, napi_create_string_utf8(env, "samsa.sendfile", NAPI_AUTO_LENGTH, &name));
  SendfileEngine* engine = new SendfileEngine();
  napi_threadsafe_function tsfn = nullptr;
  if (napi_create_threadsafe_function(env, argv[0], nullptr, name, 0, 1, engine, FinalizeEngine,
                                      engine, CallJs, &tsfn) != napi_ok) {
    delete engine;
    ThrowNapiFailure(env, "napi_create_threadsafe_function");
    return nullptr;
  }
  // From here the tsfn's finalizer owns the engine.
  int err = 0;
  const char* syscall = "";
  if (!engine->Start(tsfn, &err, &syscall)) {
    napi_release_threadsafe_function(tsfn, napi_tsfn_abort);
    ThrowSysError(env, err, syscall);
    return nullptr;
  }
  SAMSA_CALL(env, napi_unref_threadsafe_function(env, tsfn));
  SAMSA_CALL(env, napi_add_env_cleanup_hook(env, Cleanup, engine));
  SAMSA_CALL(env, napi_set_instance_data(env, engine, nullptr, nullptr));
  return Undefined(env);
}

// Dups a descriptor for the sender thread (R6) so Node closing or reusing the number cannot
// redirect the send.
bool DupFd(napi_env env, int fd, int* out) {
  *out = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (*out < 0) {
    ThrowSysError(env, errno, "dup");
    return false;
  }
  return true;
}

bool GetRegionField(napi_env env, napi_value region, const char* key, int64_t* out) {
  napi_value v;
  if (napi_get_named_property(env, region, key, &v) != napi_ok) {
    ThrowNapiFailure(env, "napi_get_named_property");
    return false;
  }
  return GetOffset(env, v, key, out);
}

// regions[i]: a Buffer (bytes in memory: *data set, *fd -1) or {fd, position, length}; false
// with an exception pending.
bool ReadRegionAt(napi_env env, napi_value array, uint32_t i, int64_t* fd, int64_t* position,
                  int64_t* length, const char** data) {
  napi_value region;
  if (napi_get_element(env, array, i, &region) != napi_ok) {
    ThrowNapiFailure(env, "napi_get_element");
    return false;
  }
  bool is_buffer = false;
  if (napi_is_buffer(env, region, &is_buffer) != napi_ok) {
    ThrowNapiFailure(env, "napi_is_buffer");
    return false;
  }
  if (is_buffer) {
    void* bytes = nullptr;
    size_t size = 0;
    if (napi_get_buffer_info(env, region, &bytes, &size) != napi_ok) {
      ThrowNapiFailure(env, "napi_get_buffer_info");
      return false;
    }
    *fd = -1;
    *position = 0;
    *length = static_cast<int64_t>(size);
    *data = static_cast<const char*>(bytes);
    return true;
  }
  *data = nullptr;
  if (!GetRegionField(env, region, "fd", fd) || !GetRegionField(env, region, "position", position) ||
      !GetRegionField(env, region, "length", length)) {
    return false;
  }
  if (*fd > INT32_MAX) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "region fd out of range");
    return false;
  }
  return true;
}

// The length of the regions array; false with an exception pending when it is not an Array.
bool RegionCount(napi_env env, napi_value array, uint32_t* count) {
  bool is_array = false;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "regions must be an Array");
    return false;
  }
  if (napi_get_array_length(env, array, count) != napi_ok) {
    ThrowNapiFailure(env, "napi_get_array_length");
    return false;
  }
  return true;
}

// Fills op->regions (dup'ing each distinct file fd once). Returns false with an exception
// pending; the caller closes whatever was dup'd.
bool ReadRegions(napi_env env, napi_value array, SendOp* op) {
  uint32_t count;
  if (!RegionCount(env, array, &count)) return false;
  std::vector<int> original;  // parallel to op->owned_fds
  for (uint32_t i = 0; i < count; i++) {
    int64_t fd, position, length;
    const char* data;
    if (!ReadRegionAt(env, array, i, &fd, &position, &length, &data)) return false;
    if (length == 0) continue;
    if (data != nullptr) {
      op->regions.push_back(SendRegion{-1, 0, length, data});
      continue;
    }
    int dup = -1;
    for (size_t k = 0; k < original.size(); k++) {
      if (original[k] == fd) dup = op->owned_fds[k];
    }
    if (dup < 0) {
      if (!DupFd(env, static_cast<int>(fd), &dup)) return false;
      original.push_back(static_cast<int>(fd));
      op->owned_fds.push_back(dup);
    }
    op->regions.push_back(SendRegion{dup, position, length});
  }
  return true;
}

// sendfileSubmit(socketFd, regions, timeoutMs) -> id (0 when there is nothing to send). The
// caller keeps the Buffers among regions alive until the completion.
napi_value Submit(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!GetArgs(env, info, 3, argv)) return nullptr;
  SendfileEngine* engine = GetEngine(env);
  if (engine == nullptr) {
    napi_throw_error(env, "ERR_INVALID_STATE", "sendfileInit() was not called");
    return nullptr;
  }
  int sock;
  int64_t timeout_ms;
  if (!GetFd(env, argv[0], "socketFd", &sock) || !GetOffset(env, argv[2], "timeoutMs", &timeout_ms)) {
    return nullptr;
  }
  SendOp* op = new SendOp();
  op->timeout_ms = timeout_ms;
  if (!ReadRegions(env, argv[1], op)) {
    CloseOpFds(op);
    delete op;
    return nullptr;
  }
  if (op->regions.empty()) {
    CloseOpFds(op);
    delete op;
    return Number(env, 0);
  }
  if (!DupFd(env, sock, &op->sock)) {
    CloseOpFds(op);
    delete op;
    return nullptr;
  }
  // A blocking socket would park the sender thread inside sendfile; Node's sockets never are.
  int flags = fcntl(op->sock, F_GETFL);
  if (flags < 0 || (flags & O_NONBLOCK) == 0) {
    int err = flags < 0 ? errno : EINVAL;
    CloseOpFds(op);
    delete op;
    ThrowSysError(env, err, "fcntl");
    return nullptr;
  }
  op->id = engine->NextId();
  double id = static_cast<double>(op->id);
  if (engine->in_flight++ == 0) {
    if (napi_ref_threadsafe_function(env, engine->tsfn()) != napi_ok) {
      engine->in_flight--;
      CloseOpFds(op);
      delete op;
      ThrowNapiFailure(env, "napi_ref_threadsafe_function");
      return nullptr;
    }
  }
  if (!engine->Submit(op)) {
    if (--engine->in_flight == 0) napi_unref_threadsafe_function(env, engine->tsfn());
    CloseOpFds(op);
    delete op;
    napi_throw_error(env, "ERR_INVALID_STATE", "the sendfile engine is stopped");
    return nullptr;
  }
  return Number(env, id);
}

// sendfileNow(socketFd, regions, maxBytes) -> bytes sent, in order, on the calling thread.
// Stops at the first call that does not move bytes (EAGAIN, an error, a file shorter than the
// region) or at maxBytes, and reports nothing else: the caller hands the rest to the engine,
// which meets the same condition again and owns waiting and error reporting. No dups: nothing
// can close the descriptors while this call runs. Meant for bytes in the page cache, since a
// page read from disk would block the caller.
napi_value SendNow(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!GetArgs(env, info, 3, argv)) return nullptr;
  int sock;
  int64_t max_bytes;
  if (!GetFd(env, argv[0], "socketFd", &sock) || !GetOffset(env, argv[2], "maxBytes", &max_bytes)) {
    return nullptr;
  }
  uint32_t count;
  if (!RegionCount(env, argv[1], &count)) return nullptr;
  int flags = fcntl(sock, F_GETFL);
  if (flags < 0) {
    ThrowSysError(env, errno, "fcntl");
    return nullptr;
  }
  if ((flags & O_NONBLOCK) == 0) {
    ThrowSysError(env, EINVAL, "fcntl");  // a blocking socket would park the JS thread
    return nullptr;
  }
  // Parsed first, empty items dropped: MSG_MORE must never go on the last bytes of the op, or the
  // kernel would hold them until a later send.
  std::vector<SendRegion> items;
  items.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    int64_t fd, position, length;
    const char* data;
    if (!ReadRegionAt(env, argv[1], i, &fd, &position, &length, &data)) return nullptr;
    if (length > 0) items.push_back(SendRegion{static_cast<int>(fd), position, length, data});
  }
  int64_t sent = 0;
  for (size_t i = 0; i < items.size() && sent < max_bytes; i++) {
    const SendRegion& r = items[i];
    int64_t done = 0;
    while (done < r.length && sent < max_bytes) {
      size_t n_max = static_cast<size_t>(std::min(r.length - done, max_bytes - sent));
      const char* syscall;
      ssize_t n = SendPart(sock, r, done, n_max, i + 1 < items.size(), &syscall);
      if (n > 0) {
        done += n;
        sent += n;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return Number(env, static_cast<double>(sent));
      }
    }
    if (done < r.length) break;
  }
  return Number(env, static_cast<double>(sent));
}

napi_value Cancel(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!GetArgs(env, info, 1, argv)) return nullptr;
  SendfileEngine* engine = GetEngine(env);
  int64_t id;
  if (!GetOffset(env, argv[0], "id", &id)) return nullptr;
  if (engine != nullptr && id > 0) engine->Cancel(static_cast<uint64_t>(id));
  return Undefined(env);
}

}  // namespace

bool InitSendfile(napi_env env, napi_value exports) {
  return Export(env, exports, "sendfileInit", Init) &&
         Export(env, exports, "sendfileSubmit", Submit) &&
         Export(env, exports, "sendfileNow", SendNow) &&
         Export(env, exports, "sendfileCancel", Cancel);
}

}  // namespace samsa
