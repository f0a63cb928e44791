#pragma once
// Plain configuration structs of the numerics. sim/ fills them from the scenario JSON; the
// kernels library never reads JSON. Enum names parse from the strings used in scenarios.
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/types.h"

namespace dtsim::kernels {

enum class ModelKind { softmax_regression, mlp, linear_regression };
enum class DatasetKind { fashion_mnist, synthetic_least_squares };
enum class PartitionKind { iid, global_shuffle, dirichlet, shards, contiguous };
enum class OptimizerKind { sgd, momentum, nesterov, adam };
enum class ScheduleKind { constant, step, cosine };
enum class Backend { cpu, cuda, automatic };

struct ModelSpec {
  ModelKind kind = ModelKind::mlp;
  std::vector<Index> hidden = {256, 128};  // hidden layer widths (mlp only)
};

struct DatasetSpec {
  DatasetKind kind = DatasetKind::fashion_mnist;
  // Fashion-MNIST: directory of the four IDX .gz files; limits keep only the first samples (0 = all).
  std::string path = "/usr/share/datasets/fashion-mnist";
  Index train_limit = 0;
  Index test_limit = 0;
  // Synthetic least squares: `ranks` blocks of `samples_per_rank` rows in `dim` unknowns. Rank i's
  // local optimum is x* + heterogeneity * u_i with the u_i chosen so that x* stays the global one.
  Index dim = 20;
  Index samples_per_rank = 100;
  int ranks = 1;
  double heterogeneity = 0.0;
  std::uint64_t seed = 1;
};

struct PartitionSpec {
  // iid: one seeded shuffle split into fixed equal shards. global_shuffle: every epoch the whole
  // set is reshuffled and rank r takes positions r, r+n, ... (PyTorch DistributedSampler), so n
  // ranks with batch b see exactly the samples of one rank with batch n*b. dirichlet: per class,
  // shares drawn from Dirichlet(alpha). shards: sorted by label, cut into ranks*shards_per_rank
  // shards dealt at random. contiguous: rank r gets block r (synthetic per-rank data).
  PartitionKind kind = PartitionKind::iid;
  double alpha = 0.5;
  int shards_per_rank = 2;
  bool shuffle_each_epoch = true;  // reshuffle a rank's shard every epoch
};

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::sgd;
  double lr = 0.1;
  double momentum = 0.9;  // heavy-ball / Nesterov coefficient
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam (Kingma & Ba 2015; PyTorch's defaults)
  double weight_decay = 0.0;
  std::int64_t warmup_steps = 0;  // linear ramp from lr/warmup_steps to lr
  ScheduleKind schedule = ScheduleKind::constant;
  std::int64_t step_size = 1000;  // step schedule: multiply by gamma every step_size steps
  double gamma = 0.1;
  std::int64_t total_steps = 1000;  // cosine schedule: decays to min_lr at total_steps
  double min_lr = 0.0;
  bool linear_scaling = false;  // lr *= global_batch / base_batch (Goyal et al. 2017)
  Index base_batch = 256;
};

struct ReplicaSpec {
  ModelSpec model;
  PartitionSpec partition;
  OptimizerSpec optimizer;
  int ranks = 1;
  Index batch_size = 32;  // per rank
  std::uint64_t seed = 1;  // model init and sampling
  Backend backend = Backend::automatic;
  int threads = 0;  // CPU worker threads for compute_all_gradients (0 = hardware concurrency)
};

// Parse the scenario strings; throw std::invalid_argument listing the accepted names.
ModelKind parse_model_kind(const std::string& s);
DatasetKind parse_dataset_kind(const std::string& s);
PartitionKind parse_partition_kind(const std::string& s);
OptimizerKind parse_optimizer_kind(const std::string& s);
ScheduleKind parse_schedule_kind(const std::string& s);
Backend parse_backend(const std::string& s);  // "cpu", "cuda", "auto"
// The accepted names, in table order (for schemas and lists of allowed values).
std::vector<std::string> model_kind_names();
std::vector<std::string> dataset_kind_names();
std::vector<std::string> partition_kind_names();
std::vector<std::string> optimizer_kind_names();
std::vector<std::string> schedule_kind_names();
std::vector<std::string> backend_names();

std::string to_string(ModelKind k);
std::string to_string(PartitionKind k);
std::string to_string(Backend b);

}  // namespace dtsim::kernels
