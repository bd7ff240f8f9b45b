#include "slots.h"

#include <cstring>
#include <string_view>

#include "walk.h"

namespace peregrine {

using simdjson::error_code;
using simdjson::SUCCESS;
namespace dom = simdjson::dom;

namespace {

// How many UTF-16 units JavaScript counts in valid UTF-8: one per character, two for one beyond U+FFFF (a 4-byte
// sequence), so every byte but a continuation byte counts once, and a 4-byte lead once more.
size_t utf16Length(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0, units = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ULL) break;  // not all ASCII: counted byte by byte
    units += 8;
  }
  for (; i < n; i++) units += ((p[i] & 0xC0) != 0x80) + (p[i] >= 0xF0);
  return units;
}

void appendText(SlotOutput& out, std::string_view text) {
  out.text.append(text);
  out.utf16 += utf16Length(text);
}

// Writes an unescaped key as a JSON string.
void appendKey(std::string& out, std::string_view key) {
  static const char hex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < key.size(); i++) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    out.append(key.data() + run, i - run);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {
      out.append("\\u00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
    run = i + 1;
  }
  out.append(key.data() + run, key.size() - run);
  out.push_back('"');
}

// The value at a path of object members, the last of duplicate members (JSON.parse keeps the last); false when a step
// is missing or not an object.
bool valueAt(dom::element value, const std::vector<std::string>& path, dom::element& found) {
  for (const auto& key : path) {
    dom::object object;
    if (value.get_object().get(object)) return false;
    bool present = false;
    for (auto field : object) {
      if (field.key == key) {
        value = field.value;
        present = true;
      }
    }
    if (!present) return false;
  }
  found = value;
  return true;
}

// An event pruned to a plan node, as compact JSON: objects keep the members the node names (duplicates too, in order,
// so that JSON.parse keeps the same last one), arrays apply the node to each element, anything else is kept whole.
void writePruned(dom::element value, const PlanNode& node, std::string& out) {
  if (!node.whole) {
    dom::array array;
    if (!value.get_array().get(array)) {
      out.push_back('[');
      bool first = true;
      for (auto element : array) {
        if (!first) out.push_back(',');
        first = false;
        writePruned(element, node, out);
      }
      out.push_back(']');
      return;
    }
    dom::object object;
    if (!value.get_object().get(object)) {
      out.push_back('{');
      bool first = true;
      for (auto field : object) {
        const PlanNode* child = node.child(field.key);
        if (child == nullptr) continue;
        if (!first) out.push_back(',');
        first = false;
        appendKey(out, field.key);
        out.push_back(':');
        writePruned(field.value, *child, out);
      }
      out.push_back('}');
      return;
    }
  }
  out.append(simdjson::to_string(value));
}

}  // namespace

error_code SlotExtractor::extract(const uint8_t* data, size_t length, size_t readable, SlotOutput& out) {
  out.clear();
  if (events_.capacity() > (size_t{1} << 16)) events_ = {};  // not kept at the size of the largest message seen
  events_.clear();
  generation_++;
  const char* text = paddedText(data, length, readable, scratch_);
  dom::element root;
  SIMDJSON_TRY(parser_.parse(text, length, false).get(root));
  if (auto code = gather(root)) {
    events_.clear();
    return code;
  }
  const size_t cells = events_.size() * slots_.size();
  // Cells grow with events x slots, not with the message: a list of many empty objects would ask for ~13 bytes of
  // cells per byte of message. Such a message is left to JSON.parse, which holds it in a few times its size.
  if (cells > maxCells(length)) {
    events_.clear();
    return TOO_MANY_CELLS;
  }
  out.events = events_.size();
  out.types.reserve(cells);
  out.numbers.resize(cells);
  out.marks.reserve(cells);
  for (const auto& event : events_) fill(event, out);
  return SUCCESS;
}

// A payload as decodeAuditPayload walks it: an array of payloads, an Event, or an EventList's items (the last `items`
// member, which must be an array); each is an event candidate, in order. Anything else is NOT_AN_AUDIT_LIST.
error_code SlotExtractor::gather(dom::element value) {
  dom::array array;
  if (!value.get_array().get(array)) {
    for (auto element : array) SIMDJSON_TRY(gather(element));
    return SUCCESS;
  }
  dom::object object;
  if (value.get_object().get(object)) return NOT_AN_AUDIT_LIST;
  ListShape shape;
  readShape(object, shape);
  if (shape.isEvent()) {
    events_.push_back(value);
    return SUCCESS;
  }
  if (!shape.isEventList()) return NOT_AN_AUDIT_LIST;
  dom::element items;
  for (auto field : object) if (field.key == "items") items = field.value;
  if (items.get_array().get(array)) return NOT_AN_AUDIT_LIST;
  for (auto item : array) events_.push_back(item);
  return SUCCESS;
}

void SlotExtractor::fill(dom::element event, SlotOutput& out) const {
  for (const auto& path : slots_) {
    dom::element value;
    auto type = SlotType::Absent;
    if (!path.empty() && valueAt(event, path, value)) {
      double& number = out.numbers[out.types.size()];
      switch (value.type()) {
        case dom::element_type::STRING:
          type = SlotType::String;
          appendText(out, value.get_string().value_unsafe());
          break;
        case dom::element_type::INT64:
          type = SlotType::Number;
          number = static_cast<double>(value.get_int64().value_unsafe());
          break;
        case dom::element_type::UINT64:
          type = SlotType::Number;
          number = static_cast<double>(value.get_uint64().value_unsafe());
          break;
        case dom::element_type::DOUBLE:
          type = SlotType::Number;
          number = value.get_double().value_unsafe();
          break;
        case dom::element_type::BOOL:
          type = value.get_bool().value_unsafe() ? SlotType::True : SlotType::False;
          break;
        case dom::element_type::NULL_VALUE:
          type = SlotType::Null;
          break;
        case dom::element_type::OBJECT:
        case dom::element_type::ARRAY:
          type = SlotType::Json;
          appendText(out, simdjson::to_string(value));
          break;
      }
    }
    out.types.push_back(static_cast<uint8_t>(type));
    out.marks.push_back(static_cast<uint32_t>(out.utf16));
  }
}

bool SlotExtractor::prunedEvent(size_t index, std::string& out) const {
  if (index >= events_.size()) return false;
  writePruned(events_[index], *object_, out);
  return true;
}

bool SlotExtractor::completeEvent(size_t index, std::string& out) const {
  if (index >= events_.size()) return false;
  out.append(simdjson::to_string(events_[index]));
  return true;
}

}  // namespace peregrine
