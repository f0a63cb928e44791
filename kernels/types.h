#pragma once
// Common numeric types of the kernels library. Matrices are column-major (Eigen's default) and
// hold one sample per column, so a sample and a batch slice are contiguous.
#include <Eigen/Core>
#include <cstdint>
#include <type_traits>

#include "kernels/index.h"

namespace dtsim::kernels {

static_assert(std::is_same_v<Index, Eigen::Index>, "kernels Index must match Eigen::Index");

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

// Training runs in float; double instantiations exist so that gradient checks are exact enough.
using Vector = Vec<float>;
using Matrix = Mat<float>;

}  // namespace dtsim::kernels
