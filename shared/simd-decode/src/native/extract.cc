#include "extract.h"
#include "walk.h"

#include <cstring>
#include <string_view>

namespace peregrine {

using simdjson::error_code;
using simdjson::SUCCESS;
namespace od = simdjson::ondemand;

namespace {

// Whether any of 8 bytes is '"', '\\' or a control character (< 0x20): the bytes a JSON string must escape. May
// report a match that is not one (then the byte loop decides), never misses one.
inline bool mayNeedEscape(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  const uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
  return (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((w - ones * 0x20) & ~w)) & high;
}

// Writes an unescaped key back as a JSON string.
void appendKey(std::string& out, std::string_view key) {
  const char* p = key.data();
  const size_t n = key.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (mayNeedEscape(w)) break;
  }
  out.push_back('"');
  size_t run = 0;
  for (; i < n; i++) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    out.append(p + run, i - run);
    static const char hex[] = "0123456789abcdef";
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
  out.append(p + run, n - run);
  out.push_back('"');
}

// The raw text of an object or array (consumes it), without the whitespace simdjson leaves after it.
template <typename Container>
error_code rawJson(Container& container, std::string_view& text) {
  SIMDJSON_TRY(container.raw_json().get(text));
  text = trimRight(text);
  return SUCCESS;
}

// The raw text of a value, whatever its type (consumes it).
error_code rawText(od::value value, std::string_view& text) {
  od::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  if (type == od::json_type::object) {
    od::object object;
    SIMDJSON_TRY(value.get_object().get(object));
    return rawJson(object, text);
  }
  if (type == od::json_type::array) {
    od::array array;
    SIMDJSON_TRY(value.get_array().get(array));
    return rawJson(array, text);
  }
  text = trimRight(value.raw_json_token());
  return SUCCESS;
}

error_code copyWhole(od::value value, std::string& out) {
  std::string_view text;
  SIMDJSON_TRY(rawText(value, text));
  out.append(text);
  return SUCCESS;
}

}  // namespace

error_code Extractor::extract(const uint8_t* data, size_t length, size_t readable, std::string& out,
                              std::vector<uint32_t>& events, std::vector<uint32_t>& ranges) {
  const char* text = paddedText(data, length, readable, scratch_);
  // Strict validation first: On-Demand checks only what it visits, and a message must be refused exactly when
  // JSON.parse refuses it, whichever decoder runs.
  simdjson::dom::element parsed;
  SIMDJSON_TRY(validator_.parse(text, length, false).get(parsed));
  ListShape rootShape;
  simdjson::dom::object rootObject;
  const bool rootIsObject = !parsed.get_object().get(rootObject);
  if (rootIsObject) readShape(rootObject, rootShape);

  const size_t outSize = out.size(), eventsSize = events.size(), rangesSize = ranges.size();
  base_ = text;
  end_ = text + length;
  out_ = &out;
  events_ = &events;
  ranges_ = &ranges;
  od::document doc;
  error_code code = parser_.iterate(text, length, length + simdjson::SIMDJSON_PADDING).get(doc);
  bool scalar = false;
  if (!code) code = doc.is_scalar().get(scalar);
  if (!code && scalar) code = NOT_AN_AUDIT_LIST;
  od::value root;
  if (!code) code = doc.get_value().get(root);
  if (!code) code = payload(root, rootIsObject ? &rootShape : nullptr);
  if (code) {
    out.resize(outSize);
    events.resize(eventsSize);
    ranges.resize(rangesSize);
  }
  return code;
}

// A payload as decodeAuditPayload walks it: an array of payloads, an Event, or an EventList's items; each event goes
// to event(). Anything else is NOT_AN_AUDIT_LIST, and JSON.parse-based decoding words the verdict.
error_code Extractor::payload(od::value value, const ListShape* known) {
  od::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  if (type == od::json_type::array) {
    od::array array;
    SIMDJSON_TRY(value.get_array().get(array));
    for (auto element : array) {
      od::value item;
      SIMDJSON_TRY(element.get(item));
      SIMDJSON_TRY(payload(item));
    }
    return SUCCESS;
  }
  if (type != od::json_type::object) return NOT_AN_AUDIT_LIST;
  od::object object;
  SIMDJSON_TRY(value.get_object().get(object));
  ListShape shape;
  if (known != nullptr) shape = *known;
  else SIMDJSON_TRY(readShape(object, shape));
  if (shape.isEvent()) return eventObject(value, object);
  if (!shape.isEventList()) return NOT_AN_AUDIT_LIST;
  int seen = 0;
  for (auto field : object) {
    std::string_view key;
    SIMDJSON_TRY(field.unescaped_key().get(key));
    if (key != "items" || ++seen < shape.items) continue;
    od::value items;
    SIMDJSON_TRY(field.value().get(items));
    od::array array;
    if (items.get_array().get(array)) return NOT_AN_AUDIT_LIST;  // not an array: not an EventList
    for (auto element : array) {
      od::value item;
      SIMDJSON_TRY(element.get(item));
      SIMDJSON_TRY(event(item));
    }
    return SUCCESS;
  }
  return NOT_AN_AUDIT_LIST;
}

// One event: its range is recorded, then it is written pruned (anything but an object as it is) as a text of its own.
error_code Extractor::event(od::value value) {
  od::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  if (type == od::json_type::object) {
    od::object object;
    SIMDJSON_TRY(value.get_object().get(object));
    return eventObject(value, object);
  }
  std::string_view text;
  SIMDJSON_TRY(rawText(value, text));
  addRange(text);
  const size_t start = out_->size();
  out_->append(text);
  addEvent(start);
  return SUCCESS;
}

error_code Extractor::eventObject(od::value& value, od::object& object) {
  const size_t start = out_->size();
  if (plan_->whole) {
    std::string_view text;
    SIMDJSON_TRY(rawJson(object, text));
    addRange(text);
    out_->append(text);
    addEvent(start);
    return SUCCESS;
  }
  // The event's range without a pass of its own (raw_json() would skip through the event once more before the walk):
  // it starts at its '{' and ends where the walk leaves off, the next token after its '}' (the message's end for a
  // message that is one Event), whitespace trimmed.
  const char* first = value.raw_json_token().data();
  SIMDJSON_TRY(prunedObject(object, *plan_, *out_));
  const char* next = nullptr;
  if (value.current_location().get(next)) next = end_;
  addRange(trimRight(std::string_view(first, static_cast<size_t>(next - first))));
  addEvent(start);
  return SUCCESS;
}

void Extractor::addRange(std::string_view text) {
  ranges_->push_back(static_cast<uint32_t>(text.data() - base_));
  ranges_->push_back(static_cast<uint32_t>(text.data() - base_ + text.size()));
}

void Extractor::addEvent(size_t start) {
  events_->push_back(static_cast<uint32_t>(start));
  events_->push_back(static_cast<uint32_t>(out_->size()));
}

error_code Extractor::pruned(od::value value, const PlanNode& node, std::string& out) {
  if (node.whole) return copyWhole(value, out);
  od::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  if (type == od::json_type::array) {
    od::array array;
    SIMDJSON_TRY(value.get_array().get(array));
    out.push_back('[');
    bool first = true;
    for (auto element : array) {
      od::value item;
      SIMDJSON_TRY(element.get(item));
      if (!first) out.push_back(',');
      first = false;
      SIMDJSON_TRY(pruned(item, node, out));
    }
    out.push_back(']');
    return SUCCESS;
  }
  if (type != od::json_type::object) return copyWhole(value, out);
  od::object object;
  SIMDJSON_TRY(value.get_object().get(object));
  return prunedObject(object, node, out);
}

error_code Extractor::prunedObject(od::object& object, const PlanNode& node, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (auto field : object) {
    std::string_view key;
    SIMDJSON_TRY(field.unescaped_key().get(key));
    const PlanNode* child = node.child(key);
    if (child == nullptr) continue;  // skipped unread by the iteration
    if (!first) out.push_back(',');
    first = false;
    appendKey(out, key);
    out.push_back(':');
    od::value member;
    SIMDJSON_TRY(field.value().get(member));
    SIMDJSON_TRY(pruned(member, *child, out));
  }
  out.push_back('}');
  return SUCCESS;
}

}  // namespace peregrine
