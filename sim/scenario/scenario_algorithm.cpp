#include "sim/base/plugin_catalog.h"
#include "sim/scenario/scenario_sections.h"

namespace dtsim {

void read_algorithm(JsonReader& root, Scenario& s, const OptionContext& context) {
  JsonReader r = root.object("algorithm");
  const PluginFamily& algorithms = plugin_family("algorithm");
  s.algorithm.name = r.string("name", std::string("allreduce"), algorithms.names());
  // The algorithm's own keys; a key another algorithm owns gets "only meaningful for ...".
  read_member_options(r, algorithms, algorithms.contains(s.algorithm.name) ? s.algorithm.name : std::string(),
                      context);
  s.algorithm.options = OptionValues(r.resolved());
  r.reject_unknown_keys();
}

Option algorithm_section(Scenario& s) {
  auto schema = [] {
    const OptionList shared = {Option::member("name", "algorithm", std::string("allreduce"), "the training algorithm")};
    return member_section_schema(plugin_family("algorithm"), shared, "name", "allreduce", "");
  };
  return Option::custom("algorithm", schema,
                        [&s](JsonReader& root, const OptionContext& context) { read_algorithm(root, s, context); },
                        "the training algorithm and the keys it owns");
}

}  // namespace dtsim
