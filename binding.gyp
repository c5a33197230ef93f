{
  "targets": [
    {
      "target_name": "samsa_native",
      "sources": [
        "native/addon.cc",
        "native/crc32c.cc",
        "native/errors.cc",
        "native/io.cc",
        "native/mmap.cc",
        "native/napi_util.cc",
        "native/sendfile.cc",
        "native/sendfile_engine.cc"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags": ["-O2", "-fvisibility=hidden", "-Wall", "-Wextra"],
      "cflags_cc": ["-std=c++17", "-O2", "-fvisibility=hidden", "-Wall", "-Wextra", "-pthread"],
      "ldflags": ["-pthread"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
