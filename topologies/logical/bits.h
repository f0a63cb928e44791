#pragma once
// Integer helpers shared by the exponential-family generators.
namespace dtsim::logical {

// ceil(log2 n) for n >= 1 (0 for n = 1): the number of k with 2^k < n.
constexpr int ceil_log2(long long n) {
  int k = 0;
  while ((1LL << k) < n) ++k;
  return k;
}
constexpr bool is_power_of_two(long long n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace dtsim::logical
