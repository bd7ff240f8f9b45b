#include "plan.h"

#include <simdjson.h>

namespace peregrine {

namespace {

bool build(simdjson::dom::element value, PlanNode& node, std::string& error, int depth) {
  if (depth > 64) {
    error = "plan nested too deeply";
    return false;
  }
  bool flag = false;
  if (!value.get_bool().get(flag) && flag) {
    node.whole = true;
    return true;
  }
  simdjson::dom::object object;
  if (value.get_object().get(object)) {
    error = "plan members must be true or objects";
    return false;
  }
  for (auto field : object) {
    auto child = std::make_unique<PlanNode>();
    if (!build(field.value, *child, error, depth + 1)) return false;
    node.members.emplace_back(std::string(field.key), std::move(child));
  }
  return true;
}

}  // namespace

std::unique_ptr<PlanNode> parsePlan(std::string_view json, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto code = parser.parse(json.data(), json.size()).get(root)) {
    error = std::string("plan is not JSON: ") + simdjson::error_message(code);
    return nullptr;
  }
  auto plan = std::make_unique<PlanNode>();
  std::string_view text;
  if (!root.get_string().get(text)) {
    if (text == "event") {
      plan->whole = true;
      return plan;
    }
    error = "a plan is \"event\" or an object";
    return nullptr;
  }
  if (!build(root, *plan, error, 0)) return nullptr;
  if (plan->whole) {
    error = "a plan is \"event\" or an object";
    return nullptr;
  }
  return plan;
}

bool parseSlots(std::string_view json, std::vector<std::vector<std::string>>& slots, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::array paths;
  if (parser.parse(json.data(), json.size()).get_array().get(paths)) {
    error = "slots must be a JSON array of member paths";
    return false;
  }
  for (auto path : paths) {
    simdjson::dom::array keys;
    if (path.get_array().get(keys)) {
      error = "a slot is an array of member names";
      return false;
    }
    std::vector<std::string> members;
    for (auto key : keys) {
      std::string_view name;
      if (key.get_string().get(name)) {
        error = "a slot is an array of member names";
        return false;
      }
      members.emplace_back(name);
    }
    slots.push_back(std::move(members));
  }
  return true;
}

}  // namespace peregrine
