#include "kernels/partition.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "kernels/rng.h"

namespace dtsim::kernels {

namespace {

std::vector<Index> iota(Index n) {
  std::vector<Index> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), Index{0});
  return v;
}

// Equal shards, rank r taking positions r, r + n, ...; the remainder is dropped so every rank
// runs the same number of steps per epoch.
Shards strided(const std::vector<Index>& order, int ranks) {
  const std::size_t per_rank = order.size() / static_cast<std::size_t>(ranks);
  Shards s(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r)
    for (std::size_t k = 0; k < per_rank; ++k) s[r].push_back(order[r + k * static_cast<std::size_t>(ranks)]);
  return s;
}

Shards contiguous(Index n, int ranks) {
  const Index per_rank = n / ranks;
  Shards s(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r)
    for (Index k = 0; k < per_rank; ++k) s[r].push_back(r * per_rank + k);
  return s;
}

// Per class, shares p ~ Dirichlet(alpha, ..., alpha) over ranks; the class's shuffled samples
// are cut at the cumulative shares. Redrawn while some rank would get no sample at all.
Shards dirichlet(const Dataset& data, int ranks, double alpha, Rng& rng) {
  if (!data.is_classification()) throw std::invalid_argument("dirichlet partition needs a labelled data set");
  if (!(alpha > 0)) throw std::invalid_argument("dirichlet partition needs alpha > 0");
  std::vector<std::vector<Index>> by_class(static_cast<std::size_t>(data.num_classes));
  for (Index i = 0; i < data.size(); ++i) by_class[data.labels[i]].push_back(i);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Shards s(static_cast<std::size_t>(ranks));
    for (auto members : by_class) {
      rng.shuffle(members);
      std::vector<double> p(static_cast<std::size_t>(ranks));
      double total = 0;
      for (auto& x : p) total += (x = rng.gamma(alpha));
      double cumulative = 0;
      std::size_t begin = 0;
      for (int r = 0; r < ranks; ++r) {
        cumulative += p[r] / total;
        const std::size_t end =
            r + 1 == ranks ? members.size() : std::min(members.size(), std::size_t(cumulative * members.size()));
        for (std::size_t k = begin; k < end; ++k) s[r].push_back(members[k]);
        begin = std::max(begin, end);
      }
    }
    if (std::all_of(s.begin(), s.end(), [](const auto& v) { return !v.empty(); })) return s;
  }
  throw std::invalid_argument("dirichlet partition with alpha=" + std::to_string(alpha) + " left a rank empty in 1000 draws");
}

// Sorted by label, cut into ranks * per_rank equal shards that are dealt at random (McMahan et al.).
Shards sorted_shards(const Dataset& data, int ranks, int per_rank, Rng& rng) {
  if (!data.is_classification()) throw std::invalid_argument("shards partition needs a labelled data set");
  auto order = iota(data.size());
  rng.shuffle(order);  // random order within each label
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return data.labels[a] < data.labels[b]; });
  const Index count = Index(ranks) * per_rank;
  const Index size = data.size() / count;
  if (size == 0) throw std::invalid_argument("shards partition: fewer samples than shards");
  auto ids = iota(count);
  rng.shuffle(ids);
  Shards s(static_cast<std::size_t>(ranks));
  for (Index k = 0; k < count; ++k) {
    auto& dst = s[static_cast<std::size_t>(k / per_rank)];
    dst.insert(dst.end(), order.begin() + ids[k] * size, order.begin() + (ids[k] + 1) * size);
  }
  return s;
}

}  // namespace

Shards partition(const Dataset& data, int ranks, const PartitionSpec& spec, std::uint64_t seed) {
  if (ranks < 1) throw std::invalid_argument("partition needs at least one rank");
  if (data.size() < ranks)
    throw std::invalid_argument("partition: " + std::to_string(data.size()) + " samples for " + std::to_string(ranks) + " ranks");
  Rng rng(mix_seed(seed, 0x9a47, static_cast<std::uint64_t>(spec.kind)));
  switch (spec.kind) {
    case PartitionKind::iid: {
      auto order = iota(data.size());
      rng.shuffle(order);
      return strided(order, ranks);
    }
    case PartitionKind::global_shuffle:
      return strided(iota(data.size()), ranks);  // placeholder order; the sampler reshuffles
    case PartitionKind::dirichlet:
      return dirichlet(data, ranks, spec.alpha, rng);
    case PartitionKind::shards:
      return sorted_shards(data, ranks, spec.shards_per_rank, rng);
    case PartitionKind::contiguous:
      return contiguous(data.size(), ranks);
  }
  throw std::invalid_argument("unknown partition kind");
}

std::vector<std::vector<Index>> label_histogram(const Dataset& data, const Shards& shards) {
  std::vector<std::vector<Index>> h(shards.size(), std::vector<Index>(static_cast<std::size_t>(data.num_classes), 0));
  for (std::size_t r = 0; r < shards.size(); ++r)
    for (auto i : shards[r]) ++h[r][static_cast<std::size_t>(data.labels[i])];
  return h;
}

}  // namespace dtsim::kernels
