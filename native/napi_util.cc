#include "napi_util.h"

#include <cmath>
#include <string>

#include "errors.h"

namespace samsa {

void ThrowNapiFailure(napi_env env, const char* what) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  const napi_extended_error_info* info = nullptr;
  std::string message = std::string("N-API call failed: ") + what;
  if (napi_get_last_error_info(env, &info) == napi_ok && info != nullptr &&
      info->error_message != nullptr) {
    message += ": ";
    message += info->error_message;
  }
  napi_throw_error(env, "ERR_NAPI", message.c_str());
}

bool GetArgs(napi_env env, napi_callback_info info, size_t n, napi_value* argv, void** data) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, data) != napi_ok) {
    ThrowNapiFailure(env, "napi_get_cb_info");
    return false;
  }
  return true;
}

static bool ThrowArg(napi_env env, const char* name, const char* expected) {
  std::string message = std::string("The \"") + name + "\" argument must be " + expected;
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message.c_str());
  return false;
}

bool GetFd(napi_env env, napi_value v, const char* name, int* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 2147483647.0 ||
      d != std::floor(d)) {
    return ThrowArg(env, name, "a file descriptor (integer >= 0)");
  }
  *out = static_cast<int>(d);
  return true;
}

bool GetOffset(napi_env env, napi_value v, const char* name, int64_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 ||
      d != std::floor(d)) {
    return ThrowArg(env, name, "a safe integer >= 0");
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool GetBool(napi_env env, napi_value v, bool fallback, bool* out) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) {
    ThrowNapiFailure(env, "napi_typeof");
    return false;
  }
  if (type == napi_undefined) {
    *out = fallback;
    return true;
  }
  if (napi_get_value_bool(env, v, out) != napi_ok) return ThrowArg(env, "flag", "a boolean");
  return true;
}

bool GetBytes(napi_env env, napi_value v, const char* name, uint8_t** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok) {
    ThrowNapiFailure(env, "napi_is_typedarray");
    return false;
  }
  if (is_typed) {
    napi_typedarray_type type;
    size_t count;
    void* ptr;
    if (napi_get_typedarray_info(env, v, &type, &count, &ptr, nullptr, nullptr) != napi_ok) {
      ThrowNapiFailure(env, "napi_get_typedarray_info");
      return false;
    }
    size_t element = 1;
    switch (type) {
      case napi_int16_array:
      case napi_uint16_array:
        element = 2;
        break;
      case napi_int32_array:
      case napi_uint32_array:
      case napi_float32_array:
        element = 4;
        break;
      case napi_float64_array:
      case napi_bigint64_array:
      case napi_biguint64_array:
        element = 8;
        break;
      default:
        element = 1;
    }
    *data = static_cast<uint8_t*>(ptr);
    *length = count * element;
    return true;
  }
  bool is_view = false;
  if (napi_is_dataview(env, v, &is_view) != napi_ok) {
    ThrowNapiFailure(env, "napi_is_dataview");
    return false;
  }
  if (is_view) {
    void* ptr;
    if (napi_get_dataview_info(env, v, length, &ptr, nullptr, nullptr) != napi_ok) {
      ThrowNapiFailure(env, "napi_get_dataview_info");
      return false;
    }
    *data = static_cast<uint8_t*>(ptr);
    return true;
  }
  return ThrowArg(env, name, "a Uint8Array, Buffer or DataView");
}

napi_value Undefined(napi_env env) {
  napi_value v = nullptr;
  if (napi_get_undefined(env, &v) != napi_ok) ThrowNapiFailure(env, "napi_get_undefined");
  return v;
}

napi_value Number(napi_env env, double value) {
  napi_value v = nullptr;
  if (napi_create_double(env, value, &v) != napi_ok) ThrowNapiFailure(env, "napi_create_double");
  return v;
}

bool Export(napi_env env, napi_value exports, const char* name, napi_callback fn, void* data) {
  napi_value f;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, data, &f) != napi_ok) return false;
  return napi_set_named_property(env, exports, name, f) == napi_ok;
}

}  // namespace samsa
