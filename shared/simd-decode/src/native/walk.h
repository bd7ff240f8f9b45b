// What the evaluator's decoder (slots.cc) and ingest's scan (scan.cc) share about reading a message with simdjson.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace peregrine {

// The message's text with the SIMDJSON_PADDING readable bytes simdjson needs after it: the message itself when
// `readable` bytes from it may be read, else a padded copy in `scratch`.
inline const char* paddedText(const uint8_t* data, size_t length, size_t readable, simdjson::padded_string& scratch) {
  const char* text = reinterpret_cast<const char*>(data);
  if (readable >= length + simdjson::SIMDJSON_PADDING) return text;
  scratch = simdjson::padded_string(text, length);
  return scratch.data();
}

// simdjson's raw text of a value runs on to the next token: the whitespace after it is dropped.
inline std::string_view trimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// What decoding looks at in an object: the last `kind` (when a string) and how many `items` members it has. JSON.parse
// keeps the last of duplicate members, and so must we.
struct ListShape {
  std::string kind;
  bool kindIsString = false;
  int items = 0;

  bool isEvent() const { return kindIsString && kind == "Event"; }
  bool isEventList() const { return kindIsString && kind == "EventList" && items > 0; }
};

// The shape of an object the DOM parser has already parsed: a walk of its tape, no pass over the text. For a message's
// root, this spares the On-Demand walk below a skip over every event of an EventList.
inline void readShape(simdjson::dom::object object, ListShape& shape) {
  for (auto field : object) {
    if (field.key == "items") {
      shape.items++;
    } else if (field.key == "kind") {
      std::string_view kind;
      shape.kindIsString = !field.value.get_string().get(kind);
      shape.kind = shape.kindIsString ? std::string(kind) : std::string();
    }
  }
}

// Reads the shape (keys only; other values are skipped unread), then rewinds the object for the caller's own pass.
inline simdjson::error_code readShape(simdjson::ondemand::object& object, ListShape& shape) {
  for (auto field : object) {
    std::string_view key;
    SIMDJSON_TRY(field.unescaped_key().get(key));
    if (key == "items") {
      shape.items++;
    } else if (key == "kind") {
      simdjson::ondemand::value value;
      SIMDJSON_TRY(field.value().get(value));
      std::string_view kind;
      shape.kindIsString = !value.get_string().get(kind);
      shape.kind = shape.kindIsString ? std::string(kind) : std::string();
    }
  }
  return object.reset().error();
}

}  // namespace peregrine
