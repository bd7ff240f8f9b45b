// The N-API surface of the native decoder (see ../index.ts for how JavaScript uses it):
//   createExtractor(slotsJson, planJson)      -> handle: the slot paths and the object plan of a ruleset
//   extract(handle, bytes, length)            -> error code | { text, cells, count, generation }: one message (slots.h)
//   prunedEvent(handle, generation, index)    -> an event of the last message, pruned to the object plan
//   completeEvent(handle, generation, index)  -> an event of the last message, complete
//   scanAudit(bytes)                          -> { shape, ranges } | undefined: ingest's fast path (scan.h)
//   errorMessage(code)                        -> simdjson's text for an error code
//   implementation()                          -> the SIMD kernel simdjson chose for this CPU
#include <node_api.h>

#include <cstring>
#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include "slots.h"
#include "scan.h"

namespace {

using peregrine::SlotExtractor;

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

bool stringArg(napi_env env, napi_value value, std::string& out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out.assign(length, '\0');
  napi_get_value_string_utf8(env, value, out.data(), length + 1, &length);
  return true;
}

napi_value CreateExtractor(napi_env env, napi_callback_info info) {
  auto args = getArgs<2>(env, info);
  std::string slotsJson, planJson;
  if (args.count < 2 || !stringArg(env, args.values[0], slotsJson) || !stringArg(env, args.values[1], planJson)) {
    return throwError(env, "createExtractor(slotsJson, planJson): two strings expected");
  }
  std::string error;
  std::vector<std::vector<std::string>> slots;
  if (!peregrine::parseSlots(slotsJson, slots, error)) return throwError(env, ("createExtractor: " + error).c_str());
  auto plan = peregrine::parsePlan(planJson, error);
  if (!plan) return throwError(env, ("createExtractor: " + error).c_str());
  auto* extractor = new SlotExtractor(std::move(slots), std::move(plan));
  napi_value handle;
  napi_create_external(
      env, extractor, [](napi_env, void* data, void*) { delete static_cast<SlotExtractor*>(data); }, nullptr, &handle);
  return handle;
}

// The bytes of a Uint8Array argument; false when it is not one.
bool bytesArg(napi_env env, napi_value value, const uint8_t*& data, size_t& length) {
  napi_typedarray_type type;
  void* raw;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &length, &raw, &buffer, &offset) != napi_ok || type != napi_uint8_array) return false;
  data = static_cast<const uint8_t*>(raw);
  return true;
}

SlotExtractor* extractorArg(napi_env env, napi_value value) {
  SlotExtractor* extractor = nullptr;
  if (napi_get_value_external(env, value, reinterpret_cast<void**>(&extractor)) != napi_ok) return nullptr;
  return extractor;
}

// Most audit text is ASCII: a one-byte string is a plain copy, and JavaScript reads it faster than a two-byte one.
// nullptr when V8 cannot make the string (longer than its limit).
napi_value textValue(napi_env env, std::string_view text) {
  napi_value value;
  const napi_status status = isAscii(text) ? napi_create_string_latin1(env, text.data(), text.size(), &value)
                                           : napi_create_string_utf8(env, text.data(), text.size(), &value);
  if (status == napi_ok) return value;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
  return nullptr;
}

// A worker that met one huge message keeps no more than this of its buffers for the next ones.
void releaseIfLarge(peregrine::SlotOutput& out) {
  if (out.text.capacity() + out.types.capacity() * 13 > (size_t{16} << 20)) out = peregrine::SlotOutput{};
}

// extract(handle, bytes, length) -> error code | { text, cells, count, generation }: the message is bytes[0, length)
// (bytes past it serve as simdjson's padding). `cells` holds, for count x S cells, the numbers (float64), then the text
// ends (uint32), then the types (uint8): one buffer, cut into views by JavaScript.
napi_value Extract(napi_env env, napi_callback_info info) {
  auto args = getArgs<3>(env, info);
  SlotExtractor* extractor = args.count < 3 ? nullptr : extractorArg(env, args.values[0]);
  if (!extractor) return throwError(env, "extract(handle, bytes, length): the first argument is not an extractor");
  const uint8_t* data = nullptr;
  size_t readable = 0;
  if (!bytesArg(env, args.values[1], data, readable)) return throwError(env, "extract: bytes must be a Uint8Array");
  uint32_t length = 0;
  if (napi_get_value_uint32(env, args.values[2], &length) != napi_ok || length > readable) {
    return throwError(env, "extract: length must be within the bytes");
  }
  thread_local peregrine::SlotOutput out;
  simdjson::error_code code;
  try {
    code = extractor->extract(data, length, readable, out);
  } catch (const std::exception&) {
    code = simdjson::UNEXPECTED_ERROR;  // never crash the worker: the message is decoded with JSON.parse instead
  }
  napi_value result, text = nullptr;
  void* target = nullptr;
  napi_value cellsValue, countValue, generationValue;
  const size_t cells = out.types.size();
  if (!code) {
    text = textValue(env, out.text);
    if (text == nullptr || napi_create_arraybuffer(env, cells * 13, &target, &cellsValue) != napi_ok) {
      code = simdjson::MEMALLOC;  // decoded with JSON.parse instead
    }
  }
  if (code) {
    releaseIfLarge(out);
    napi_create_uint32(env, static_cast<uint32_t>(code), &result);
    return result;
  }
  auto* bytes = static_cast<uint8_t*>(target);
  if (cells > 0) {
    std::memcpy(bytes, out.numbers.data(), cells * 8);
    std::memcpy(bytes + cells * 8, out.marks.data(), cells * 4);
    std::memcpy(bytes + cells * 12, out.types.data(), cells);
  }
  releaseIfLarge(out);
  napi_create_uint32(env, static_cast<uint32_t>(out.events), &countValue);
  napi_create_uint32(env, extractor->generation(), &generationValue);
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "text", text);
  napi_set_named_property(env, result, "cells", cellsValue);
  napi_set_named_property(env, result, "count", countValue);
  napi_set_named_property(env, result, "generation", generationValue);
  return result;
}

// prunedEvent / completeEvent (handle, generation, index) -> the event's compact JSON text, or undefined when the
// extractor has moved on to another message since `generation`.
template <bool complete>
napi_value EventText(napi_env env, napi_callback_info info) {
  auto args = getArgs<3>(env, info);
  SlotExtractor* extractor = args.count < 3 ? nullptr : extractorArg(env, args.values[0]);
  if (!extractor) return throwError(env, "eventText(handle, generation, index): the first argument is not an extractor");
  uint32_t generation = 0, index = 0;
  napi_get_value_uint32(env, args.values[1], &generation);
  napi_get_value_uint32(env, args.values[2], &index);
  std::string text;
  bool found = false;
  if (generation == extractor->generation()) {
    try {
      found = complete ? extractor->completeEvent(index, text) : extractor->prunedEvent(index, text);
    } catch (const std::exception&) {
      found = false;
    }
  }
  napi_value value = found ? textValue(env, text) : nullptr;
  if (value != nullptr) return value;
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

// scanAudit(bytes, ranges) -> { shape, count, ranges? } when the fast path accepts the body, else undefined (ingest's
// scanner decides). Without `ranges` (false), only the shape and the count.
napi_value ScanAudit(napi_env env, napi_callback_info info) {
  auto args = getArgs<2>(env, info);
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (args.count < 1 || !bytesArg(env, args.values[0], data, length)) return throwError(env, "scanAudit: bytes must be a Uint8Array");
  // One scanner per thread: its parsers keep their buffers between calls.
  thread_local peregrine::AuditScanner scanner;
  bool wantRanges = true;
  if (args.count >= 2) napi_get_value_bool(env, args.values[1], &wantRanges);
  std::vector<uint32_t> ranges;
  uint32_t count = 0;
  auto shape = peregrine::AuditShape::Undecided;
  try {
    if (wantRanges) {
      shape = scanner.scan(data, length, length, ranges);
      count = static_cast<uint32_t>(ranges.size() / 2);
    } else {
      shape = scanner.count(data, length, length, count);
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
      {"extract", nullptr, Extract, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"prunedEvent", nullptr, EventText<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"completeEvent", nullptr, EventText<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scanAudit", nullptr, ScanAudit, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"errorMessage", nullptr, ErrorMessage, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"implementation", nullptr, Implementation, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
