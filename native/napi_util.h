// Small helpers over the N-API C interface: every status is checked, and a failed call leaves a
// pending JS exception so the binding function can return nullptr.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace samsa {

// Throws a generic Error describing the last N-API failure unless an exception is pending.
void ThrowNapiFailure(napi_env env, const char* what);

#define SAMSA_CALL(env, call)                      \
  do {                                             \
    if ((call) != napi_ok) {                       \
      ::samsa::ThrowNapiFailure((env), #call);     \
      return nullptr;                              \
    }                                              \
  } while (0)

// Fetches exactly `n` arguments (missing ones are `undefined`).
bool GetArgs(napi_env env, napi_callback_info info, size_t n, napi_value* argv, void** data = nullptr);

// A file descriptor: an int32 >= 0. Throws on anything else.
bool GetFd(napi_env env, napi_value v, const char* name, int* out);
// A non-negative safe integer (file offsets, lengths).
bool GetOffset(napi_env env, napi_value v, const char* name, int64_t* out);
bool GetBool(napi_env env, napi_value v, bool fallback, bool* out);
// The bytes of a TypedArray / DataView / Buffer (not copied).
bool GetBytes(napi_env env, napi_value v, const char* name, uint8_t** data, size_t* length);

napi_value Undefined(napi_env env);
napi_value Number(napi_env env, double value);

// Registers `fn` as exports[name].
bool Export(napi_env env, napi_value exports, const char* name, napi_callback fn, void* data = nullptr);

}  // namespace samsa
