// The webhook's fast path: decides, for a body a kube-apiserver would send, that it is strict JSON of an audit shape
// and where each of its events lies, without building anything. It only ever says yes: anything unusual (a syntax
// error, a shape error, a byte order mark, surrogate escapes, nesting near the limit, numbers simdjson cannot hold)
// is left to ingest's own scanner (services/ingest/src/audit-scan.ts), whose verdict and error messages are the
// reference. What it accepts, that scanner accepts with the same shape and the same event ranges.
#pragma once
#include <cstdint>
#include <vector>

#include <simdjson.h>

namespace peregrine {

enum class AuditShape : uint32_t { Undecided = 0, EventList = 1, Event = 2, Array = 3 };

class AuditScanner {
 public:
  AuditScanner();
  // Scans `length` bytes at `data` (`readable` bytes may be read). Appends [start, end) pairs to `ranges`.
  AuditShape scan(const uint8_t* data, size_t length, size_t readable, std::vector<uint32_t>& ranges);
  // The same verdict without the ranges (one pass: validation, then the shape read off the DOM tape): for bodies that
  // are stored whole, which need only the event count.
  AuditShape count(const uint8_t* data, size_t length, size_t readable, uint32_t& count);

 private:
  const char* validated(const uint8_t* data, size_t length, size_t readable, simdjson::dom::element& root);
  bool auditObject(simdjson::ondemand::object& object, std::vector<uint32_t>& ranges, AuditShape& kind);

  simdjson::dom::parser validator_;
  simdjson::ondemand::parser parser_;
  simdjson::padded_string scratch_;
  const char* base_ = nullptr;
};

}  // namespace peregrine
