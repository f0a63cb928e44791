#include "sim/scenario/network_profile.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "sim/scenario/embedded_profiles.h"

namespace dtsim {
namespace {

constexpr const char* kTiers[] = {"intra_node", "inter_node"};

void read_tier(JsonReader& tiers, const std::string& key, TierCalibration& tier) {
  if (!tiers.has(key)) return;
  JsonReader t = tiers.object(key);
  tier.given = true;
  tier.efficiency = t.number("efficiency", std::nullopt, 0, true, 1);
  tier.overhead = t.duration("overhead", std::nullopt);
  tier.alpha = t.duration("alpha", std::nullopt);
  tier.beta = t.bandwidth("beta", std::nullopt);
  tier.nominal_bandwidth = t.bandwidth("nominal_bandwidth", std::nullopt);
  tier.nominal_latency = t.duration("nominal_latency", std::nullopt);
  t.raw("fit");  // the fit's description and residuals: informative
  t.reject_unknown_keys();
}

}  // namespace

NetworkProfile read_network_profile(const nlohmann::json& document, const std::string& origin, ErrorList& errors) {
  NetworkProfile p;
  p.origin = origin;
  p.document = document;
  ErrorList local;
  json resolved = json::object();
  JsonReader r(document, "", local, resolved);
  p.name = r.string("name", std::nullopt);
  p.system = r.string("system", std::nullopt);
  p.source = r.string("source", std::nullopt);
  r.string("generated_by", std::string());
  r.raw("logs");  // which logs the tiers were fitted from: informative
  JsonReader tiers = r.object("tiers");
  read_tier(tiers, kTiers[0], p.intra_node);
  read_tier(tiers, kTiers[1], p.inter_node);
  tiers.reject_unknown_keys();
  if (document.is_object() && !p.intra_node.given && !p.inter_node.given)
    local.add("/tiers", "gives no tier; expected \"intra_node\" and/or \"inter_node\"");
  r.reject_unknown_keys();
  for (const std::string& line : local.lines) errors.lines.push_back(origin + ":" + line);
  return p;
}

NetworkProfile load_network_profile(const std::string& name_or_path, const std::string& json_path, ErrorList& errors) {
  const auto& shipped = embedded::network_profiles();
  ErrorList local;
  NetworkProfile profile;
  if (auto it = shipped.find(name_or_path); it != shipped.end()) {
    profile = read_network_profile(nlohmann::json::parse(it->second, nullptr, true, true),
                                   "scenarios/profiles/" + name_or_path + ".json", local);
  } else {
    if (::access(name_or_path.c_str(), R_OK) != 0) {  // not opened here: a FIFO would block
      std::string names;
      for (const std::string& n : shipped_profile_names()) names += (names.empty() ? "" : ", ") + n;
      errors.add(json_path, quote(name_or_path) + " is neither a shipped profile nor a readable file; allowed: " +
                                (names.empty() ? std::string("(none shipped)") : names) + ", or a path to a profile file");
      return {};
    }
    nlohmann::json document;  // the checks of every JSON input (sim/base/json_input.h)
    if (std::string problem = read_json_document(name_or_path, "profile", document); !problem.empty()) {
      errors.add(json_path, quote(name_or_path) + ": " + problem);
      return {};
    }
    profile = read_network_profile(document, name_or_path, local);
  }
  for (const std::string& line : local.lines) errors.add(json_path, "profile " + line);
  return profile;
}

std::vector<std::string> shipped_profile_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : embedded::network_profiles()) names.push_back(name);
  return names;
}

nlohmann::json tier_to_json(const TierCalibration& t) {
  return {{"efficiency", t.efficiency}, {"overhead", t.overhead}, {"alpha", t.alpha}, {"beta", t.beta},
          {"nominal_bandwidth", t.nominal_bandwidth}, {"nominal_latency", t.nominal_latency}};
}

}  // namespace dtsim
