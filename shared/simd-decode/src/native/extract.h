// Batch extraction: validates each message of a batch with simdjson's DOM parser (strict JSON, UTF-8), then walks it
// with the On-Demand API and writes the payload back pruned to the extraction plan: the same shape (arrays, EventLists,
// Events) with only the members the rules read, each copied as raw bytes. It also reports where each event's full
// text lies, so that an alert can be rendered from the complete event.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <simdjson.h>

#include "plan.h"

namespace peregrine {

class Extractor {
 public:
  explicit Extractor(std::unique_ptr<PlanNode> plan) : plan_(std::move(plan)) {}

  // Extracts one message of `length` bytes at `data`; `readable` bytes from `data` may be read (simdjson reads up to
  // SIMDJSON_PADDING bytes past the end: with fewer, the message is copied first). On success, appends the pruned
  // payload to `out` and, per event in payload order, its [start, end) byte offsets relative to `data` to `ranges`.
  // On failure returns the simdjson error and leaves `out` and `ranges` as they were.
  simdjson::error_code extract(const uint8_t* data, size_t length, size_t readable, std::string& out,
                               std::vector<uint32_t>& ranges);

 private:
  simdjson::error_code payload(simdjson::ondemand::value value, std::string& out);
  simdjson::error_code event(simdjson::ondemand::value value, std::string& out);
  simdjson::error_code eventObject(simdjson::ondemand::object& object, std::string& out);
  simdjson::error_code pruned(simdjson::ondemand::value value, const PlanNode& node, std::string& out);
  simdjson::error_code prunedObject(simdjson::ondemand::object& object, const PlanNode& node, std::string& out);
  void addRange(std::string_view text);

  std::unique_ptr<PlanNode> plan_;
  simdjson::dom::parser validator_;
  simdjson::ondemand::parser parser_;
  simdjson::padded_string scratch_;
  // Of the message being extracted: where it starts, and the event ranges found so far.
  const char* base_ = nullptr;
  std::vector<uint32_t>* ranges_ = nullptr;
};

}  // namespace peregrine
