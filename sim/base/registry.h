// Name -> factory tables. Each algorithm, collective, compressor or topology registers itself from its
// own file, with the options it owns:
//   const bool registered = Registry<Collective>::add({"ring", "ring allreduce (Patarasuk & Yuan)", {}},
//                                                     [](const OptionValues&) { return std::make_unique<Ring>(); });
// so adding one touches one file (plus its test). The declaration also lands in the untyped
// plugin_family(Interface::family) catalog that the scenario reader and the schema generator use.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/base/plugin_catalog.h"

namespace dtsim {

// A plugin interface with a set_registered_name(std::string) member learns the name it was created
// under (e.g. a collective, to label its trace spans).
template <typename T, typename = void>
struct knows_its_name : std::false_type {};
template <typename T>
struct knows_its_name<T, std::void_t<decltype(std::declval<T&>().set_registered_name(std::string()))>>
    : std::true_type {};

template <typename Interface>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Interface>(const OptionValues&)>;

  static bool add(PluginInfo info, Factory factory) {
    const std::string name = info.name;
    plugin_family(Interface::family).add(std::move(info));
    table()[name] = std::move(factory);
    return true;
  }
  static bool contains(const std::string& name) { return table().count(name) != 0; }
  // The member `name` configured with `options` (as read_options resolved them).
  static std::unique_ptr<Interface> create(const std::string& name, const OptionValues& options) {
    auto it = table().find(name);
    if (it == table().end()) throw std::invalid_argument("unknown name \"" + name + "\"");
    std::unique_ptr<Interface> made = it->second(options);
    if constexpr (knows_its_name<Interface>::value) made->set_registered_name(name);
    return made;
  }
  // The member `name` with its default options.
  static std::unique_ptr<Interface> create(const std::string& name) {
    if (!contains(name)) throw std::invalid_argument("unknown name \"" + name + "\"");
    return create(name, OptionValues(default_options(plugin_family(Interface::family).at(name).options)));
  }
  static std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& entry : table()) out.push_back(entry.first);
    return out;
  }

 private:
  static std::map<std::string, Factory>& table() {
    static std::map<std::string, Factory> entries;  // function-local: safe during static init
    return entries;
  }
};

}  // namespace dtsim
