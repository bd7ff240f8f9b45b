// Batch extraction: validates each message of a batch with simdjson's DOM parser (strict JSON, UTF-8), then walks it
// with the On-Demand API and writes each of its events back, as a text of its own, pruned to the extraction plan: only
// the members the rules read, each copied as raw bytes. It also reports where each event's full text lies, so that an
// alert can be rendered from the complete event. Events go out one text each, never one text per message: V8 makes
// strings over 128 KiB large objects, which cost ~30x more per byte to create (measured: shared/simd-decode/README.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <simdjson.h>

#include "plan.h"
#include "walk.h"

namespace peregrine {

class Extractor {
 public:
  explicit Extractor(std::unique_ptr<PlanNode> plan) : plan_(std::move(plan)) {}

  // A message that is valid JSON but not a plain list of events (not an Event, an EventList with an items array, or
  // arrays of those): decoding it with JSON.parse gives the verdict and its wording.
  static constexpr simdjson::error_code NOT_AN_AUDIT_LIST = simdjson::INCORRECT_TYPE;

  // Extracts one message of `length` bytes at `data`; `readable` bytes from `data` may be read (simdjson reads up to
  // SIMDJSON_PADDING bytes past the end: with fewer, the message is copied first). On success, per event in payload
  // order: appends its pruned text to `out` and that text's [start, end) in `out` to `events`, and the event's own
  // [start, end) relative to `data` to `ranges`. On failure returns the error and leaves all three as they were.
  simdjson::error_code extract(const uint8_t* data, size_t length, size_t readable, std::string& out,
                               std::vector<uint32_t>& events, std::vector<uint32_t>& ranges);

 private:
  // `known`: the value's shape when it is an object whose shape was read already (the root, from the DOM).
  simdjson::error_code payload(simdjson::ondemand::value value, const ListShape* known = nullptr);
  simdjson::error_code event(simdjson::ondemand::value value);
  simdjson::error_code eventObject(simdjson::ondemand::value& value, simdjson::ondemand::object& object);
  simdjson::error_code pruned(simdjson::ondemand::value value, const PlanNode& node, std::string& out);
  simdjson::error_code prunedObject(simdjson::ondemand::object& object, const PlanNode& node, std::string& out);
  void addRange(std::string_view text);
  void addEvent(size_t start);

  std::unique_ptr<PlanNode> plan_;
  simdjson::dom::parser validator_;
  simdjson::ondemand::parser parser_;
  simdjson::padded_string scratch_;
  // Of the message being extracted: where it starts and ends, and the event ranges found so far.
  const char* base_ = nullptr;
  const char* end_ = nullptr;
  std::string* out_ = nullptr;
  std::vector<uint32_t>* events_ = nullptr;
  std::vector<uint32_t>* ranges_ = nullptr;
};

}  // namespace peregrine
