// Chunks: a message split into p nearly equal parts, by elements when it carries values and by bytes
// otherwise. The O(1) chunk_bytes forms (used by the fast fidelity on every rank) must give the bytes of
// the chunks that the step fidelity actually sends.
#include <doctest/doctest.h>

#include <cstddef>
#include <vector>

#include "algorithms/collectives/chunks.h"

TEST_CASE("chunks: the first units % p chunks are one unit larger, and chunk_bytes agrees with them") {
  // 1001 float elements (4004 bytes) in 24 parts: 17 chunks of 42 elements, then 7 of 41.
  dtsim::Message with_values{4004, std::vector<float>(1001, 1.0f)};
  const dtsim::Chunks by_element(with_values, 24);
  double total = 0;
  for (int i = 0; i < 24; ++i) {
    const std::size_t elements = i < 17 ? 42 : 41;
    CHECK(by_element.length(i) == elements);
    CHECK(by_element.bytes(i) == 4.0 * elements);
    CHECK(dtsim::Chunks::chunk_bytes(with_values, 24, i) == 4.0 * elements);
    // The (bytes, units) form: what a slice's bytes() and length() give, without building the slice.
    CHECK(dtsim::Chunks::chunk_bytes(4004, 1001, 24, i) == 4.0 * elements);
    CHECK(by_element.extract(with_values, i).values.size() == elements);
    total += by_element.bytes(i);
  }
  CHECK(total == 4004);

  // Without values the unit is a byte: 4004 bytes in 24 parts, 20 chunks of 167 bytes, then 4 of 166.
  const dtsim::Message timing_only{4004, {}};
  const dtsim::Chunks by_byte(timing_only, 24);
  for (int i = 0; i < 24; ++i) {
    const double bytes = i < 20 ? 167 : 166;
    CHECK(by_byte.bytes(i) == bytes);
    CHECK(dtsim::Chunks::chunk_bytes(timing_only, 24, i) == bytes);
    CHECK(dtsim::Chunks::chunk_bytes(4004, 4004, 24, i) == bytes);
  }
  // The two units give different chunks (a fast collective must use the step form's).
  CHECK(dtsim::Chunks::chunk_bytes(timing_only, 24, 0) != dtsim::Chunks::chunk_bytes(with_values, 24, 0));

  // A slice of the message split again (nccl_ring: ring j's slice into p chunks): its length() counts
  // elements, so its chunks are whole elements.
  const dtsim::Chunks slices(with_values, 3);  // 334, 334, 333 elements
  CHECK(slices.length(2) == 333);
  for (int i = 0; i < 16; ++i) {
    const double element_chunk = dtsim::Chunks::chunk_bytes(slices.bytes(2), slices.length(2), 16, i);
    CHECK(element_chunk == 4.0 * (i < 13 ? 21 : 20));  // 333 = 16 x 20 + 13
  }
  CHECK(dtsim::Chunks::chunk_bytes(0, 0, 4, 0) == 0);
}
