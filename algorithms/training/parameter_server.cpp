// "parameter_server": synchronous PS (seed 001, Algorithm 1). The model is split into `servers` shards,
// each on its own host. Every worker pushes each shard of its gradient to that shard's server; a server
// waits for all workers, sums, and every worker pulls the shard back. With k shards the server links
// carry p n / k bytes each way: iteration = compute + 2 (alpha + p n beta / k).
#include "algorithms/collectives/chunks.h"
#include "algorithms/training/training_algorithm.h"

namespace dtsim {
namespace {

class ParameterServer : public TrainingAlgorithm {
 public:
  void validate(const Scenario& s, ErrorList& errors) const override {
    if (s.algorithm.collective != "ring")  // the default; PS does not use a collective
      errors.add("/algorithm/collective", "\"" + s.algorithm.collective +
                                              "\" has no meaning for parameter_server; remove the key");
  }
  int server_count(const Scenario& s) const override { return s.algorithm.servers; }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    const int k = ctx.endpoints() - ctx.size();
    const Message gradient = work.gradient(ctx);
    const Chunks shards(gradient, k);
    std::vector<RankContext::Request> pushes;
    for (int s = 0; s < k; ++s) pushes.push_back(ctx.isend(ctx.size() + s, shards.extract(gradient, s)));
    ctx.wait_all(pushes);
    std::vector<RankContext::Request> pulls;
    for (int s = 0; s < k; ++s) pulls.push_back(ctx.irecv(ctx.size() + s));
    Message sum = gradient;
    std::vector<Message> parts = ctx.wait_all(pulls);
    for (int s = 0; s < k; ++s) shards.assign(sum, s, parts[s]);
    work.apply_gradient_sum(ctx, sum, ctx.size());
  }

  void server_iteration(RankContext& ctx, int) override {
    const int workers = ctx.size();
    std::vector<RankContext::Request> pushes;
    for (int w = 0; w < workers; ++w) pushes.push_back(ctx.irecv(w));
    std::vector<Message> shards = ctx.wait_all(pushes);
    Message sum = std::move(shards[0]);
    for (int w = 1; w < workers; ++w)
      for (size_t i = 0; i < sum.values.size(); ++i) sum.values[i] += shards[w].values[i];
    std::vector<RankContext::Request> pulls;
    for (int w = 0; w < workers; ++w) pulls.push_back(ctx.isend(w, sum));
    ctx.wait_all(pulls);
  }
};

const bool registered =
    TrainingAlgorithmRegistry::add("parameter_server", [] { return std::make_unique<ParameterServer>(); });

}  // namespace
}  // namespace dtsim
