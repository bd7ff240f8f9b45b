#include "scan.h"
#include "walk.h"

#include <cstring>
#include <string_view>

namespace peregrine {

namespace od = simdjson::ondemand;

namespace {

// Below ingest's own limit (512), so that bodies near it are judged by ingest's scanner alone.
constexpr size_t kMaxDepth = 500;

simdjson::dom::parser depthLimitedParser() {
  simdjson::dom::parser parser;
  if (parser.allocate(1 << 16, kMaxDepth)) return simdjson::dom::parser();
  return parser;
}

bool startsWithBom(const uint8_t* data, size_t length) {
  return length >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf;
}

// Whether the body holds a \u escape of a surrogate (\uD800-\uDFFF): ingest refuses unpaired ones, simdjson's rules
// differ, so such bodies are left to ingest's scanner. Backslashes are rare in audit events: memchr skips to them.
bool hasSurrogateEscape(const uint8_t* data, size_t length) {
  const uint8_t* p = data;
  const uint8_t* end = data + length;
  while (p < end) {
    p = static_cast<const uint8_t*>(std::memchr(p, '\\', static_cast<size_t>(end - p)));
    if (p == nullptr || end - p < 4) return false;
    if (p[1] == '\\') {
      p += 2;  // an escaped backslash: the next byte starts afresh
      continue;
    }
    if (p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && std::strchr("89abcdefABCDEF", p[3]) != nullptr && p[3] != 0) return true;
    p += 2;
  }
  return false;
}

// The raw [start, end) of an object's text relative to `base`.
bool rangeOf(od::object& object, const char* base, std::vector<uint32_t>& ranges) {
  std::string_view text;
  if (object.raw_json().get(text)) return false;
  text = trimRight(text);
  ranges.push_back(static_cast<uint32_t>(text.data() - base));
  ranges.push_back(static_cast<uint32_t>(text.data() - base + text.size()));
  return true;
}

}  // namespace

AuditScanner::AuditScanner() : validator_(depthLimitedParser()) {}

// The events of an audit object, from the DOM tape (no second pass over the text): 1 for an Event, the items of an
// EventList (objects, or null); false for anything else. The last "kind" and "items" count, as JSON.parse keeps them.
bool countAuditObject(simdjson::dom::object object, uint32_t& count, AuditShape& kind) {
  ListShape shape;
  readShape(object, shape);
  if (shape.isEvent()) {
    kind = AuditShape::Event;
    count += 1;
    return true;
  }
  if (!shape.isEventList()) return false;
  kind = AuditShape::EventList;
  simdjson::dom::element items;
  for (auto field : object) {
    if (field.key == "items") items = field.value;  // the last one, as JSON.parse keeps
  }
  if (items.is_null()) return true;
  simdjson::dom::array array;
  if (items.get_array().get(array)) return false;
  for (auto item : array) {
    if (!item.is_object()) return false;
    count++;
  }
  return true;
}

// The padded text of a body simdjson's DOM parser (SIMD kernels chosen at run time) found strict JSON, with `root`
// its parse; nullptr for a body that is not, or is unusual enough to be left to ingest's scanner.
const char* AuditScanner::validated(const uint8_t* data, size_t length, size_t readable, simdjson::dom::element& root) {
  if (startsWithBom(data, length) || hasSurrogateEscape(data, length)) return nullptr;
  const char* text = paddedText(data, length, readable, scratch_);
  return validator_.parse(text, length, false).get(root) ? nullptr : text;
}

AuditShape AuditScanner::count(const uint8_t* data, size_t length, size_t readable, uint32_t& count) {
  count = 0;
  simdjson::dom::element root;
  if (validated(data, length, readable, root) == nullptr) return AuditShape::Undecided;
  simdjson::dom::object object;
  if (!root.get_object().get(object)) {
    AuditShape kind = AuditShape::Undecided;
    return countAuditObject(object, count, kind) ? kind : AuditShape::Undecided;
  }
  simdjson::dom::array array;
  if (root.get_array().get(array)) return AuditShape::Undecided;
  for (auto element : array) {
    AuditShape kind;
    if (element.get_object().get(object) || !countAuditObject(object, count, kind)) return AuditShape::Undecided;
  }
  return AuditShape::Array;
}

AuditShape AuditScanner::scan(const uint8_t* data, size_t length, size_t readable, std::vector<uint32_t>& ranges) {
  // Strict validation first: On-Demand checks only what it visits.
  simdjson::dom::element ignored;
  const char* text = validated(data, length, readable, ignored);
  if (text == nullptr) return AuditShape::Undecided;

  const size_t before = ranges.size();
  base_ = text;
  od::document doc;
  AuditShape shape = AuditShape::Undecided;
  bool ok = !parser_.iterate(text, length, length + simdjson::SIMDJSON_PADDING).get(doc);
  od::json_type type;
  ok = ok && !doc.type().get(type);
  if (ok && type == od::json_type::object) {
    od::object object;
    ok = !doc.get_object().get(object) && auditObject(object, ranges, shape);
  } else if (ok && type == od::json_type::array) {
    od::array array;
    ok = !doc.get_array().get(array);
    shape = AuditShape::Array;
    for (auto element : array) {
      od::object object;
      AuditShape kind;
      if (!ok || element.get_object().get(object) || !auditObject(object, ranges, kind)) {
        ok = false;
        break;
      }
    }
  } else {
    ok = false;
  }
  if (!ok) {
    ranges.resize(before);
    return AuditShape::Undecided;
  }
  return shape;
}

// An Event (its own range) or an EventList (its items' ranges); false for anything else, which ingest's scanner
// then judges. The last "kind" and the last "items" count, as JSON.parse would read them.
bool AuditScanner::auditObject(od::object& object, std::vector<uint32_t>& ranges, AuditShape& kind) {
  ListShape shape;
  if (readShape(object, shape)) return false;
  if (shape.isEvent()) {
    kind = AuditShape::Event;
    return rangeOf(object, base_, ranges);
  }
  if (!shape.isEventList()) return false;
  kind = AuditShape::EventList;
  int seen = 0;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key != "items" || ++seen < shape.items) continue;
    od::value value;
    if (field.value().get(value)) return false;
    bool isNull = false;
    if (value.is_null().get(isNull)) return false;
    if (isNull) return true;  // Go's encoding of an empty slice: no events
    od::array array;
    if (value.get_array().get(array)) return false;
    for (auto element : array) {
      od::object item;
      if (element.get_object().get(item) || !rangeOf(item, base_, ranges)) return false;
    }
    return true;
  }
  return false;
}

}  // namespace peregrine
