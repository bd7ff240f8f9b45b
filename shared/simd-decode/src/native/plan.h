// The extraction plan on the native side: a tree of member names, built once from the JSON text that
// @peregrine/rule-engine's buildExtractionPlan() produces (see runtime/extraction-plan.ts for its meaning).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace peregrine {

struct PlanNode {
  // Keep the member's whole value (a leaf of the plan).
  bool whole = false;
  // The members to keep of an object value (applied to each element of an array value), in plan order.
  std::vector<std::pair<std::string, std::unique_ptr<PlanNode>>> members;

  const PlanNode* child(std::string_view key) const {
    for (const auto& m : members) if (m.first == key) return m.second.get();
    return nullptr;
  }
};

// Parses a plan from its JSON text (`"event"`, or an object whose values are `true` or objects). Returns nullptr and
// sets `error` when the text is not such a plan.
std::unique_ptr<PlanNode> parsePlan(std::string_view json, std::string& error);

// Parses the slot paths from their JSON text: an array of arrays of member names (an empty one: an unused slot).
bool parseSlots(std::string_view json, std::vector<std::vector<std::string>>& slots, std::string& error);

}  // namespace peregrine
