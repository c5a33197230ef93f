// Module entry: Linux-only kernel calls for the broker (see docs/ARCHITECTURE.md section 1).
#include <node_api.h>

#include "addon.h"
#include "napi_util.h"

namespace {

napi_value Init(napi_env env, napi_value exports) {
  if (!samsa::InitIo(env, exports) || !samsa::InitMmap(env, exports) ||
      !samsa::InitSendfile(env, exports)) {
    samsa::ThrowNapiFailure(env, "addon init");
    return nullptr;
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
