// Name -> factory tables. Each algorithm, collective or topology registers itself from its own file:
//   static const bool registered = Registry<Collective>::add("ring", [] { return std::make_unique<Ring>(); });
// so adding one touches one file (plus its test), as SMPI does with its collectives.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace dtsim {

template <typename Interface>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Interface>()>;

  static bool add(const std::string& name, Factory factory) {
    table()[name] = std::move(factory);
    return true;
  }
  static bool contains(const std::string& name) { return table().count(name) != 0; }
  static std::unique_ptr<Interface> create(const std::string& name) {
    auto it = table().find(name);
    if (it == table().end()) throw std::invalid_argument("unknown name \"" + name + "\"");
    return it->second();
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
