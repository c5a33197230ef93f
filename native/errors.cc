#include "errors.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace samsa {

const char* ErrnoName(int err, char* scratch, size_t scratch_len) {
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
  snprintf(scratch, scratch_len, "E%d", err);
  return scratch;
}

bool SetString(napi_env env, napi_value obj, const char* key, const char* value) {
  napi_value v;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) != napi_ok) return false;
  return napi_set_named_property(env, obj, key, v) == napi_ok;
}

bool SetNumber(napi_env env, napi_value obj, const char* key, double value) {
  napi_value v;
  if (napi_create_double(env, value, &v) != napi_ok) return false;
  return napi_set_named_property(env, obj, key, v) == napi_ok;
}

napi_value MakeSysError(napi_env env, int err, const char* syscall) {
  char scratch[32];
  const char* code = ErrnoName(err, scratch, sizeof scratch);
  // Same message shape as Node's SystemError: "EBADF: Bad file descriptor, pwritev".
  std::string message = std::string(code) + ": " + strerror(err) + ", " + syscall;
  napi_value msg, js_code, error;
  if (napi_create_string_utf8(env, message.c_str(), message.size(), &msg) != napi_ok) return nullptr;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok) return nullptr;
  if (napi_create_error(env, js_code, msg, &error) != napi_ok) return nullptr;
  if (!SetNumber(env, error, "errno", err)) return nullptr;
  if (!SetString(env, error, "syscall", syscall)) return nullptr;
  return error;
}

void ThrowSysError(napi_env env, int err, const char* syscall) {
  napi_value error = MakeSysError(env, err, syscall);
  if (error != nullptr) napi_throw(env, error);
}

void ThrowArgError(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
}

}  // namespace samsa
