// trace.json as Perfetto reads it: on every track the complete ("X") spans nest; every track has a
// name and a sort index; flow arrows join a send span to its receive span; one span per collective
// with its algorithm, bytes and participants; a bytes-in-flight counter that returns to zero.
// Checked on runs with gradient buckets, parameter servers, decentralized gossip, failures and a
// hierarchical allreduce; plus output.trace "gzip".
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <zlib.h>

#include "sim/output/trace_lanes.h"
#include "tests/support/test_support.h"

using json = nlohmann::json;
using dtsim::test::run_dtsim;

namespace {

std::int64_t ps(double micros) { return std::llround(micros * 1e6); }

json run_and_read_trace(const json& scenario, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/scenario.json";
  std::ofstream(file) << scenario.dump();
  const auto r = run_dtsim({"run", file, "--out", dir + "/out", "-q"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(dtsim::test::read_file(dir + "/out/trace.json"));
}

struct TraceFacts {
  int tracks = 0, spans = 0, collectives = 0, flows = 0, counters = 0;
  std::map<std::string, int> collective_algorithms;  // "allreduce ring" -> count
  std::map<int, std::string> thread_names;           // tid -> name
  std::vector<json> x_events;
};

// Checks what Perfetto needs of every event of `trace` and returns what it found.
TraceFacts check_trace(const json& trace) {
  TraceFacts facts;
  std::map<int, int> pid_of_tid;
  std::set<int> sorted_tids;
  std::map<std::pair<int, int>, std::vector<dtsim::LaneSpan>> by_track;
  std::map<std::pair<int, int>, std::vector<dtsim::LaneSpan>> spans_on;
  std::map<long long, json> starts, finishes;
  std::map<int, double> last_counter;
  for (const json& e : trace.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "M" && e["name"] == "thread_name") {
      const int tid = e["tid"], pid = e["pid"];
      CHECK_MESSAGE(pid_of_tid.count(tid) == 0, "tid " << tid << " named twice (tids are unique across processes)");
      pid_of_tid[tid] = pid;
      facts.thread_names[tid] = e["args"]["name"];
      ++facts.tracks;
    } else if (ph == "M" && e["name"] == "thread_sort_index") {
      sorted_tids.insert(e["tid"].get<int>());
    } else if (ph == "X") {
      const int pid = e["pid"], tid = e["tid"];
      const std::int64_t begin = ps(e["ts"].get<double>()), end = begin + ps(e["dur"].get<double>());
      CHECK(end > begin);
      by_track[{pid, tid}].push_back({begin, end});
      facts.x_events.push_back(e);
      ++facts.spans;
      if (e["cat"] == "collective") {
        ++facts.collectives;
        const json& a = e["args"];
        REQUIRE(a.contains("algorithm"));
        CHECK(a["bytes"].get<double>() > 0);
        CHECK(a["participants"].get<int>() >= 2);
        facts.collective_algorithms[e["name"].get<std::string>() + " " + a["algorithm"].get<std::string>()]++;
      }
    } else if (ph == "s") {
      starts[e["id"].get<long long>()] = e;
    } else if (ph == "f") {
      CHECK(e["bp"] == "e");
      finishes[e["id"].get<long long>()] = e;
    } else if (ph == "C") {
      const double bytes = e["args"]["bytes"];
      CHECK(bytes >= 0);
      last_counter[e["pid"].get<int>()] = bytes;
      ++facts.counters;
    }
  }
  // Every track: named, sorted, in its own process, and its spans nest.
  for (const auto& track : by_track) {
    const int pid = track.first.first, tid = track.first.second;
    INFO("pid " << pid << " tid " << tid);
    REQUIRE(pid_of_tid.count(tid));
    CHECK(pid_of_tid[tid] == pid);
    CHECK(sorted_tids.count(tid));
    CHECK_MESSAGE(dtsim::spans_nest(track.second), "spans overlap without nesting on " << facts.thread_names[tid]);
  }
  // Flows: each start has its finish; both lie inside a span of their track (the slices they bind to).
  auto inside_a_span = [&](const json& e) {
    const std::int64_t t = ps(e["ts"].get<double>());
    for (const dtsim::LaneSpan& s : by_track[{e["pid"].get<int>(), e["tid"].get<int>()}])
      if (s.begin <= t && t < s.end) return true;
    return false;
  };
  CHECK(starts.size() == finishes.size());
  for (const auto& start : starts) {
    INFO("flow " << start.first);
    REQUIRE(finishes.count(start.first));
    CHECK(inside_a_span(start.second));
    CHECK(inside_a_span(finishes[start.first]));
    ++facts.flows;
  }
  for (const auto& last : last_counter) CHECK_MESSAGE(last.second == 0, "bytes in flight of pid " << last.first);
  return facts;
}

}  // namespace

TEST_CASE("trace: lanes nest overlapping spans, and the checker catches spans that do not nest") {
  using dtsim::LaneSpan;
  // A collective [0, 10) with a send [0, 6) and a receive [1, 8) overlapping it: the send nests in the
  // collective, the receive crosses the send's end and goes to a second lane; [10, 12) follows on lane 0.
  const std::vector<LaneSpan> spans = {{0, 10}, {0, 6}, {1, 8}, {10, 12}};
  CHECK(dtsim::assign_lanes(spans) == std::vector<int>{0, 0, 1, 0});
  CHECK(dtsim::spans_nest({{0, 10}, {0, 6}, {6, 10}, {10, 12}}));
  CHECK_FALSE(dtsim::spans_nest({{0, 6}, {1, 8}}));
  CHECK_FALSE(dtsim::spans_nest(spans));
  // Whatever the overlap, each lane nests.
  std::vector<LaneSpan> many;
  for (int i = 0; i < 50; ++i) many.push_back({(i * 7) % 23, (i * 7) % 23 + 1 + (i * 13) % 17});
  const std::vector<int> lanes = dtsim::assign_lanes(many);
  std::map<int, std::vector<LaneSpan>> per_lane;
  for (std::size_t i = 0; i < many.size(); ++i) per_lane[lanes[i]].push_back(many[i]);
  CHECK(per_lane.size() > 1);
  for (const auto& lane : per_lane) CHECK(dtsim::spans_nest(lane.second));
}

TEST_CASE("trace: with DDP buckets, communication has its own track beside compute and every track nests") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(4);
  s["workload"] = {{"model", "resnet50"}, {"fusion", {{"policy", "ddp"}, {"bucket_cap", "25MB"}}},
                   {"compute_time", "100ms"}};
  s["run"]["iterations"] = 2;
  s["output"]["trace"] = true;
  const TraceFacts f = check_trace(run_and_read_trace(s, dir));
  CHECK(f.collectives > 0);
  CHECK(f.collective_algorithms.count("allreduce ring"));
  CHECK(f.flows > 0);
  CHECK(f.counters > 0);
  // The compute track holds compute only; some bucket allreduce runs while the rank computes.
  std::map<int, std::vector<std::pair<double, double>>> compute, comm;  // per rank
  for (const json& e : f.x_events) {
    const std::string track = f.thread_names.at(e["tid"].get<int>());
    const int rank = std::stoi(track.substr(5));  // "rank N ..."
    const double b = e["ts"], d = e["dur"];
    if (track.find(" compute") != std::string::npos) {
      CHECK(e["name"] == "compute");
      compute[rank].push_back({b, b + d});
    } else if (e["cat"] == "collective") {
      comm[rank].push_back({b, b + d});
    }
  }
  bool overlapped = false;
  for (const auto& x : comm[0])
    for (const auto& c : compute[0]) overlapped = overlapped || (x.first < c.second && c.first < x.second);
  CHECK(overlapped);
}

TEST_CASE("trace: parameter servers, gossip, failures and hierarchical allreduce nest on every track") {
  SUBCASE("parameter server") {
    json s = dtsim::test::base_scenario(4);
    s["algorithm"] = {{"name", "parameter_server"}, {"servers", 2}};
    s["output"]["trace"] = true;
    const TraceFacts f = check_trace(run_and_read_trace(s, dtsim::test::make_temp_dir()));
    CHECK(f.spans > 0);
    CHECK(f.counters > 0);
    bool server_track = false;
    for (const auto& t : f.thread_names) server_track = server_track || t.second.rfind("server ", 0) == 0;
    CHECK(server_track);
  }
  SUBCASE("decentralized") {
    json s = dtsim::test::base_scenario(6);
    s["algorithm"] = {{"name", "dsgd"}, {"graph", {{"name", "complete"}}}};
    s["output"]["trace"] = true;
    const TraceFacts f = check_trace(run_and_read_trace(s, dtsim::test::make_temp_dir()));
    CHECK(f.collective_algorithms.at("neighbor_allreduce gossip") == 6 * 3);  // 6 ranks x 3 iterations
    CHECK(f.flows > 0);
  }
  SUBCASE("failures and checkpoints") {
    json s = dtsim::test::base_scenario(4);
    s["run"] = {{"iterations", 6}, {"warmup_iterations", 0},
                {"recovery", {{"policy", "checkpoint_restart"}, {"interval", 2}, {"checkpoint_time", "5ms"},
                              {"detection_time", "2ms"}, {"restart_time", "3ms"}}}};
    s["failures"] = {{"events", {{{"at", "45ms"}, {"machine", 1}}}}, {"repair_time", "10ms"}};
    s["output"]["trace"] = true;
    const TraceFacts f = check_trace(run_and_read_trace(s, dtsim::test::make_temp_dir()));
    bool job = false;
    for (const auto& t : f.thread_names) job = job || t.second == "job";
    CHECK(job);
  }
  SUBCASE("hierarchical allreduce on 4-GPU machines: nested collectives") {
    json s = dtsim::test::base_scenario(2);
    s["cluster"]["gpus_per_node"] = 4;
    s["algorithm"] = {{"name", "allreduce"}, {"collective", "hierarchical"}};
    s["output"]["trace"] = true;
    const TraceFacts f = check_trace(run_and_read_trace(s, dtsim::test::make_temp_dir()));
    CHECK(f.collective_algorithms.at("allreduce hierarchical") == 8 * 3);  // 8 ranks x 3 iterations
    CHECK(f.collective_algorithms.at("allreduce ring") == 8 * 3);  // the inner one, across machines
    // Each rank: the intra-node reduce-scatter and allgather, and those of the inner ring allreduce.
    CHECK(f.collective_algorithms.at("reduce_scatter ring") == 2 * 8 * 3);
    CHECK(f.collective_algorithms.at("allgather ring") == 2 * 8 * 3);
  }
}

TEST_CASE("trace: output.trace \"gzip\" writes trace.json.gz holding the same trace") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(3);
  s["output"]["trace"] = true;
  const std::string plain = run_and_read_trace(s, dir + "/plain").dump();
  s["output"]["trace"] = "gzip";
  const std::string file = dir + "/gz.json";
  std::ofstream(file) << s.dump();
  REQUIRE(run_dtsim({"run", file, "--out", dir + "/gz", "-q"}).exit_code == 0);
  CHECK_FALSE(dtsim::test::file_exists(dir + "/gz/trace.json"));
  REQUIRE(dtsim::test::file_exists(dir + "/gz/trace.json.gz"));
  const std::string compressed = dtsim::test::read_file(dir + "/gz/trace.json.gz");
  CHECK(compressed.substr(0, 2) == "\x1f\x8b");  // the gzip magic
  gzFile in = gzopen((dir + "/gz/trace.json.gz").c_str(), "rb");
  REQUIRE(in != nullptr);
  std::string text;
  char buffer[1 << 14];
  for (int n; (n = gzread(in, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  gzclose(in);
  CHECK(json::parse(text).dump() == plain);
  CHECK(compressed.size() * 3 < text.size());
  // A wrong value names what is allowed.
  s["output"]["trace"] = "zip";
  std::ofstream(file) << s.dump();
  const auto bad = run_dtsim({"run", file, "--out", dir + "/bad", "-q"});
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("/output/trace: \"zip\" is not allowed; allowed: true, false, \"gzip\"") != std::string::npos);
}
