// Slot extraction: validates a message with simdjson's DOM parser (strict JSON and UTF-8: it refuses everything
// JSON.parse refuses, and a little more, which the caller then decodes with JSON.parse), finds its events on the DOM tape, and fills, per event, one typed value per slot: the value at a path
// of object members (the last of duplicate members, as JSON.parse keeps). The rules read those values directly,
// without an event object. The parsed message stays in the parser until the next one is extracted, so that an event's
// other members (the extraction plan's object part) or its complete text can be asked for while the rules run on it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

#include "plan.h"

namespace peregrine {

// A slot's type, as JavaScript reads it (shared/rule-engine/src/runtime/slots.ts names the same numbers).
enum class SlotType : uint8_t { Absent = 0, String = 1, Number = 2, True = 3, False = 4, Null = 5, Json = 6 };

// What one message's extraction hands to JavaScript. For event e and slot k (S slots), at e*S+k: its type, its number
// (a Number slot), and where its text ends in `text`, counted in UTF-16 units as JavaScript indexes strings; it starts
// where the previous slot's text ended. A String slot's text is the string, a Json slot's its compact JSON text.
struct SlotOutput {
  std::string text;
  std::vector<uint8_t> types;
  std::vector<double> numbers;
  std::vector<uint32_t> marks;
  size_t utf16 = 0;
  size_t events = 0;

  void clear() {
    text.clear();
    types.clear();
    numbers.clear();
    marks.clear();
    utf16 = 0;
    events = 0;
  }
};

class SlotExtractor {
 public:
  // `slots`: the member path of each slot (an empty path: a slot this ruleset does not use, always Absent).
  // `object`: the members an event object must keep for the fields that are not slots (see prunedEvent).
  SlotExtractor(std::vector<std::vector<std::string>> slots, std::unique_ptr<PlanNode> object)
      : slots_(std::move(slots)), object_(std::move(object)) {}

  // A message that is valid JSON but not a plain list of events (not an Event, an EventList with an items array, or
  // arrays of those): decoding it with JSON.parse gives the verdict and its wording.
  static constexpr simdjson::error_code NOT_AN_AUDIT_LIST = simdjson::INCORRECT_TYPE;
  // A message with more cells (events x slots) than maxCells of its length: JSON.parse-based decoding takes it.
  static constexpr simdjson::error_code TOO_MANY_CELLS = simdjson::CAPACITY;
  // Half a cell (6.5 bytes) per byte of message, plus a floor: ordinary events need ~0.01 (25 slots per 2.9 KB).
  static constexpr size_t maxCells(size_t length) { return length / 2 + 4096; }

  // Extracts one message of `length` bytes at `data` (`readable` bytes from `data` may be read; simdjson needs
  // SIMDJSON_PADDING past the end, else the message is copied). On failure returns the error and `out` is empty.
  simdjson::error_code extract(const uint8_t* data, size_t length, size_t readable, SlotOutput& out);

  // Counts extractions: an event of an older message can no longer be read from the parser.
  uint32_t generation() const { return generation_; }
  size_t slotCount() const { return slots_.size(); }

  // Event `index` of the last message, as compact JSON: pruned to the object plan, or complete. False when there is
  // no such event (the caller then decodes the message itself).
  bool prunedEvent(size_t index, std::string& out) const;
  bool completeEvent(size_t index, std::string& out) const;

 private:
  simdjson::error_code gather(simdjson::dom::element value);
  void fill(simdjson::dom::element event, SlotOutput& out) const;

  std::vector<std::vector<std::string>> slots_;
  std::unique_ptr<PlanNode> object_;
  simdjson::dom::parser parser_;
  simdjson::padded_string scratch_;
  std::vector<simdjson::dom::element> events_;
  uint32_t generation_ = 0;
};

}  // namespace peregrine
