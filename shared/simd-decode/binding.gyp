{
  "targets": [
    {
      "target_name": "simd_decode",
      "sources": ["src/native/addon.cc", "src/native/slots.cc", "src/native/plan.cc", "src/native/scan.cc"],
      "cflags_cc": ["-std=c++17", "-O3", "-Wall", "-Wextra", "<!@(node scripts/simd-flags.mjs)"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "libraries": ["-lsimdjson"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
