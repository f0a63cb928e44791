// /stragglers: compute-time heterogeneity and noise, transient slowdowns, a two-state Markov
// slowdown and network jitter (sim/straggler_model.h draws them). Needs /cluster read first.
#include <cmath>
#include <limits>

#include "sim/scenario/catalog.h"
#include "sim/scenario/scenario_sections.h"

namespace dtsim {
namespace {

// "ranks": [r, ...] or "ranks": {"first": a, "last": b}; appends (first, last) ranges to `out`.
void read_rank_set(JsonReader& e, int ranks, std::vector<std::pair<int, int>>& out) {
  const json* raw = e.raw("ranks");
  const std::string path = e.child_path("ranks");
  if (!raw) {
    e.errors().add(path, "missing; give the ranks as [r, ...] or {\"first\": a, \"last\": b}");
    return;
  }
  auto check = [&](const json& v, const std::string& where) -> int {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() >= ranks) {
      e.errors().add(where, quote(v) + " is not a rank; allowed: integers 0 to " + std::to_string(ranks - 1));
      return -1;
    }
    return v.get<int>();
  };
  e.resolved()["ranks"] = *raw;  // as given: a list or a {first, last} range
  if (raw->is_array() && !raw->empty()) {
    for (size_t i = 0; i < raw->size(); ++i) {
      const int r = check((*raw)[i], path + "/" + std::to_string(i));
      if (r >= 0) out.emplace_back(r, r);
    }
  } else if (raw->is_object() && raw->contains("first") && raw->contains("last") && raw->size() == 2) {
    const int a = check((*raw)["first"], path + "/first"), b = check((*raw)["last"], path + "/last");
    if (a >= 0 && b >= 0 && a > b) e.errors().add(path, quote(*raw) + " is not a range; first must be <= last");
    else if (a >= 0 && b >= 0) out.emplace_back(a, b);
  } else {
    e.errors().add(path, quote(*raw) + " is not allowed; give [r, ...] or {\"first\": a, \"last\": b}");
  }
}

// Calls `each(reader, index)` for every object of the array at `key`.
template <typename Each>
void read_array(JsonReader& r, const std::string& key, Each each) {
  const json* raw = r.raw(key);
  if (!raw) return;
  if (!raw->is_array()) {
    r.errors().add(r.child_path(key), quote(*raw) + " is not an array of objects");
    return;
  }
  for (size_t i = 0; i < raw->size(); ++i) {
    const std::string path = r.child_path(key) + "/" + std::to_string(i);
    if (!(*raw)[i].is_object()) {
      r.errors().add(path, quote((*raw)[i]) + " is not an object");
      continue;
    }
    json resolved_entry = json::object();
    JsonReader e((*raw)[i], path, r.errors(), resolved_entry);
    each(e);
    e.reject_unknown_keys();
    r.resolved()[key].push_back(resolved_entry);  // the resolved scenario states every entry
  }
}

}  // namespace

void read_stragglers(JsonReader& root, Scenario& s) {
  JsonReader r = root.object("stragglers");
  StragglerSpec& st = s.stragglers;
  const int ranks = s.cluster.ranks();
  read_array(r, "rank_factors", [&](JsonReader& e) {
    std::vector<std::pair<int, int>> sets;
    read_rank_set(e, ranks, sets);
    const double factor = e.number("factor", std::nullopt, 0, true, 1e6);
    for (auto [a, b] : sets) st.rank_factors.push_back({a, b, factor});
  });
  if (r.has("noise")) {
    JsonReader n = r.object("noise");
    st.noise = n.string("distribution", std::nullopt, {"none", "lognormal", "exponential", "pareto"});
    if (st.noise == "lognormal") st.sigma = n.number("sigma", std::nullopt, 0, true, 10);
    if (st.noise == "exponential") st.mean = n.number("mean", std::nullopt, 0, true, 1e6);
    if (st.noise == "pareto") st.shape = n.number("shape", std::nullopt, 1, true, 1e6);
    n.reject_unknown_keys();
  }
  read_array(r, "slowdowns", [&](JsonReader& e) {
    std::vector<std::pair<int, int>> sets;
    read_rank_set(e, ranks, sets);
    const double factor = e.number("factor", std::nullopt, 0, true, 1e6);
    const double from = e.duration("from", std::string("0s"));
    const double to = e.duration("to", std::nullopt);
    if (to <= from) e.errors().add(e.child_path("to"), "must be later than \"from\"");
    for (auto [a, b] : sets) st.slowdowns.push_back({a, b, factor, from, to});
  });
  // "jitter": "measured" (the catalog's compute_jitter.measured CV) or a CV: lognormal noise of mean 1
  // whose coefficient of variation is cv, sigma = sqrt(ln(1 + cv^2)). Shorthand for noise.
  if (const json* jitter = r.raw("jitter")) {
    const std::string path = r.child_path("jitter");
    double cv = 0;
    if (jitter->is_string() && jitter->get<std::string>() == "measured") {
      cv = catalog()["compute_jitter"]["measured"]["cv"].get<double>();
    } else if (jitter->is_number() && jitter->get<double>() > 0 && jitter->get<double>() <= 1) {
      cv = jitter->get<double>();
    } else {
      r.errors().add(path, quote(*jitter) + " is not allowed; give \"measured\" or a coefficient of variation in (0, 1]");
    }
    if (st.noise != "none")
      r.errors().add(path, "and noise both set the compute noise; remove one of them");
    else if (cv > 0) {
      st.noise = "lognormal";
      st.sigma = std::sqrt(std::log1p(cv * cv));
      st.jitter_cv = cv;
    }
  }
  if (r.has("markov")) {
    JsonReader m = r.object("markov");
    st.p_slow = m.number("p_slow", std::nullopt, 0, false, 1);
    st.p_recover = m.number("p_recover", std::nullopt, 0, true, 1);
    st.markov_factor = m.number("factor", std::nullopt, 0, true, 1e6);
    m.reject_unknown_keys();
  }
  if (r.has("network_jitter")) {
    JsonReader j = r.object("network_jitter");
    st.jitter_sigma = j.number("sigma", std::nullopt, 0, true, 10);
    st.jitter_period = j.duration("period", std::nullopt, false);
    // Every period redraws every link: below 1 us a simulated second alone is over a million redraws
    // per link, and periods below the clock's resolution (1e-300 s) never advance it at all.
    if (st.jitter_period > 0 && st.jitter_period < 1e-6)
      r.errors().add(j.child_path("period"), quote(*j.raw("period")) + " is below 1 us; allowed: >= 1us");
    j.reject_unknown_keys();
  }
  r.reject_unknown_keys();
}

namespace {

// "ranks": [r, ...] or {"first": a, "last": b} (read by read_rank_set).
json rank_set_schema() {
  json range = options_schema({Option::integer("first", std::nullopt, 0, std::numeric_limits<std::int64_t>::max(), ""),
                               Option::integer("last", std::nullopt, 0, std::numeric_limits<std::int64_t>::max(), "")});
  return {{"description", "[r, ...] or {\"first\": a, \"last\": b}"},
          {"oneOf", json::array({option_schema(Option::integer_list("ranks", 0, "")), range})}};
}

// An array of objects with `fields` (each entry read by read_array).
json array_of(const OptionList& fields, const std::string& help) {
  json items = options_schema(fields);
  items["properties"]["ranks"] = rank_set_schema();
  items["required"].insert(items["required"].begin(), "ranks");
  return {{"type", "array"}, {"items", items}, {"description", help}};
}

// The /stragglers section: read imperatively above (which keys exist depends on the distribution);
// its JSON Schema is declared here, beside the reader, with the reader's ranges.
json stragglers_schema() {
  Option period = Option::duration("period", std::nullopt, "");
  period.min_exclusive = true;  // the reader rejects 0
  json noise = options_schema(
      {Option::choice("distribution", std::nullopt, {"none", "lognormal", "exponential", "pareto"}, ""),
       Option::number("sigma", std::nullopt, 0, true, 10, "lognormal: factor exp(sigma z - sigma^2/2), mean 1"),
       Option::number("mean", std::nullopt, 0, true, 1e6, "exponential: factor 1 + Exp(mean)"),
       Option::number("shape", std::nullopt, 1, true, 1e6, "pareto: factor Pareto(minimum 1, tail index shape)")});
  noise["required"] = {"distribution"};  // each parameter only with its distribution (checked by the reader)
  json schema = options_schema({
      Option::object("markov",
                     {Option::number("p_slow", std::nullopt, 0, false, 1, ""),
                      Option::number("p_recover", std::nullopt, 0, true, 1, ""),
                      Option::number("factor", std::nullopt, 0, true, 1e6, "")},
                     "two-state Markov slow state per rank, stepped once per gradient"),
      Option::object("network_jitter", {Option::number("sigma", std::nullopt, 0, true, 10, ""), period},
                     "every period each link's bandwidth is redrawn as nominal x lognormal (mean 1)"),
  });
  schema.erase("required");  // every part is optional; its own keys are required once it is given
  json& properties = schema["properties"];
  properties["noise"] = noise;
  properties["jitter"] = {
      {"description", "compute-time noise in one word: \"measured\" (the catalog's compute_jitter, a published GPU "
                      "variability) or a coefficient of variation; lognormal of mean 1, drawn per rank and step; "
                      "instead of noise"},
      {"oneOf", json::array({{{"const", "measured"}}, {{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 1}}})}};
  properties["rank_factors"] = array_of({Option::number("factor", std::nullopt, 0, true, 1e6, "")},
                                        "a heterogeneous cluster: these ranks compute `factor` times slower");
  properties["slowdowns"] =
      array_of({Option::number("factor", std::nullopt, 0, true, 1e6, ""),
                Option::duration("from", std::string("0s"), ""), Option::duration("to", std::nullopt, "")},
               "transient slowdowns: computations starting in [from, to) of simulated time");
  schema["description"] = "Stragglers and heterogeneity: each rank's compute time is workload.compute_time times a "
                          "factor drawn per (rank, gradient step) from the scenario seed.";
  return schema;
}

}  // namespace

Option stragglers_section(Scenario& s) {
  return Option::custom("stragglers", stragglers_schema,
                        [&s](JsonReader& root, const OptionContext&) { read_stragglers(root, s); }, "");
}

}  // namespace dtsim
