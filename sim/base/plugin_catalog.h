// What every plugin declares about itself, whatever its interface: its name, a one-line summary and
// the options it owns. Typed registries (Registry<TrainingAlgorithm>, Registry<Collective>, ...) add
// their entries here, so the scenario reader, the schema generator and `--help` listings can ask
// "which names does this family have, and which keys does each own?" without knowing any interface.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sim/base/options.h"

namespace dtsim {

struct PluginInfo {
  std::string name;
  std::string summary;   // one line: what it is and whose algorithm (paper)
  OptionList options;    // the keys it owns in its section
};

class PluginFamily {
 public:
  void add(PluginInfo info) { members_[info.name] = std::move(info); }
  bool contains(const std::string& name) const { return members_.count(name) != 0; }
  const PluginInfo& at(const std::string& name) const { return members_.at(name); }
  std::vector<std::string> names() const;
  const std::map<std::string, PluginInfo>& members() const { return members_; }
  // Members that declare `key`, for "only meaningful for ..." errors.
  std::vector<std::string> owners_of(const std::string& key) const;

 private:
  std::map<std::string, PluginInfo> members_;
};

// The family named `name` ("algorithm", "collective", "compressor", "topology", ...), created empty
// on first use (function-local static: safe during static initialisation).
PluginFamily& plugin_family(const std::string& name);

// Reads the section `r` whose member is named by `selector` (already read by the caller as `member`):
// the member's own options, and a clear error for keys that belong to other members of the family
// ("is only meaningful for \"x\""). Keys in `shared` are the section's own and skipped here.
void read_member_options(JsonReader& r, const PluginFamily& family, const std::string& member,
                         const OptionContext& context);

// JSON Schema of a section whose member of `family` is named by the key `selector` (declared in
// `shared`, with the section's other own keys): every member's keys at the top level, and per member an
// `if selector is X then only X's keys (and the shared ones)` rule. `default_member` is the member used
// when the selector is absent; `none` a selector value owning no keys (or "").
json member_section_schema(const PluginFamily& family, const OptionList& shared, const std::string& selector,
                           const std::string& default_member, const std::string& none);

}  // namespace dtsim
