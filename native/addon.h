// Registration entry points of each part of the addon.
#pragma once

#include <node_api.h>

namespace samsa {

bool InitIo(napi_env env, napi_value exports);
bool InitMmap(napi_env env, napi_value exports);
bool InitSendfile(napi_env env, napi_value exports);

}  // namespace samsa
