#include "kernels/replica_set.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/model_factory.h"
#include "kernels/vector_ops.h"

namespace dtsim::kernels {

namespace {

// Stacked batches of about this many columns keep GEMMs large without growing activations
// without bound. It depends only on the batch size, never on the thread count, so results do
// not change with the machine.
constexpr Index kStackColumns = 512;

std::vector<Index> concat(const std::vector<std::vector<Index>>& parts, const std::vector<int>& which) {
  std::vector<Index> all;
  for (int r : which) all.insert(all.end(), parts[r].begin(), parts[r].end());
  return all;
}

template <class F>
void parallel_for(int count, int threads, F&& body) {
  threads = std::max(1, std::min(threads, count));
  if (threads == 1) {
    for (int i = 0; i < count; ++i) body(i);
    return;
  }
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i; (i = next++) < count && !failed;) {
        try {
          body(i);
        } catch (...) {
          if (!failed.exchange(true)) error = std::current_exception();
        }
      }
    });
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

ReplicaSet::ReplicaSet(const ReplicaSpec& spec, std::shared_ptr<const DataBundle> data)
    : spec_(spec), data_(std::move(data)) {
  if (!data_) throw std::invalid_argument("ReplicaSet needs data");
  if (spec_.ranks < 1) throw std::invalid_argument("ReplicaSet needs at least one rank");
  if (spec_.batch_size < 1) throw std::invalid_argument("batch_size must be >= 1");
  const Dataset& train = data_->train;
  model_ = make_model<float>(spec_.model, train.dim(), train.num_classes);

  shards_ = partition(train, spec_.ranks, spec_.partition, spec_.seed);
  for (int r = 0; r < spec_.ranks; ++r) {
    if (spec_.partition.kind == PartitionKind::global_shuffle)
      samplers_.push_back(BatchSampler::global_shuffle(train.size(), spec_.ranks, r, spec_.batch_size,
                                                       spec_.partition.shuffle_each_epoch, spec_.seed));
    else
      samplers_.emplace_back(shards_[r], spec_.batch_size, spec_.partition.shuffle_each_epoch, spec_.seed, r);
  }

  // Every rank starts from the same model, as after an initial broadcast.
  params_.assign(static_cast<std::size_t>(spec_.ranks), model_->init_params(spec_.seed));
  optimizers_.assign(static_cast<std::size_t>(spec_.ranks),
                     Optimizer(spec_.optimizer, model_->num_params(), spec_.batch_size * spec_.ranks));

  const auto status = cuda::device_status();
  if (spec_.backend == Backend::cuda && !status.usable())
    throw std::runtime_error("backend \"cuda\" requested but unusable: " + status.message);
  backend_ = (spec_.backend == Backend::cpu || !status.usable()) ? Backend::cpu : Backend::cuda;
  backend_note_ = spec_.backend == Backend::cpu ? "cpu requested" : status.message;
  if (backend_ == Backend::cuda) gpu_ = std::make_unique<cuda::DenseNetworkGpu>(model_->layout());
}

ReplicaSet::~ReplicaSet() = default;

void ReplicaSet::set_all_params(const Vector& p) {
  if (p.size() != num_params()) throw std::invalid_argument("set_all_params: wrong parameter count");
  for (auto& x : params_) x = p;
}

GradientResult ReplicaSet::compute_gradient(int rank, std::int64_t step) {
  if (rank < 0 || rank >= size()) throw std::out_of_range("rank out of range");
  std::vector<std::vector<Index>> indices(static_cast<std::size_t>(size()));
  indices[rank] = samplers_[rank].batch(step);
  std::vector<GradientResult> out(static_cast<std::size_t>(size()));
  if (gpu_) {
    const Batch<float> batch = gather<float>(data_->train, indices[rank]);
    GradientResult& g = out[rank];
    g.gradient.resize(num_params());
    g.samples = batch.size();
    const float* p = params_[rank].data();
    float* dst = g.gradient.data();
    gpu_->grouped_loss_and_gradients(&p, true, 1, batch.size(), batch.x.data(), batch.labels.data(), batch.y.data(),
                                     &dst, &g.loss);
  } else {
    cpu_chunk({rank}, indices, true, out);
  }
  return std::move(out[rank]);
}

bool ReplicaSet::params_identical() const {
  const std::size_t bytes = static_cast<std::size_t>(num_params()) * sizeof(float);
  for (const auto& p : params_)
    if (std::memcmp(p.data(), params_[0].data(), bytes) != 0) return false;
  return true;
}

void ReplicaSet::cpu_chunk(const std::vector<int>& ranks, const std::vector<std::vector<Index>>& indices, bool shared,
                           std::vector<GradientResult>& out) const {
  const Batch<float> batch = gather<float>(data_->train, concat(indices, ranks));
  std::vector<float*> grads;
  std::vector<float> losses(ranks.size());
  for (int r : ranks) {
    out[r].gradient.resize(num_params());
    out[r].samples = spec_.batch_size;
    grads.push_back(out[r].gradient.data());
  }
  if (!shared && ranks.size() != 1) throw std::logic_error("stacked ranks must share parameters");
  model_->grouped_loss_and_gradients(params_[ranks[0]], batch, spec_.batch_size, grads.data(), losses.data());
  for (std::size_t i = 0; i < ranks.size(); ++i) out[ranks[i]].loss = losses[i];
}

std::vector<GradientResult> ReplicaSet::compute_all_gradients(std::int64_t step) {
  std::vector<GradientResult> out;
  compute_all_gradients(step, out);
  return out;
}

void ReplicaSet::compute_all_gradients(std::int64_t step, std::vector<GradientResult>& out) {
  const int n = size();
  std::vector<std::vector<Index>> indices(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) indices[r] = samplers_[r].batch(step);
  const bool shared = params_identical();
  out.resize(static_cast<std::size_t>(n));

  std::vector<int> all(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) all[r] = r;
  if (gpu_) {
    // One call for all ranks: strided-batched GEMMs over replicas (weight stride 0 if shared).
    const Batch<float> batch = gather<float>(data_->train, concat(indices, all));
    std::vector<const float*> params;
    std::vector<float*> grads;
    std::vector<float> losses(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
      params.push_back(params_[r].data());
      out[r].gradient.resize(num_params());
      out[r].samples = spec_.batch_size;
      grads.push_back(out[r].gradient.data());
    }
    gpu_->grouped_loss_and_gradients(params.data(), shared, n, spec_.batch_size, batch.x.data(), batch.labels.data(),
                                     batch.y.data(), grads.data(), losses.data());
    for (int r = 0; r < n; ++r) out[r].loss = losses[r];
    return;
  }

  const int per_chunk = shared ? static_cast<int>(std::max<Index>(1, kStackColumns / spec_.batch_size)) : 1;
  std::vector<std::vector<int>> chunks;
  for (int r = 0; r < n; r += per_chunk)
    chunks.emplace_back(all.begin() + r, all.begin() + std::min(n, r + per_chunk));
  const int threads = spec_.threads > 0 ? spec_.threads : static_cast<int>(std::thread::hardware_concurrency());
  parallel_for(static_cast<int>(chunks.size()), threads, [&](int c) { cpu_chunk(chunks[c], indices, shared, out); });
}

void ReplicaSet::apply_update(int rank, const Vector& gradient) {
  if (gradient.size() != num_params()) throw std::invalid_argument("apply_update: wrong gradient size");
  optimizers_.at(static_cast<std::size_t>(rank)).step(params_[rank], gradient);
}

Evaluation ReplicaSet::evaluate(const Vector& params) const { return model_->evaluate(params, data_->test); }
Evaluation ReplicaSet::evaluate_train(const Vector& params) const { return model_->evaluate(params, data_->train); }

Vector ReplicaSet::average_params() const {
  std::vector<const Vector*> ps;
  for (const auto& p : params_) ps.push_back(&p);
  return average(ps);
}

}  // namespace dtsim::kernels
