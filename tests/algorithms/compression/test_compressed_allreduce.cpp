// Compressed allreduce (algorithm.compression.collective "compressed_allreduce") and the min-max
// quantizer: min-max against its definition; the compressed ring's result against a straightforward
// reference of the same quantize-sum-requantize order computed here (float, the same operation order:
// bit for bit), with and without error feedback, over several steps; the error-feedback telescoping
// identity; bytes per rank and iteration time against the closed forms (exact alpha-beta model) at 64
// ranks for 8-bit min-max, 1-bit sign and QSGD, and for the hierarchical variant; bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <simgrid/s4u.hpp>

#include "algorithms/collectives/runner.h"
#include "algorithms/compression/compressed_allreduce.h"
#include "algorithms/compression/compressor.h"
#include "sim/app/child_process.h"
#include "sim/engine/load_scenario.h"
#include "sim/engine/network_tiers.h"
#include "sim/engine/recorder.h"
#include "sim/engine/simgrid_setup.h"
#include "sim/plugin/physical_topology.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using dtsim::CompressionKey;
using dtsim::CompressionSpec;
namespace sg4 = simgrid::s4u;

CompressionSpec spec(const std::string& kind, bool ef, int bits = 8, int levels = 16) {
  CompressionSpec c;
  c.kind = kind;
  c.bits = bits;
  c.levels = levels;
  c.error_feedback = ef;
  c.collective = "compressed_allreduce";
  return c;
}

// Rank r's gradient at `step`: mixed signs and magnitudes, different on every rank and step.
std::vector<float> gradient(int r, int step, std::size_t d) {
  std::vector<float> g(d);
  for (std::size_t k = 0; k < d; ++k)
    g[k] = static_cast<float>(std::sin(0.37 * static_cast<double>(k) + 1.3 * r + 0.7 * step) *
                              (1.0 + 0.01 * static_cast<double>(k % 97)));
  return g;
}

constexpr std::uint64_t kSeed = 17;

// Runs `steps` compressed allreduces of d-float gradients on the scenario's platform (in a child):
// every rank's last result and residual, and the simulated time of the last step.
json run_ring(const json& document, const CompressionSpec& c, std::size_t d, int steps, bool hierarchical) {
  dtsim::ScenarioResult parsed = dtsim::parse_scenario(document);
  REQUIRE(parsed.ok());
  const dtsim::Scenario scenario = parsed.scenario;
  json r = dtsim::run_in_child_process([&] {
    std::unique_ptr<sg4::Engine> engine = dtsim::start_simgrid("dtsim-test", scenario);
    const int p = scenario.cluster.ranks();
    dtsim::Recorder recorder(false);
    dtsim::Cluster cluster{scenario, {}, p, recorder};
    cluster.hosts = dtsim::PhysicalTopologyRegistry::create(scenario.network.topology, scenario.network.topology_options)
                        ->build(scenario, 0);
    dtsim::install_network_tiers(*engine, scenario.network);
    const auto compressor = dtsim::make_compressor(c, 4);
    std::vector<int> group(p);
    for (int i = 0; i < p; ++i) group[i] = i;
    json results = json::array(), residuals = json::array();
    std::vector<std::vector<float>> result(p), residual(p);
    std::vector<double> begin(p), end(p);
    for (int rank = 0; rank < p; ++rank)
      sg4::Actor::create("rank" + std::to_string(rank), cluster.hosts[rank], [&, rank] {
        dtsim::RankContext ctx(cluster, rank);
        for (int step = 0; step < steps; ++step) {
          ctx.begin_iteration(step);
          begin[rank] = ctx.now();
          dtsim::Message data{4.0 * static_cast<double>(d), gradient(rank, step, d)};
          std::vector<float>* e = c.error_feedback ? &residual[rank] : nullptr;
          if (hierarchical)
            dtsim::compressed_allreduce_hierarchical(ctx, group, *compressor, data, kSeed, step, e,
                                                     dtsim::Fidelity::Step);
          else
            dtsim::compressed_allreduce_ring(ctx, group, *compressor, data, kSeed, step, e);
          ctx.end_iteration();
          end[rank] = ctx.now();
          result[rank] = data.values;
        }
      });
    engine->run();
    for (int rank = 0; rank < p; ++rank) {
      results.push_back(result[rank]);
      residuals.push_back(residual[rank]);
    }
    return json{{"results", results}, {"residuals", residuals},
                {"time", *std::max_element(end.begin(), end.end()) - *std::min_element(begin.begin(), begin.end())}};
  });
  if (r.contains("error")) FAIL("simulation failed: " << r["error"].get<std::string>());
  return r;
}

// The reference: chunk c (c = 0..p-1, as a ring allreduce cuts d floats) starts at rank c+1, goes
// through ranks c+2, ..., c-1 and ends at its owner c; each rank decodes what it receives, adds its own
// chunk (float, in that order), adds its residual for the chunk, encodes, and keeps what the encoding
// dropped; the owner's encoding is what every rank decodes. Returns the decoded sums of the last step.
// `bound` (min-max only), when given: per entry of the last step, the sum over the p encodings of its
// chunk of half their quantization step, (max - min) / (2 (2^bits - 1)).
std::vector<float> reference_ring(const CompressionSpec& c, int p, std::size_t d, int steps,
                                  std::vector<std::vector<float>>& residual, std::vector<double>* bound = nullptr) {
  const auto compressor = dtsim::make_compressor(c, 4);
  residual.assign(p, std::vector<float>(d, 0.0f));
  const dtsim::Message whole{4.0 * static_cast<double>(d), std::vector<float>(d)};
  std::vector<std::size_t> offset(p), length(p);
  for (int i = 0; i < p; ++i) {  // the first d mod p chunks get one more
    length[i] = d / p + (static_cast<std::size_t>(i) < d % p ? 1 : 0);
    offset[i] = i == 0 ? 0 : offset[i - 1] + length[i - 1];
  }
  auto key = [&](int rank, int chunk, int step) { return CompressionKey{kSeed, rank * p + chunk, step}; };
  std::vector<float> sum(d);
  for (int step = 0; step < steps; ++step) {
    std::vector<std::vector<float>> g(p);
    for (int r = 0; r < p; ++r) g[r] = gradient(r, step, d);
    for (int ch = 0; ch < p; ++ch) {
      auto slice = [&](const std::vector<float>& v) {
        return std::vector<float>(v.begin() + static_cast<std::ptrdiff_t>(offset[ch]),
                                  v.begin() + static_cast<std::ptrdiff_t>(offset[ch] + length[ch]));
      };
      std::vector<float> block;
      int sender = -1;
      for (int hop = 1; hop <= p; ++hop) {
        const int r = (ch + hop) % p;  // hop p: the owner
        std::vector<float> x = slice(g[r]);
        if (sender >= 0) {
          std::vector<float> partial(length[ch], 0.0f);
          if (length[ch] > 0) compressor->decode_add(block, key(sender, ch, step), partial);  // empty: no block
          for (std::size_t k = 0; k < x.size(); ++k) partial[k] += x[k];
          x = partial;
        }
        if (c.error_feedback)
          for (std::size_t k = 0; k < x.size(); ++k) x[k] += residual[r][offset[ch] + k];
        const dtsim::Compressed out = compressor->compress(x, 4.0 * static_cast<double>(length[ch]), key(r, ch, step));
        if (c.error_feedback)
          for (std::size_t k = 0; k < x.size(); ++k) residual[r][offset[ch] + k] = x[k] - out.decoded[k];
        block = out.payload;
        sender = r;
        if (bound && step == steps - 1) {
          if (bound->size() != d) bound->assign(d, 0.0);
          const double half_step = (static_cast<double>(block[1]) - block[0]) / (2 * (std::ldexp(1.0, c.bits) - 1));
          for (std::size_t k = 0; k < length[ch]; ++k) (*bound)[offset[ch] + k] += half_step;
        }
      }
      std::vector<float> decoded(length[ch], 0.0f);
      if (length[ch] > 0) compressor->decode_add(block, key(ch, ch, step), decoded);
      std::copy(decoded.begin(), decoded.end(), sum.begin() + static_cast<std::ptrdiff_t>(offset[ch]));
    }
  }
  return sum;
}

}  // namespace

TEST_CASE("compressed allreduce: min-max quantization against its definition") {
  const std::size_t d = 1001;
  std::vector<float> g = gradient(3, 1, d);
  const float low = *std::min_element(g.begin(), g.end()), high = *std::max_element(g.begin(), g.end());
  for (int bits : {1, 4, 8, 16}) {
    CompressionSpec c = spec("minmax", false, bits);
    const auto q = dtsim::make_compressor(c, 4);
    const dtsim::Compressed out = q->compress(g, 4.0 * d, {});
    REQUIRE(out.payload.size() == d + 2);
    CHECK(out.payload[0] == low);
    CHECK(out.payload[1] == high);
    const double step = (static_cast<double>(high) - low) / (std::ldexp(1.0, bits) - 1);
    double worst = 0;
    for (std::size_t i = 0; i < d; ++i) {
      const float level = out.payload[2 + i];
      CHECK(level == std::round(level));
      CHECK(level >= 0);
      CHECK(level <= std::ldexp(1.0, bits) - 1);
      // the nearest level: |g - decoded| <= step / 2 (plus the float rounding of the decoded value)
      worst = std::max(worst, std::fabs(static_cast<double>(g[i]) - out.decoded[i]) /
                                  (step / 2 + std::fabs(static_cast<double>(g[i])) * std::ldexp(1.0, -23)));
      CHECK(out.decoded[i] == static_cast<float>(low + level * step));
    }
    INFO("bits " << bits << " worst error in units of step / 2: " << worst);
    CHECK(worst <= 1.0);
    CHECK(q->wire_bytes(static_cast<double>(d)) == 8 + std::ceil(static_cast<double>(d) * bits / 8));
  }
  // The extremes decode exactly; a constant block decodes to itself.
  const dtsim::Compressed out = dtsim::make_compressor(spec("minmax", false), 4)->compress(g, 4.0 * d, {});
  CHECK(*std::min_element(out.decoded.begin(), out.decoded.end()) == low);
  CHECK(*std::max_element(out.decoded.begin(), out.decoded.end()) == doctest::Approx(high).epsilon(1e-7));
  const std::vector<float> flat(10, -2.5f);
  CHECK(dtsim::make_compressor(spec("minmax", false), 4)->compress(flat, 40, {}).decoded == flat);
}

TEST_CASE("compressed allreduce: the ring equals the reference quantize-sum-requantize order bit for bit") {
  // p = 5 ranks, d = 1003 (chunks of 201 and 200), 3 steps so that residuals carry over; and d = 3,
  // fewer entries than ranks, so that two chunks are empty.
  const int p = 5, steps = 3;
  const json scenario = dtsim::test::base_scenario(p);
  for (const std::size_t entries : {std::size_t{1003}, std::size_t{3}})
    for (const CompressionSpec& c : {spec("minmax", false), spec("minmax", true, 4), spec("sign", true),
                                     spec("qsgd", false, 8, 4), spec("qsgd", true, 8, 16)}) {
      std::vector<std::vector<float>> residual;
      const std::vector<float> expected = reference_ring(c, p, entries, steps, residual);
      const json r = run_ring(scenario, c, entries, steps, false);
      INFO(c.kind << " error feedback " << c.error_feedback << " bits " << c.bits << " levels " << c.levels
                  << " entries " << entries);
      for (int rank = 0; rank < p; ++rank) {
        CHECK(r["results"][rank].get<std::vector<float>>() == expected);  // every replica: the same bits
        if (c.error_feedback) CHECK(r["residuals"][rank].get<std::vector<float>>() == residual[rank]);
      }
    }
  const std::size_t d = 1003;
  // 8-bit min-max without error feedback is the exact sum up to the p roundings of each chunk (hops and
  // owner), each at most half its block's quantization step, plus float rounding (2^-20 relative slack).
  const CompressionSpec c = spec("minmax", false);
  std::vector<std::vector<float>> unused;
  std::vector<double> bound;
  const std::vector<float> sum = reference_ring(c, p, d, 1, unused, &bound);
  double worst = 0;
  for (std::size_t k = 0; k < d; ++k) {
    double exact = 0;
    for (int q = 0; q < p; ++q) exact += gradient(q, 0, d)[k];
    worst = std::max(worst, std::fabs(sum[k] - exact) / (bound[k] * (1 + std::ldexp(1.0, -20)) + std::ldexp(1.0, -20)));
  }
  INFO("worst |compressed sum - exact sum| in units of the summed half-steps: " << worst);
  CHECK(worst <= 1.0);
  CHECK(worst >= 0.05);  // the bound is not vacuous
}

TEST_CASE("compressed allreduce: error feedback telescopes: sum + new residuals = gradients + old residuals") {
  // One step from zero residuals: decoded sum + sum_r e_r = sum_r g_r, up to the float roundings of
  // each hop (a few ulps of the partial sums; checked to 1e-5 of the largest entry).
  const int p = 4;
  const std::size_t d = 400;
  for (const CompressionSpec& c : {spec("sign", true), spec("minmax", true, 2)}) {
    std::vector<std::vector<float>> residual;
    const std::vector<float> sum = reference_ring(c, p, d, 1, residual);
    double worst = 0, scale = 0;
    for (std::size_t k = 0; k < d; ++k) {
      double lhs = sum[k], rhs = 0;
      for (int r = 0; r < p; ++r) {
        lhs += residual[r][k];
        rhs += gradient(r, 0, d)[k];
      }
      worst = std::max(worst, std::fabs(lhs - rhs));
      scale = std::max(scale, std::fabs(rhs));
    }
    INFO(c.kind << " worst |sum + residuals - gradients| " << worst << " of " << scale);
    CHECK(worst <= 1e-5 * scale);
  }
}

// ---------------------------------------------------------------------------------------------
// Timing inside training: 64 ranks on a 10 Gbps switch, 5 us links, d = 1,024,000 (64 x 16,000).

namespace {

constexpr double kLatency = 5e-6, kAlpha = 2 * kLatency, kBandwidth = 1.25e9, kBeta = 1 / kBandwidth;
constexpr double kParams = 1024000, kDense = 4 * kParams, kCompute = 0.01;

json timing_scenario(const json& compression, int nodes, const std::string& collective = "ring") {
  json s = dtsim::test::base_scenario(nodes);
  s["network"]["bandwidth"] = kBandwidth;
  s["network"]["latency"] = kLatency;
  s["workload"] = {{"params", static_cast<long long>(kParams)}, {"bytes_per_param", 4}, {"compute_time", kCompute}};
  s["run"] = {{"iterations", 2}, {"warmup_iterations", 1}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", collective}};
  if (!compression.is_null()) s["algorithm"]["compression"] = compression;
  return s;
}

double relative(double got, double expected) { return std::fabs(got - expected) / expected; }

}  // namespace

TEST_CASE("compressed allreduce: 8-bit, 1-bit and QSGD at 64 ranks follow 2(p-1)(alpha + c beta)") {
  const int p = 64;
  const double chunk = kParams / p;  // 16,000 parameters
  const json dense = dtsim::test::simulate(timing_scenario(nullptr, p));
  const double dense_bytes = dense["bytes_sent_per_rank_per_iteration"].get<double>();
  CHECK(dense_bytes == doctest::Approx(2 * kDense * (p - 1) / p).epsilon(1e-12));
  struct Case {
    json compression;
    double block;  // wire bytes of one chunk
  };
  for (const Case& k : {Case{{{"kind", "minmax"}}, 8 + chunk},  // min, max + one byte per entry
                        Case{{{"kind", "minmax"}, {"bits", 4}}, 8 + chunk / 2},
                        Case{{{"kind", "sign"}, {"collective", "compressed_allreduce"}}, 4 + chunk / 8},
                        Case{{{"kind", "qsgd"}, {"levels", 127}, {"collective", "compressed_allreduce"}}, 4 + chunk}}) {
    const json r = dtsim::test::simulate(timing_scenario(k.compression, p));
    const double expected = kCompute + 2 * (p - 1) * (kAlpha + k.block * kBeta);
    const double got = r["iteration_time_s"].get<double>();
    const double sent = r["bytes_sent_per_rank_per_iteration"].get<double>();
    INFO(k.compression.dump() << " iteration expected " << expected << " got " << got << " relative error "
                              << relative(got, expected) << "; bytes per rank " << sent << " (dense " << dense_bytes
                              << ", ratio " << sent / dense_bytes << ")");
    CHECK(relative(got, expected) <= 1e-6);
    CHECK(sent == doctest::Approx(2 * (p - 1) * k.block).epsilon(1e-12));
    json options = k.compression;  // with the keys every scheme reads (the scenario reader fills them in)
    options.update({{"error_feedback", false}, {"momentum_correction", false}, {"compute_time", 0}});
    const auto c = dtsim::make_compressor(k.compression["kind"].get<std::string>(), dtsim::OptionValues(options), 4);
    CHECK(relative(kCompute + dtsim::compressed_allreduce_ring_time(*c, p, kParams, kAlpha, kBeta), expected) <= 1e-12);
    for (int me : {0, 17}) CHECK(dtsim::compressed_allreduce_ring_bytes(*c, p, kParams, me) == sent);
  }
  // 8-bit: n/4 x 2(p-1)/p plus two 4-byte scales per chunk sent, about a quarter of the fp32 ring.
  const json byte = dtsim::test::simulate(timing_scenario({{"kind", "minmax"}}, p));
  const double sent = byte["bytes_sent_per_rank_per_iteration"].get<double>();
  CHECK(sent == doctest::Approx(kDense / 4 * 2 * (p - 1) / p + 2 * (p - 1) * 8).epsilon(1e-12));
  CHECK(sent / dense_bytes == doctest::Approx(0.25).epsilon(0.001));
}

TEST_CASE("compressed allreduce: the hierarchical variant costs two intra-machine rings and a compressed ring") {
  // 4 machines x 4 GPUs: 2(g-1)(alpha_l + n/g beta_l) + 2(N-1)(alpha + c' max(beta_l, g beta)), with
  // c' = 8 + d/(gN) for 8-bit min-max.
  const int nodes = 4, g = 4;
  json s = timing_scenario({{"kind", "minmax"}}, nodes, "hierarchical");
  s["cluster"]["gpus_per_node"] = g;
  s["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}};
  const json r = dtsim::test::simulate(s);
  dtsim::ScenarioResult parsed = dtsim::parse_scenario(s);
  REQUIRE(parsed.ok());
  const dtsim::CostModel m = dtsim::cost_model(parsed.scenario, kDense);
  const double c = 8 + kParams / (g * nodes);
  const double expected = kCompute + 2 * (g - 1) * (m.alpha_local + kDense / g * m.beta_local) +
                          2 * (nodes - 1) * (m.alpha + c * std::max(m.beta_local, g * m.beta));
  const double got = r["iteration_time_s"].get<double>();
  INFO("expected " << expected << " got " << got);
  CHECK(relative(got, expected) <= 1e-6);
}

TEST_CASE("compressed allreduce: hierarchical numerics sum full precision inside machines") {
  // 2 machines x 2 GPUs: every replica gets the same bits, and the result is the exact sum of the 4
  // gradients up to the 8-bit roundings of the compressed ring between the 2 machines (within 2 % of
  // the largest entry; the partial sums here do not cancel much).
  json s = dtsim::test::base_scenario(2);
  s["cluster"]["gpus_per_node"] = 2;
  const std::size_t d = 64;
  const json r = run_ring(s, spec("minmax", false), d, 1, true);
  std::vector<double> exact(d, 0.0);
  for (int q = 0; q < 4; ++q) {
    const std::vector<float> gq = gradient(q, 0, d);
    for (std::size_t k = 0; k < d; ++k) exact[k] += gq[k];
  }
  double span = 0;
  for (double v : exact) span = std::max(span, std::fabs(v));
  for (int rank = 0; rank < 4; ++rank) {
    const auto got = r["results"][rank].get<std::vector<float>>();
    CHECK(got == r["results"][0].get<std::vector<float>>());
    for (std::size_t k = 0; k < d; ++k) CHECK(std::fabs(got[k] - exact[k]) <= 0.02 * span);
  }
}

// ---------------------------------------------------------------------------------------------
// Bad input

TEST_CASE("compressed allreduce: bad input names the JSON path") {
  auto errors = [](const json& s) { return dtsim::parse_scenario(s).errors; };
  auto has = [](const std::vector<std::string>& e, const std::string& prefix) {
    return std::any_of(e.begin(), e.end(), [&](const std::string& x) { return x.rfind(prefix, 0) == 0; });
  };
  auto e = errors(timing_scenario({{"kind", "minmax"}}, 8, "rabenseifner"));
  INFO(json(e).dump());
  CHECK(has(e, "/algorithm/collective: \"rabenseifner\" has no meaning with compression \"minmax\""));
  CHECK(errors(timing_scenario({{"kind", "minmax"}, {"collective", "allgather"}}, 8)).empty());
  CHECK(errors(timing_scenario({{"kind", "minmax"}}, 8, "hierarchical")).empty());
  CHECK(has(errors(timing_scenario({{"kind", "minmax"}, {"bits", 0}}, 8)), "/algorithm/compression/bits"));
  CHECK(has(errors(timing_scenario({{"kind", "minmax"}, {"bits", 17}}, 8)), "/algorithm/compression/bits"));
  CHECK(has(errors(timing_scenario({{"kind", "qsgd"}, {"collective", "tree"}}, 8)), "/algorithm/compression/collective"));
  CHECK(has(errors(timing_scenario({{"kind", "topk"}, {"collective", "compressed_allreduce"}}, 8)),
            "/algorithm/compression/collective"));
}
