// /stragglers: compute-time heterogeneity and noise, transient slowdowns, a two-state Markov
// slowdown and network jitter (sim/engine/straggler_model.h draws them). Declared options: each
// declaration reads its key (path-named errors), binds it into StragglerSpec and states its schema.
// The noise distributions are plugins (sim/plugin/straggler_noise.h) owning their own keys.
#include <cmath>
#include <limits>

#include "sim/scenario/catalog.h"
#include "sim/scenario/scenario_sections.h"

namespace dtsim {
namespace {

// The (first, last) rank ranges of a rank set, [r, ...] or {"first": a, "last": b}; problems go to
// `errors` at `path` when given, and invalid parts are left out.
std::vector<std::pair<int, int>> rank_ranges(const json& raw, const std::string& path, int ranks, ErrorList* errors) {
  std::vector<std::pair<int, int>> out;
  auto report = [&](const std::string& where, const std::string& message) {
    if (errors) errors->add(where, message);
  };
  auto check = [&](const json& v, const std::string& where) -> int {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() >= ranks) {
      report(where, quote(v) + " is not a rank; allowed: integers 0 to " + std::to_string(ranks - 1));
      return -1;
    }
    return v.get<int>();
  };
  if (raw.is_array() && !raw.empty()) {
    for (size_t i = 0; i < raw.size(); ++i) {
      const int r = check(raw[i], path + "/" + std::to_string(i));
      if (r >= 0) out.emplace_back(r, r);
    }
  } else if (raw.is_object() && raw.contains("first") && raw.contains("last") && raw.size() == 2) {
    const int a = check(raw["first"], path + "/first"), b = check(raw["last"], path + "/last");
    if (a >= 0 && b >= 0 && a > b) report(path, quote(raw) + " is not a range; first must be <= last");
    else if (a >= 0 && b >= 0) out.emplace_back(a, b);
  } else {
    report(path, quote(raw) + " is not allowed; give [r, ...] or {\"first\": a, \"last\": b}");
  }
  return out;
}

json rank_set_schema() {
  json range = options_schema({Option::integer("first", std::nullopt, 0, std::numeric_limits<std::int64_t>::max(), ""),
                               Option::integer("last", std::nullopt, 0, std::numeric_limits<std::int64_t>::max(), "")});
  return {{"description", "[r, ...] or {\"first\": a, \"last\": b}"},
          {"oneOf", json::array({option_schema(Option::integer_list("ranks", 0, "")), range})}};
}

// "ranks" of a rank_factors or slowdowns entry: checked against the cluster's ranks, kept as given.
Option ranks_option() {
  Option o = Option::custom(
      "ranks", rank_set_schema,
      [](JsonReader& e, const OptionContext& context) {
        const json* raw = e.raw("ranks");
        if (!raw) {
          e.errors().add(e.child_path("ranks"), "missing; give the ranks as [r, ...] or {\"first\": a, \"last\": b}");
          return;
        }
        e.resolved()["ranks"] = *raw;  // as given: a list or a {first, last} range
        rank_ranges(*raw, e.child_path("ranks"), context.ranks, &e.errors());
      },
      "");
  o.custom_required = true;
  return o;
}

// The ranges of a read entry (its problems are already reported).
std::vector<std::pair<int, int>> entry_ranges(const json& entry, int ranks) {
  return entry.contains("ranks") ? rank_ranges(entry["ranks"], "", ranks, nullptr) : std::vector<std::pair<int, int>>{};
}

Option factor_option() { return Option::number("factor", std::nullopt, 0, true, 1e6, ""); }

// "jitter": "measured" (the catalog's compute_jitter.measured CV) or a CV: lognormal noise of mean 1
// whose coefficient of variation is cv, sigma = sqrt(ln(1 + cv^2)). Shorthand for noise.
Option jitter_option(StragglerSpec& st) {
  auto schema = [] {
    return json{{"oneOf", json::array({{{"const", "measured"}},
                                       {{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 1}}})}};
  };
  auto read = [&st](JsonReader& r, const OptionContext&) {
    const json* jitter = r.raw("jitter");
    if (!jitter) return;
    const std::string path = r.child_path("jitter");
    double cv = 0;
    if (jitter->is_string() && jitter->get<std::string>() == "measured") {
      cv = catalog()["compute_jitter"]["measured"]["cv"].get<double>();
    } else if (jitter->is_number() && jitter->get<double>() > 0 && jitter->get<double>() <= 1) {
      cv = jitter->get<double>();
    } else {
      r.errors().add(path, quote(*jitter) + " is not allowed; give \"measured\" or a coefficient of variation in (0, 1]");
    }
    if (st.noise != "none") {
      r.errors().add(path, "and noise both set the compute noise; remove one of them");
    } else if (cv > 0) {
      st.noise = "lognormal";  // the lognormal noise plugin (algorithms/stragglers/lognormal.cpp)
      st.noise_options = OptionValues(json{{"sigma", std::sqrt(std::log1p(cv * cv))}});
      st.jitter_cv = cv;
    }
  };
  return Option::custom("jitter", schema, read,
                        "compute-time noise in one word: \"measured\" (the catalog's compute_jitter, a published GPU "
                        "variability) or a coefficient of variation; lognormal of mean 1, drawn per rank and step; "
                        "instead of noise");
}

OptionList stragglers_options(Scenario& s) {
  StragglerSpec& st = s.stragglers;
  auto rank_count = [&s] { return s.cluster.ranks(); };  // asked when the section is read, after /cluster

  Option rank_factors =
      Option::object_list("rank_factors", {ranks_option(), factor_option()},
                          "a heterogeneous cluster: these ranks compute `factor` times slower")
          .then([&st, rank_count](JsonReader&, const json& entry) {
            for (auto [a, b] : entry_ranges(entry, rank_count()))
              st.rank_factors.push_back({a, b, entry.value("factor", 1.0)});
          });

  // The family of sim/plugin/straggler_noise.h (StragglerNoise::family); its members own their keys.
  Option noise = Option::plugin("noise", "noise", "distribution", "", "none",
                                "compute-time noise: a factor drawn per (rank, gradient step)")
                     .only_when_given()
                     .then([&st](JsonReader& r, const json&) {
                       const json& resolved = r.resolved()["noise"];
                       st.noise = resolved.value("distribution", std::string("none"));
                       json options = resolved;
                       options.erase("distribution");
                       st.noise_options = OptionValues(options);
                     });

  Option to = Option::duration("to", std::nullopt, "").then([](JsonReader& e, const json& value) {
    const json& from = e.resolved()["from"];
    if (value.get<double>() <= (from.is_number() ? from.get<double>() : 0.0))
      e.errors().add(e.child_path("to"), "must be later than \"from\"");
  });
  Option slowdowns =
      Option::object_list("slowdowns", {ranks_option(), factor_option(), Option::duration("from", std::string("0s"), ""), to},
                          "transient slowdowns: computations starting in [from, to) of simulated time")
          .then([&st, rank_count](JsonReader&, const json& entry) {
            for (auto [a, b] : entry_ranges(entry, rank_count()))
              st.slowdowns.push_back({a, b, entry.value("factor", 1.0), entry.value("from", 0.0), entry.value("to", 0.0)});
          });

  Option markov = Option::object("markov",
                                 {Option::number("p_slow", std::nullopt, 0, false, 1, "").bind(st.p_slow),
                                  Option::number("p_recover", std::nullopt, 0, true, 1, "").bind(st.p_recover),
                                  factor_option().bind(st.markov_factor)},
                                 "two-state Markov slow state per rank, stepped once per gradient")
                      .only_when_given();

  // Every period redraws every link: below 1 us a simulated second alone is over a million redraws
  // per link, and periods below the clock's resolution (1e-300 s) never advance it at all.
  Option period = Option::duration("period", std::nullopt, "").bind(st.jitter_period);
  period.min_exclusive = true;  // > 0
  period.then([](JsonReader& j, const json& value) {
    const double p = value.get<double>();
    if (p > 0 && p < 1e-6) j.errors().add(j.child_path("period"), quote(*j.raw("period")) + " is below 1 us; allowed: >= 1us");
  });
  Option network_jitter =
      Option::object("network_jitter", {Option::number("sigma", std::nullopt, 0, true, 10, "").bind(st.jitter_sigma), period},
                     "every period each link's bandwidth is redrawn as nominal x lognormal (mean 1)")
          .only_when_given();

  return {rank_factors, noise, slowdowns, jitter_option(st), markov, network_jitter};
}

}  // namespace

Option stragglers_section(Scenario& s) {
  return Option::object("stragglers", stragglers_options(s),
                        "Stragglers and heterogeneity: each rank's compute time is workload.compute_time times a "
                        "factor drawn per (rank, gradient step) from the scenario seed.");
}

}  // namespace dtsim
