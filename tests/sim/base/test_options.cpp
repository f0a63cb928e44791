// The declared-option kinds that sections use beside plain keys: parts read only when given, arrays
// of objects (on_read per entry), and plugin sections whose selector is required or whose members
// share keys. Reading and the schema come from the same declarations.
#include <doctest/doctest.h>

#include "sim/base/options.h"
#include "sim/base/plugin_catalog.h"

namespace {

using nlohmann::json;

struct Read {
  json resolved = json::object();
  std::vector<std::string> errors;
};

Read read(const json& document, const dtsim::OptionList& options) {
  dtsim::ErrorList errors;
  Read out;
  dtsim::JsonReader r(document, "", errors, out.resolved);
  dtsim::read_options(r, options, {});
  r.reject_unknown_keys();
  out.errors = errors.lines;
  return out;
}

// A family of two members for the plugin cases: "a" owns x, "b" owns y.
const char* test_family() {
  static const bool added = [] {
    dtsim::plugin_family("test_options_family").add({"a", "", {dtsim::Option::number("x", std::nullopt, 0, true, 10, "")}});
    dtsim::plugin_family("test_options_family").add({"b", "", {dtsim::Option::integer("y", 3, 0, 9, "")}});
    return true;
  }();
  (void)added;
  return "test_options_family";
}

}  // namespace

TEST_CASE("options: a part read only when given is neither read nor resolved when absent") {
  double p = -1;
  const dtsim::OptionList options = {
      dtsim::Option::object("part", {dtsim::Option::number("p", std::nullopt, 0, false, 1, "").bind(p)}, "")
          .only_when_given()};
  Read absent = read(json::object(), options);
  CHECK(absent.errors.empty());
  CHECK_FALSE(absent.resolved.contains("part"));
  CHECK(p == -1);
  Read given = read({{"part", json::object()}}, options);
  REQUIRE(given.errors.size() == 1);
  CHECK(given.errors[0] == "/part/p: is required");
  CHECK(read({{"part", {{"p", 0.25}}}}, options).errors.empty());
  CHECK(p == 0.25);
  CHECK_FALSE(dtsim::options_schema(options).contains("required"));
}

TEST_CASE("options: an array of objects runs on_read per entry and names each entry's path") {
  std::vector<double> factors;
  const dtsim::OptionList options = {
      dtsim::Option::object_list("items", {dtsim::Option::number("factor", std::nullopt, 0, true, 100, "")}, "")
          .then([&factors](dtsim::JsonReader&, const json& entry) { factors.push_back(entry.value("factor", 0.0)); })};
  Read ok = read({{"items", {{{"factor", 2}}, {{"factor", 3}}}}}, options);
  CHECK(ok.errors.empty());
  CHECK(factors == std::vector<double>{2, 3});
  CHECK(ok.resolved["items"].size() == 2);
  Read bad = read({{"items", {{{"factor", 0}}, 7, {{"factor", 1}, {"extra", 1}}}}}, options);
  REQUIRE(bad.errors.size() == 3);
  CHECK(bad.errors[0].rfind("/items/0/factor: 0 ", 0) == 0);
  CHECK(bad.errors[1] == "/items/1: 7 is not an object");
  CHECK(bad.errors[2].rfind("/items/2/extra", 0) == 0);
  CHECK(read({{"items", 5}}, options).errors == std::vector<std::string>{"/items: 5 is not an array of objects"});
  const json schema = dtsim::option_schema(options[0]);
  CHECK(schema["type"] == "array");
  CHECK(schema["items"]["required"] == json::array({"factor"}));
}

TEST_CASE("options: a plugin section with a required selector and keys every member shares") {
  dtsim::Option section = dtsim::Option::plugin("section", test_family(), "kind", "", "none", "");
  section.fields = {dtsim::Option::boolean("shared", false, "")};
  const dtsim::OptionList options = {section};
  Read missing = read({{"section", {{"shared", true}}}}, options);
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0] == "/section/kind: is required");
  Read ok = read({{"section", {{"kind", "b"}, {"shared", true}}}}, options);
  CHECK(ok.errors.empty());
  CHECK(ok.resolved["section"] == json({{"kind", "b"}, {"shared", true}, {"y", 3}}));
  Read other = read({{"section", {{"kind", "b"}, {"x", 1}}}}, options);
  REQUIRE(other.errors.size() == 1);
  CHECK(other.errors[0] == "/section/x: is only meaningful for \"a\"; remove it for \"b\"");
  CHECK(read({{"section", {{"kind", "none"}}}}, options).errors.empty());
  const json schema = dtsim::option_schema(section);
  CHECK(schema["required"] == json::array({"kind"}));
  CHECK(schema["properties"].contains("shared"));
  CHECK(schema["properties"].contains("x"));
}
