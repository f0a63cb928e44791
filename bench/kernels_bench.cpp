// Throughput of the numerics: MLP 784-256-128-10 gradient steps per second at 8 and 64 ranks,
// one rank at a time vs compute_all_gradients (stacked + threaded), as a fraction of the Eigen
// GEMM rate measured on this machine, plus peak memory. Where a GPU is usable, the same steps on
// the CUDA backend at 8, 64 and 512 ranks, each checked against the CPU on the first step.
// Runs in well under a minute.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/replica_set.h"

using namespace dtsim::kernels;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Single-threaded float GEMM rate on a shape like the MLP's first layer over a stacked batch.
double gemm_gflops() {
  const Matrix W = Matrix::Random(256, 784), X = Matrix::Random(784, 512);
  Matrix Z(256, 512);
  int reps = 0;
  const auto t0 = Clock::now();
  do {
    Z.noalias() = W * X;
    ++reps;
  } while (seconds_since(t0) < 1.0);
  const double t = seconds_since(t0);
  std::printf("# (checksum %g)\n", double(Z(0, 0)));
  return 2.0 * 256 * 784 * 512 * reps / t / 1e9;
}

// Rank-steps (one rank's gradient on its batch) per second of `body`, run for ~min_seconds.
template <class F>
double rank_steps_per_second(int ranks_per_call, double min_seconds, F&& body) {
  body(0);  // warm-up (allocations, first epoch shuffle)
  std::int64_t calls = 0;
  const auto t0 = Clock::now();
  do body(++calls);
  while (seconds_since(t0) < min_seconds);
  return double(calls) * ranks_per_call / seconds_since(t0);
}

// The benchmarked replicas: MLP 784-256-128-10 (or softmax regression), batch 32 per rank, the
// global-shuffle partition, on the CPU unless the caller says otherwise.
ReplicaSpec bench_spec(ModelKind kind, int ranks) {
  ReplicaSpec spec;
  spec.model.kind = kind;
  spec.model.hidden = {256, 128};
  spec.partition.kind = PartitionKind::global_shuffle;
  spec.ranks = ranks;
  spec.batch_size = 32;
  spec.backend = Backend::cpu;
  return spec;
}

// Per-rank relative L2 difference between two sets of gradients: the median, the largest, and how
// many ranks differ by more than 1e-5. ReLU networks have kinks: a pre-activation within rounding
// of zero takes the other branch on the other device and moves that rank's gradient by ~1e-3, so
// the largest alone says little; the median and the count say how often it happens.
struct Agreement {
  double median = 0, largest = 0, loss = 0;
  int over_1e5 = 0;
};
Agreement compare(const std::vector<GradientResult>& a, const std::vector<GradientResult>& b) {
  Agreement result;
  std::vector<double> diffs;
  for (std::size_t r = 0; r < a.size(); ++r) {
    const double scale = std::max(1e-30, double(b[r].gradient.norm()));
    diffs.push_back(double((a[r].gradient - b[r].gradient).norm()) / scale);
    result.over_1e5 += diffs.back() > 1e-5;
    result.loss = std::max(result.loss, std::abs(double(a[r].loss) - double(b[r].loss)));
  }
  std::sort(diffs.begin(), diffs.end());
  result.median = diffs[diffs.size() / 2];
  result.largest = diffs.back();
  return result;
}

// The CUDA backend against the CPU: rank-steps per second, and the first step's agreement, for the
// MLP and for softmax regression (no ReLU, so no kinks).
void gpu_rows(const std::shared_ptr<const DataBundle>& data, double cpu_gemm) {
  const auto status = cuda::device_status();
  std::printf("# CUDA: %s\n", status.message.c_str());
  if (!status.usable()) return;
  std::printf("%-6s %-5s %-30s %12s %9s %8s %10s %10s %8s %9s\n", "ranks", "batch", "mode", "rank-steps/s", "GFLOP/s",
              "x 1-core", "grad med", "grad max", ">1e-5", "loss max");
  for (ModelKind kind : {ModelKind::mlp, ModelKind::softmax_regression}) {
    for (int ranks : {8, 64, 512}) {
      ReplicaSpec spec = bench_spec(kind, ranks);
      spec.threads = 1;
      for (bool distinct : {false, true}) {
        spec.backend = Backend::cpu;
        ReplicaSet cpu(spec, data);
        spec.backend = Backend::cuda;
        ReplicaSet gpu(spec, data);
        if (distinct) {
          for (int r = 1; r < ranks; ++r) {  // decentralized: all differ
            cpu.params(r)[0] += 1e-3f * r;
            gpu.params(r)[0] += 1e-3f * r;
          }
        }
        std::vector<GradientResult> on_cpu, on_gpu;
        cpu.compute_all_gradients(0, on_cpu);
        gpu.compute_all_gradients(0, on_gpu);
        const Agreement agreement = compare(on_gpu, on_cpu);
        const double rate =
            rank_steps_per_second(ranks, 2.0, [&](std::int64_t s) { gpu.compute_all_gradients(s, on_gpu); });
        const double gflops = rate * spec.batch_size * gpu.flops_per_sample() / 1e9;
        char mode[64];
        std::snprintf(mode, sizeof mode, "cuda %s, %s params", kind == ModelKind::mlp ? "mlp" : "softmax",
                      distinct ? "distinct" : "shared");
        std::printf("%-6d %-5lld %-30s %12.1f %9.1f %7.1fx %10.1e %10.1e %4d/%-4d %9.1e\n", ranks,
                    (long long)spec.batch_size, mode, rate, gflops, gflops / cpu_gemm, agreement.median,
                    agreement.largest, agreement.over_1e5, ranks, agreement.loss);
      }
    }
  }
}

}  // namespace

int main() {
  DatasetSpec ds;
  ds.test_limit = 1;
  const auto t_load = Clock::now();
  auto data = std::make_shared<const DataBundle>(load_dataset(ds));
  std::printf("# Fashion-MNIST loaded in %.2f s\n", seconds_since(t_load));

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const double gemm = gemm_gflops();
  std::printf("# Eigen float GEMM 256x784x512, 1 thread: %.1f GFLOP/s; %d hardware threads\n", gemm, cores);
  std::printf("%-6s %-5s %-34s %14s %12s %10s %12s\n", "ranks", "batch", "mode", "rank-steps/s", "GFLOP/s",
              "of 1-core", "of all-core");

  for (int ranks : {8, 64}) {
    ReplicaSpec spec = bench_spec(ModelKind::mlp, ranks);
    const double seconds = ranks == 8 ? 1.5 : 3.0;
    auto report = [&](const char* mode, double rate, double flops_per_sample) {
      const double gflops = rate * spec.batch_size * flops_per_sample / 1e9;
      std::printf("%-6d %-5lld %-34s %14.1f %12.1f %9.0f%% %11.0f%%\n", ranks, (long long)spec.batch_size, mode, rate,
                  gflops, 100 * gflops / gemm, 100 * gflops / (gemm * cores));
    };
    for (int threads : {1, cores}) {
      spec.threads = threads;
      ReplicaSet set(spec, data);
      const double fps = set.flops_per_sample();
      if (threads == 1) {
        report("one at a time (compute_gradient)", rank_steps_per_second(ranks, seconds, [&](std::int64_t s) {
                 for (int r = 0; r < ranks; ++r) set.compute_gradient(r, s);
               }), fps);
      }
      std::vector<GradientResult> out;  // reused across steps, as a simulation would
      char mode[64];
      std::snprintf(mode, sizeof mode, "all, shared params, %d thr", threads);
      report(mode, rank_steps_per_second(ranks, seconds, [&](std::int64_t s) { set.compute_all_gradients(s, out); }), fps);
      for (int r = 1; r < ranks; ++r) set.params(r)[0] += 1e-3f * r;  // decentralized: all differ
      std::snprintf(mode, sizeof mode, "all, distinct params, %d thr", threads);
      report(mode, rank_steps_per_second(ranks, seconds, [&](std::int64_t s) { set.compute_all_gradients(s, out); }), fps);
    }
  }
  gpu_rows(data, gemm);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("# peak RSS: %.0f MiB (Fashion-MNIST train set as float: %.0f MiB)\n", usage.ru_maxrss / 1024.0,
              60000.0 * 784 * 4 / (1 << 20));
  return 0;
}
