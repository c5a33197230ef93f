// Node-style system errors ({code, errno, syscall}) built from an errno value.
#pragma once

#include <node_api.h>

namespace samsa {

// Returns a JS Error with code ('EBADF'), errno (positive) and syscall set, or nullptr if
// even creating the error failed (an exception is then pending).
napi_value MakeSysError(napi_env env, int err, const char* syscall);

// Throws MakeSysError(...) as a pending exception.
void ThrowSysError(napi_env env, int err, const char* syscall);

// Throws a TypeError with code ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE.
void ThrowArgError(napi_env env, const char* message);

// errno name ('EAGAIN'), falling back to 'E<number>' for unknown values.
const char* ErrnoName(int err, char* scratch, size_t scratch_len);

// Sets obj[key] = value (string / number). Returns false if a napi call failed.
bool SetString(napi_env env, napi_value obj, const char* key, const char* value);
bool SetNumber(napi_env env, napi_value obj, const char* key, double value);

}  // namespace samsa
