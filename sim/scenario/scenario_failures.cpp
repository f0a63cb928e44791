// /failures: failure processes per GPU, per machine and per machine link (each a FailureProcess
// plugin with its own keys) and scheduled failures; /run/recovery: checkpoint/restart. Both sections
// are optional and, when absent, leave the resolved scenario as it was (so every run without them
// keeps its outputs byte for byte).
#include <cmath>
#include <limits>

#include "sim/base/plugin_catalog.h"
#include "sim/base/units.h"
#include "sim/scenario/scenario_sections.h"

namespace dtsim {

const char* failure_target_name(FailureTarget target) {
  switch (target) {
    case FailureTarget::Gpu: return "gpu";
    case FailureTarget::Machine: return "machine";
    case FailureTarget::Link: return "link";
    case FailureTarget::Server: return "server";
  }
  return "?";
}

namespace {

Option process_option(const char* key, FailureProcessSpec& spec, const char* help) {
  return Option::plugin(key, "failure_process", "process", "none", "none", help)
      .then([&spec, key = std::string(key)](JsonReader& r, const json&) {
        const json& resolved = r.resolved()[key];
        spec.process = resolved.value("process", std::string("none"));
        spec.options = OptionValues(resolved);
      });
}

// One scheduled failure: {"at": "3s", "gpu": 5} | {"at": ..., "machine": 1} (or "node", as
// cluster.nodes counts machines) | {"at": ..., "link": 1} (machine 1's network link).
void read_event(JsonReader& e, const Scenario& s, std::vector<ScheduledFailure>& out) {
  ScheduledFailure f;
  f.path = e.path();
  f.at = e.duration("at", std::nullopt);
  const int machines = s.cluster.nodes;
  struct Key { const char* name; FailureTarget target; int count; const char* what; };
  const Key keys[] = {{"gpu", FailureTarget::Gpu, s.cluster.ranks(), "GPU rank"},
                      {"machine", FailureTarget::Machine, machines, "machine"},
                      {"node", FailureTarget::Machine, machines, "machine (node)"},
                      {"link", FailureTarget::Link, machines, "machine whose network link fails"},
                      // The number of shards is the algorithm's: checked with it (validate_failures).
                      {"server", FailureTarget::Server, std::numeric_limits<int>::max(), "server shard"}};
  int given = 0;
  for (const Key& k : keys) {
    const json* v = e.raw(k.name);
    if (!v) continue;
    ++given;
    f.target = k.target;
    if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::int64_t>() >= k.count) {
      e.errors().add(e.child_path(k.name), quote(*v) + " is not a " + k.what + "; allowed: integers 0 to " +
                                               std::to_string(k.count - 1));
      continue;
    }
    f.index = v->get<int>();
    e.resolved()[k.name] = f.index;
  }
  if (given != 1)
    e.errors().add(e.path(), given == 0 ? "names no component; give one of \"gpu\", \"machine\" (or \"node\"), \"link\", "
                                          "\"server\""
                                        : "names several components; give exactly one of \"gpu\", \"machine\" (or "
                                          "\"node\"), \"link\", \"server\"");
  if (f.target == FailureTarget::Link && machines < 2)
    e.errors().add(e.child_path("link"), "the cluster has one machine, so no network link to fail");
  e.reject_unknown_keys();
  out.push_back(f);
}

void read_events(JsonReader& r, Scenario& s) {
  const json* raw = r.raw("events");
  if (!raw) return;
  if (!raw->is_array()) {
    r.errors().add(r.child_path("events"), quote(*raw) + " is not a list; give [{\"at\": \"3s\", \"machine\": 1}, ...]");
    return;
  }
  json& resolved = r.resolved()["events"] = json::array();
  for (std::size_t i = 0; i < raw->size(); ++i) {
    const std::string path = r.child_path("events") + "/" + std::to_string(i);
    json entry = json::object();
    if (!(*raw)[i].is_object()) {
      r.errors().add(path, quote((*raw)[i]) + " is not an object; give {\"at\": \"3s\", \"machine\": 1}");
      continue;
    }
    JsonReader e((*raw)[i], path, r.errors(), entry);
    read_event(e, s, s.failures.events);
    resolved.push_back(entry);
  }
}

json events_schema() {
  const std::int64_t most = std::numeric_limits<std::int64_t>::max();
  json item = options_schema({Option::duration("at", std::nullopt, "Simulated time of the failure."),
                              Option::integer("gpu", std::nullopt, 0, most, "A GPU rank."),
                              Option::integer("machine", std::nullopt, 0, most, "A machine (with its GPUs)."),
                              Option::integer("node", std::nullopt, 0, most, "Same as machine."),
                              Option::integer("link", std::nullopt, 0, most, "The network link of this machine."),
                              Option::integer("server", std::nullopt, 0, most,
                                              "A parameter-server shard (with run.recovery.policy elastic).")});
  item["required"] = json::array({"at"});
  return {{"type", "array"}, {"items", item}};
}

OptionList failure_options(Scenario& s) {
  FailureSpec& f = s.failures;
  return {
      process_option("gpu", f.gpu, "Failures of each GPU (its rank stops)."),
      process_option("machine", f.machine, "Failures of each machine (all its GPUs stop)."),
      process_option("link", f.link, "Failures of each machine's network link (its GPUs are cut off)."),
      Option::custom("events", events_schema, [&s](JsonReader& r, const OptionContext&) { read_events(r, s); },
                     "Scheduled failures: [{\"at\": \"3s\", \"machine\": 1}, {\"at\": ..., \"gpu\": 5}, {\"at\": ..., "
                     "\"link\": 0}]."),
      Option::duration("repair_time", std::string("0s"),
                       "Until a failed component is back (repaired, or replaced by a spare).")
          .bind(f.repair_time),
  };
}

void read_failures(JsonReader& root, Scenario& s, const OptionContext& context) {
  if (!root.has("failures")) return;  // absent: nothing resolved, outputs unchanged
  JsonReader r = root.object("failures");
  read_options(r, failure_options(s), context);
  r.reject_unknown_keys();
  if (s.failures.link.any() && s.cluster.nodes < 2)
    r.errors().add(r.child_path("link"), "the cluster has one machine, so no network link to fail");
}

// run.recovery.interval: an integer (iterations) or a duration ("30s": simulated time).
void read_interval(JsonReader& r, RecoverySpec& rec) {
  const json* raw = r.raw("interval");
  const std::string path = r.child_path("interval");
  if (!raw) {
    r.errors().add(path, "missing; give iterations between checkpoints (e.g. 100) or a time (e.g. \"30min\")");
    return;
  }
  if (raw->is_number_integer()) {
    if (raw->get<std::int64_t>() < 1 || raw->get<std::int64_t>() > (1 << 30)) {
      r.errors().add(path, quote(*raw) + " is out of range; allowed: 1 to " + std::to_string(1 << 30) + " iterations");
      return;
    }
    rec.interval_iterations = raw->get<int>();
    r.resolved()["interval"] = rec.interval_iterations;
    return;
  }
  if (raw->is_string()) {
    rec.interval_seconds = r.duration("interval", std::nullopt, /*allow_zero=*/false);
    return;
  }
  r.errors().add(path, quote(*raw) + " is not an interval; give iterations (an integer such as 100) or a "
                                     "duration (such as \"30min\")");
}

OptionList recovery_options(Scenario& s) {
  RecoverySpec& rec = s.run.recovery;
  return {
      Option::choice("policy", std::string("checkpoint_restart"), {"none", "checkpoint_restart", "elastic"},
                     "none: the run ends at the first failure; checkpoint_restart: resume from the last checkpoint; "
                     "elastic: the survivors re-rendezvous and go on with fewer ranks.")
          .bind(rec.policy),
      Option::boolean("blocking", true, "Training waits while a checkpoint is written (false: written behind it).")
          .bind(rec.blocking),
      Option::duration("detection_time", std::string("0s"), "From a failure until the job notices it.")
          .bind(rec.detection_time),
      Option::duration("restart_time", std::string("0s"), "To restart the job and load the checkpoint.")
          .bind(rec.restart_time),
  };
}

// Elastic training's own keys (read only with policy "elastic", so other policies resolve as before).
OptionList elastic_options(Scenario& s) {
  RecoverySpec& rec = s.run.recovery;
  return {
      Option::duration("rendezvous_time", std::string("0s"),
                       "Elastic: for the live ranks to agree on the new membership and rebuild the collective.")
          .bind(rec.rendezvous_time),
      Option::choice("scaling", std::string("linear"), {"linear", "constant"},
                     "Elastic: linear keeps each rank's batch (global batch and learning rate scale with the live "
                     "ranks, Goyal et al. 2017); constant keeps the global batch (each rank computes a larger batch).")
          .bind(rec.scaling),
      Option::choice("join", std::string("at_repair"), {"at_repair", "at_failure", "never"},
                     "Elastic: when repaired ranks join: at a rendezvous as soon as they are back, at the next "
                     "failure's rendezvous, or never.")
          .bind(rec.join),
      Option::integer("server_checkpoint_interval", 0, 0, 1 << 30,
                      "Elastic, parameter servers: a shard checkpoints its model every this many of its updates "
                      "(0: only the initial model); a failed shard rolls back to it.")
          .bind(rec.server_checkpoint_interval),
      Option::duration("server_restore_time", std::string("0s"),
                       "Elastic, parameter servers: from a shard's failure until it serves again from its checkpoint.")
          .bind(rec.server_restore_time),
      Option::integer("min_ranks", 1, 1, 1 << 30,
                      "Elastic: with fewer live ranks the job waits for repairs (TorchElastic's min_nodes).")
          .bind(rec.min_ranks)
          .then([&s](JsonReader& r, const json& v) {
            if (v.get<std::int64_t>() > s.cluster.ranks())
              r.errors().add(r.child_path("min_ranks"), std::to_string(v.get<std::int64_t>()) +
                                                            " is more than the job's " + std::to_string(s.cluster.ranks()) +
                                                            " ranks; allowed: 1 to " + std::to_string(s.cluster.ranks()));
          }),
  };
}

void read_recovery(JsonReader& run, Scenario& s, const OptionContext& context) {
  if (!run.has("recovery")) return;  // absent: nothing resolved, outputs unchanged
  JsonReader r = run.object("recovery");
  RecoverySpec& rec = s.run.recovery;
  read_options(r, recovery_options(s), context);
  if (rec.policy == "checkpoint_restart") {
    read_interval(r, rec);
    if (r.has("storage_bandwidth")) {
      // By default a checkpoint holds the model's parameters (the gradient message's size).
      rec.checkpoint_bytes = r.has("checkpoint_bytes") ? r.size("checkpoint_bytes", std::nullopt)
                                                       : s.workload.message_bytes();
      r.resolved()["checkpoint_bytes"] = rec.checkpoint_bytes;
      const double bandwidth = r.bandwidth("storage_bandwidth", std::nullopt);
      rec.checkpoint_time = bandwidth > 0 ? rec.checkpoint_bytes / bandwidth : 0;
      // A resolved scenario gives checkpoint_time too: it must be what bytes / bandwidth come to.
      if (!(bandwidth > 0)) r.raw("checkpoint_time");  // the bad bandwidth is the error reported
      else
        r.derived("checkpoint_time", rec.checkpoint_time, "checkpoint_bytes / storage_bandwidth",
                  "or give checkpoint_time without checkpoint_bytes and storage_bandwidth", units::parse_duration);
    } else if (r.has("checkpoint_time")) {
      rec.checkpoint_time = r.duration("checkpoint_time", std::nullopt);
      if (r.raw("checkpoint_bytes"))
        r.errors().add(r.child_path("checkpoint_bytes"), "is only read with storage_bandwidth (checkpoint_time = "
                                                         "checkpoint_bytes / storage_bandwidth); remove it or give "
                                                         "storage_bandwidth instead of checkpoint_time");
    } else {
      r.errors().add(r.path(), "gives no checkpoint cost; give checkpoint_time (e.g. \"20s\"), or storage_bandwidth "
                               "(e.g. \"2GBps\") with checkpoint_bytes (default: the model's size)");
    }
  }
  if (rec.elastic()) read_options(r, elastic_options(s), context);
  r.reject_unknown_keys();
}

json recovery_schema() {
  Scenario unused;  // the declarations only, for their schemas
  json s = options_schema(recovery_options(unused));
  s["properties"]["interval"] = {
      {"description", "Iterations between checkpoints (an integer) or simulated time (a duration)."},
      {"oneOf", json::array({{{"type", "integer"}, {"minimum", 1}},
                              {{"type", "string"}, {"pattern", "^\\s*[0-9.eE+-]+\\s*(" + units::duration_units_pattern() + ")\\s*$"}}})}};
  s["properties"]["checkpoint_time"] = option_schema(Option::duration("checkpoint_time", std::nullopt, "Time to write one checkpoint."));
  s["properties"]["checkpoint_bytes"] = option_schema(Option::size("checkpoint_bytes", std::nullopt, "Checkpoint size (default: the model's parameters)."));
  s["properties"]["storage_bandwidth"] = option_schema(Option::bandwidth("storage_bandwidth", std::nullopt, "Write bandwidth to checkpoint storage."));
  for (const Option& o : elastic_options(unused)) s["properties"][o.key] = option_schema(o);
  return s;
}

}  // namespace

Option failures_section(Scenario& s) {
  auto schema = [] {
    Scenario unused;  // the declarations only, for their schemas
    return options_schema(failure_options(unused));
  };
  return Option::custom("failures", schema,
                        [&s](JsonReader& root, const OptionContext& context) { read_failures(root, s, context); },
                        "Failures of GPUs, machines and links (processes and scheduled events).");
}

Option recovery_option(Scenario& s) {
  return Option::custom("recovery", recovery_schema,
                        [&s](JsonReader& run, const OptionContext& context) { read_recovery(run, s, context); },
                        "What the job does after a failure: checkpoint/restart or elastic training.");
}

}  // namespace dtsim
