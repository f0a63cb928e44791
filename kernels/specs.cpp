#include "kernels/specs.h"

#include <stdexcept>
#include <utility>

namespace dtsim::kernels {

namespace {
template <class E, std::size_t N>
E parse(const char* what, const std::string& s, const std::pair<const char*, E> (&names)[N]) {
  std::string valid;
  for (const auto& [name, value] : names) {
    if (s == name) return value;
    valid += valid.empty() ? name : std::string(", ") + name;
  }
  throw std::invalid_argument("unknown " + std::string(what) + " \"" + s + "\"; use one of: " + valid);
}

template <class E, std::size_t N>
std::string name_of(E e, const std::pair<const char*, E> (&names)[N]) {
  for (const auto& [name, value] : names)
    if (value == e) return name;
  return "?";
}

const std::pair<const char*, ModelKind> kModels[] = {{"softmax_regression", ModelKind::softmax_regression},
                                                     {"mlp", ModelKind::mlp},
                                                     {"linear_regression", ModelKind::linear_regression}};
const std::pair<const char*, DatasetKind> kDatasets[] = {
    {"fashion_mnist", DatasetKind::fashion_mnist}, {"synthetic_least_squares", DatasetKind::synthetic_least_squares}};
const std::pair<const char*, PartitionKind> kPartitions[] = {{"iid", PartitionKind::iid},
                                                             {"global_shuffle", PartitionKind::global_shuffle},
                                                             {"dirichlet", PartitionKind::dirichlet},
                                                             {"shards", PartitionKind::shards},
                                                             {"contiguous", PartitionKind::contiguous}};
const std::pair<const char*, OptimizerKind> kOptimizers[] = {
    {"sgd", OptimizerKind::sgd}, {"momentum", OptimizerKind::momentum}, {"nesterov", OptimizerKind::nesterov},
    {"adam", OptimizerKind::adam}};
const std::pair<const char*, ScheduleKind> kSchedules[] = {
    {"constant", ScheduleKind::constant}, {"step", ScheduleKind::step}, {"cosine", ScheduleKind::cosine}};
const std::pair<const char*, Backend> kBackends[] = {
    {"cpu", Backend::cpu}, {"cuda", Backend::cuda}, {"auto", Backend::automatic}};
template <class E, std::size_t N>
std::vector<std::string> names_in(const std::pair<const char*, E> (&names)[N]) {
  std::vector<std::string> out;
  for (const auto& entry : names) out.push_back(entry.first);
  return out;
}
}  // namespace

std::vector<std::string> model_kind_names() { return names_in(kModels); }
std::vector<std::string> dataset_kind_names() { return names_in(kDatasets); }
std::vector<std::string> partition_kind_names() { return names_in(kPartitions); }
std::vector<std::string> optimizer_kind_names() { return names_in(kOptimizers); }
std::vector<std::string> schedule_kind_names() { return names_in(kSchedules); }
std::vector<std::string> backend_names() { return names_in(kBackends); }

ModelKind parse_model_kind(const std::string& s) { return parse("model", s, kModels); }
DatasetKind parse_dataset_kind(const std::string& s) { return parse("dataset", s, kDatasets); }
PartitionKind parse_partition_kind(const std::string& s) { return parse("partition", s, kPartitions); }
OptimizerKind parse_optimizer_kind(const std::string& s) { return parse("optimizer", s, kOptimizers); }
ScheduleKind parse_schedule_kind(const std::string& s) { return parse("schedule", s, kSchedules); }
Backend parse_backend(const std::string& s) { return parse("backend", s, kBackends); }

std::string to_string(ModelKind k) { return name_of(k, kModels); }
std::string to_string(PartitionKind k) { return name_of(k, kPartitions); }
std::string to_string(Backend b) { return name_of(b, kBackends); }

}  // namespace dtsim::kernels
