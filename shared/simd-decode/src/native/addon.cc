// The N-API surface of the native decoder (see ../index.ts for how JavaScript uses it):
//   createExtractor(planJson)                -> handle
//   extractBatch(handle, bytes, ends)        -> { texts, ranges, counts }
//   scanAudit(bytes)                         -> { shape, ranges } | undefined: ingest's fast path (scan.h)
//   errorMessage(code)                       -> simdjson's text for an error code
//   implementation()                         -> the SIMD kernel simdjson chose for this CPU
// One crossing per batch: the messages are bytes[ends[i-1], ends[i]); texts[i] holds the events of message i, each
// pruned to the plan (an array of strings), or the error code (a number) when the message could not be extracted;
// counts[i] events of message i have their [start, end) byte offsets in the batch, in order, in `ranges`.
#include <node_api.h>

#include <cstring>
#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include "extract.h"
#include "scan.h"

namespace {

using peregrine::Extractor;

napi_value throwError(napi_env env, const char* message) {
  napi_throw_error(env, "PG_ERR_NATIVE_DECODER", message);
  return nullptr;
}

// A call's arguments: up to N of them, `count` the number passed.
template <size_t N>
struct Args {
  size_t count = N;
  napi_value values[N];
};

template <size_t N>
Args<N> getArgs(napi_env env, napi_callback_info info) {
  Args<N> args;
  napi_get_cb_info(env, info, &args.count, args.values, nullptr, nullptr);
  return args;
}

bool isAscii(std::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0, n = s.size();
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < n; i++) if (p[i] & 0x80) return false;
  return true;
}

napi_value CreateExtractor(napi_env env, napi_callback_info info) {
  auto args = getArgs<1>(env, info);
  size_t length = 0;
  if (args.count < 1 || napi_get_value_string_utf8(env, args.values[0], nullptr, 0, &length) != napi_ok) {
    return throwError(env, "createExtractor(planJson): planJson must be a string");
  }
  std::string json(length, '\0');
  napi_get_value_string_utf8(env, args.values[0], json.data(), length + 1, &length);
  std::string error;
  auto plan = peregrine::parsePlan(json, error);
  if (!plan) return throwError(env, ("createExtractor: " + error).c_str());
  auto* extractor = new Extractor(std::move(plan));
  napi_value handle;
  napi_create_external(
      env, extractor, [](napi_env, void* data, void*) { delete static_cast<Extractor*>(data); }, nullptr, &handle);
  return handle;
}

napi_value ExtractBatch(napi_env env, napi_callback_info info) {
  auto args = getArgs<3>(env, info);
  napi_value* argv = args.values;
  if (args.count < 3) return throwError(env, "extractBatch(handle, bytes, ends): three arguments expected");
  Extractor* extractor = nullptr;
  if (napi_get_value_external(env, argv[0], reinterpret_cast<void**>(&extractor)) != napi_ok || !extractor) {
    return throwError(env, "extractBatch: the first argument is not an extractor");
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    return throwError(env, "extractBatch: bytes must be a Uint8Array");
  }
  const auto* bytes = static_cast<const uint8_t*>(data);
  size_t count;
  void* endsData;
  if (napi_get_typedarray_info(env, argv[2], &type, &count, &endsData, &buffer, &offset) != napi_ok ||
      type != napi_uint32_array) {
    return throwError(env, "extractBatch: ends must be a Uint32Array");
  }
  const auto* ends = static_cast<const uint32_t*>(endsData);

  napi_value texts;
  napi_create_array_with_length(env, count, &texts);
  std::vector<uint32_t> ranges, counts(count), events;
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i < count; i++) {
    const size_t end = ends[i];
    if (end < start || end > length) return throwError(env, "extractBatch: ends must rise within the bytes");
    out.clear();
    events.clear();
    const size_t before = ranges.size();
    simdjson::error_code code;
    try {
      code = extractor->extract(bytes + start, end - start, length - start, out, events, ranges);
    } catch (const std::exception&) {
      // Never crash the worker: the message is decoded with JSON.parse instead.
      ranges.resize(before);
      code = simdjson::UNEXPECTED_ERROR;
    }
    napi_value value;
    if (code) {
      napi_create_uint32(env, static_cast<uint32_t>(code), &value);
    } else {
      for (size_t r = before; r < ranges.size(); r++) ranges[r] += static_cast<uint32_t>(start);
      const size_t n = events.size() / 2;
      counts[i] = static_cast<uint32_t>(n);
      napi_create_array_with_length(env, n, &value);
      for (size_t e = 0; e < n; e++) {
        const std::string_view text(out.data() + events[2 * e], events[2 * e + 1] - events[2 * e]);
        napi_value eventText;
        // Most audit text is ASCII: a one-byte string is a copy, and JSON.parse reads it faster than a two-byte one.
        if (isAscii(text)) napi_create_string_latin1(env, text.data(), text.size(), &eventText);
        else napi_create_string_utf8(env, text.data(), text.size(), &eventText);
        napi_set_element(env, value, static_cast<uint32_t>(e), eventText);
      }
    }
    napi_set_element(env, texts, static_cast<uint32_t>(i), value);
    start = end;
  }

  auto typed = [env](const std::vector<uint32_t>& values) {
    void* target;
    napi_value arrayBuffer, array;
    napi_create_arraybuffer(env, values.size() * 4, &target, &arrayBuffer);
    if (!values.empty()) std::memcpy(target, values.data(), values.size() * 4);
    napi_create_typedarray(env, napi_uint32_array, values.size(), arrayBuffer, 0, &array);
    return array;
  };
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "texts", texts);
  napi_set_named_property(env, result, "ranges", typed(ranges));
  napi_set_named_property(env, result, "counts", typed(counts));
  return result;
}

// scanAudit(bytes, ranges) -> { shape, count, ranges? } when the fast path accepts the body, else undefined (ingest's
// scanner decides). Without `ranges` (false), only the shape and the count.
napi_value ScanAudit(napi_env env, napi_callback_info info) {
  auto args = getArgs<2>(env, info);
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (args.count < 1 || napi_get_typedarray_info(env, args.values[0], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    return throwError(env, "scanAudit: bytes must be a Uint8Array");
  }
  // One scanner per thread: its parsers keep their buffers between calls.
  thread_local peregrine::AuditScanner scanner;
  bool wantRanges = true;
  if (args.count >= 2) napi_get_value_bool(env, args.values[1], &wantRanges);
  std::vector<uint32_t> ranges;
  uint32_t count = 0;
  auto shape = peregrine::AuditShape::Undecided;
  try {
    if (wantRanges) {
      shape = scanner.scan(static_cast<const uint8_t*>(data), length, length, ranges);
      count = static_cast<uint32_t>(ranges.size() / 2);
    } else {
      shape = scanner.count(static_cast<const uint8_t*>(data), length, length, count);
    }
  } catch (const std::exception&) {
    // A simdjson accessor used the throwing form by mistake: leave the body to ingest's scanner, never crash.
    ranges.clear();
    shape = peregrine::AuditShape::Undecided;
  }
  napi_value result;
  if (shape == peregrine::AuditShape::Undecided) {
    napi_get_undefined(env, &result);
    return result;
  }
  napi_value shapeValue, countValue;
  napi_create_uint32(env, static_cast<uint32_t>(shape), &shapeValue);
  napi_create_uint32(env, count, &countValue);
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "shape", shapeValue);
  napi_set_named_property(env, result, "count", countValue);
  if (wantRanges) {
    napi_value rangesValue, arrayBuffer;
    void* target;
    napi_create_arraybuffer(env, ranges.size() * 4, &target, &arrayBuffer);
    if (!ranges.empty()) std::memcpy(target, ranges.data(), ranges.size() * 4);
    napi_create_typedarray(env, napi_uint32_array, ranges.size(), arrayBuffer, 0, &rangesValue);
    napi_set_named_property(env, result, "ranges", rangesValue);
  }
  return result;
}

napi_value ErrorMessage(napi_env env, napi_callback_info info) {
  auto args = getArgs<1>(env, info);
  uint32_t code = 0;
  if (args.count < 1 || napi_get_value_uint32(env, args.values[0], &code) != napi_ok) return throwError(env, "errorMessage(code)");
  napi_value text;
  const char* message = simdjson::error_message(static_cast<simdjson::error_code>(code));
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  return text;
}

napi_value Implementation(napi_env env, napi_callback_info) {
  const auto name = simdjson::get_active_implementation()->name();
  napi_value text;
  napi_create_string_utf8(env, name.data(), name.size(), &text);
  return text;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"createExtractor", nullptr, CreateExtractor, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"extractBatch", nullptr, ExtractBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scanAudit", nullptr, ScanAudit, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"errorMessage", nullptr, ErrorMessage, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"implementation", nullptr, Implementation, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
