#pragma once
// The numerics of N simulated ranks, driven by the simulator: each rank has a parameter
// vector, an optimizer state and a mini-batch sampler over its shard of the training set.
// Gradients are pure functions of (the rank's parameters, rank, step), so the simulator may
// compute them in any order, one rank at a time or all at once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/data_loader.h"
#include "kernels/dense_network.h"
#include "kernels/optimizer.h"
#include "kernels/partition.h"
#include "kernels/sampler.h"
#include "kernels/specs.h"

namespace dtsim::kernels {

namespace cuda {
class DenseNetworkGpu;
}

struct GradientResult {
  float loss = 0;    // mean training loss of the mini-batch (before the update)
  Vector gradient;   // size num_params()
  Index samples = 0;
};

class ReplicaSet {
 public:
  // `data` is shared so that several replica sets (e.g. a sweep, or tests) load it once.
  // Throws std::invalid_argument on inconsistent specs, std::runtime_error when backend "cuda"
  // is asked for and no device is usable.
  ReplicaSet(const ReplicaSpec& spec, std::shared_ptr<const DataBundle> data);
  ~ReplicaSet();

  int size() const { return spec_.ranks; }
  const ReplicaSpec& spec() const { return spec_; }
  const Model& model() const { return *model_; }
  const DenseLayout& layout() const { return model_->layout(); }  // where each layer lies in params
  Index num_params() const { return model_->num_params(); }
  double flops_per_sample() const { return model_->flops_per_sample(); }
  Backend backend() const { return backend_; }           // cpu or cuda after resolving "auto"
  const std::string& backend_note() const { return backend_note_; }  // why that backend
  const DataBundle& data() const { return *data_; }
  const Shards& shards() const { return shards_; }

  Vector& params(int rank) { return params_.at(static_cast<std::size_t>(rank)); }
  const Vector& params(int rank) const { return params_.at(static_cast<std::size_t>(rank)); }
  void set_all_params(const Vector& p);
  Optimizer& optimizer(int rank) { return optimizers_.at(static_cast<std::size_t>(rank)); }
  BatchSampler& sampler(int rank) { return samplers_.at(static_cast<std::size_t>(rank)); }

  // Gradient of params(rank) on rank's mini-batch number `step`.
  GradientResult compute_gradient(int rank, std::int64_t step);
  // All ranks' gradients for `step`, equal to calling compute_gradient for each rank (up to
  // float rounding). When all ranks hold identical parameters (synchronous data parallelism)
  // their batches are stacked so forward and input-gradient GEMMs run once over many ranks;
  // otherwise ranks run independently. On the CPU the work is spread over spec.threads.
  std::vector<GradientResult> compute_all_gradients(std::int64_t step);
  // Same, reusing `out`'s gradient buffers: tens of MB of fresh allocations per step otherwise
  // cost more in page faults than the arithmetic (keep one `out` per simulation).
  void compute_all_gradients(std::int64_t step, std::vector<GradientResult>& out);
  // One optimizer step of rank's parameters with its own optimizer state.
  void apply_update(int rank, const Vector& gradient);

  Evaluation evaluate(const Vector& params) const;        // on the test set
  Evaluation evaluate_train(const Vector& params) const;  // on the training set
  Vector average_params() const;
  bool params_identical() const;  // all ranks bit-identical

 private:
  void cpu_chunk(const std::vector<int>& ranks, const std::vector<std::vector<Index>>& indices, bool shared,
                 std::vector<GradientResult>& out) const;

  ReplicaSpec spec_;
  std::shared_ptr<const DataBundle> data_;
  std::unique_ptr<DenseNetwork<float>> model_;
  Shards shards_;
  std::vector<BatchSampler> samplers_;
  std::vector<Vector> params_;
  std::vector<Optimizer> optimizers_;
  Backend backend_ = Backend::cpu;
  std::string backend_note_;
  std::unique_ptr<cuda::DenseNetworkGpu> gpu_;
};

}  // namespace dtsim::kernels
