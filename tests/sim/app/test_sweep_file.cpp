// The sweep file's keys come from one declaration (sim/app/sweep_file.cpp): the reader's unknown-key
// errors and the JSON Schema (`dtsim schema --sweep`) list the same keys, and each top-level key's
// problems are reported once, with its path.
#include <doctest/doctest.h>

#include <set>

#include "sim/app/sweep.h"
#include "sim/app/sweep_file.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

json base_sweep() {
  return {{"name", "t"},
          {"base", dtsim::test::base_scenario(2)},
          {"axes", json::array({{{"pointer", "/cluster/nodes"}, {"values", {2, 3}}}})}};
}

std::vector<std::string> errors_of(const json& sweep) { return dtsim::expand_sweep(sweep, "").errors; }

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (const auto& item : object.items()) keys.insert(item.key());
  return keys;
}

}  // namespace

TEST_CASE("sweep file: each bad top-level value is one error naming its path, value and what is allowed") {
  json s = base_sweep();
  s["name"] = 5;
  CHECK(errors_of(s) == std::vector<std::string>{"/name: 5 is not a string"});
  s["name"] = "";
  CHECK(errors_of(s) == std::vector<std::string>{"/name: \"\" is not a non-empty string"});
  s = base_sweep();
  s["output_dir"] = "";
  CHECK(errors_of(s) == std::vector<std::string>{"/output_dir: \"\" is not a non-empty string"});
  s = base_sweep();
  s["point_outputs"] = "yes";
  CHECK(errors_of(s) == std::vector<std::string>{"/point_outputs: \"yes\" is not a boolean; allowed: true, false"});
  s = base_sweep();
  s["axez"] = 1;
  CHECK(errors_of(s) == std::vector<std::string>{"/axez: unknown key; allowed here: \"axes\", \"base\", \"description\", "
                                                 "\"name\", \"output_dir\", \"point_outputs\", \"set\""});
  // Defaults: output_dir out/<name>, point outputs on.
  auto ok = dtsim::expand_sweep(base_sweep(), "");
  REQUIRE(ok.ok());
  CHECK(ok.plan.output_dir == "out/t");
  CHECK(ok.plan.point_outputs);
  CHECK(ok.plan.points.size() == 2);
}

TEST_CASE("sweep file: the schema lists exactly the keys the reader accepts") {
  const json schema = dtsim::sweep_schema();
  CHECK(keys_of(schema["properties"]) ==
        std::set<std::string>{"axes", "base", "description", "name", "output_dir", "point_outputs", "set"});
  CHECK(schema["required"] == json{"base"});
  const json& axis = schema["properties"]["axes"]["items"];
  CHECK(keys_of(axis["properties"]) == std::set<std::string>{"labels", "name", "pointer", "values", "zip"});
  CHECK(keys_of(axis["properties"]["zip"]["items"]["properties"]) == std::set<std::string>{"name", "pointer", "values"});
  // Every key the schema allows on an axis is accepted by the reader (no unknown-key error), and one it
  // does not is refused by both.
  json s = base_sweep();
  s["axes"][0]["name"] = "n";
  CHECK(errors_of(s).empty());
  s["axes"][0]["labelz"] = {"a", "b"};
  CHECK_FALSE(axis["properties"].contains("labelz"));
  REQUIRE(errors_of(s).size() == 1);
  CHECK(errors_of(s)[0].rfind("/axes/0/labelz: unknown key; allowed here: \"labels\", \"name\", \"pointer\", "
                              "\"values\", \"zip\"", 0) == 0);
  // A range's keys.
  const json& values = axis["properties"]["values"];
  CHECK(keys_of(values["oneOf"][1]["properties"]) == std::set<std::string>{"factor", "from", "step", "to"});
}
