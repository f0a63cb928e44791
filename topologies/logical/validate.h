#pragma once
// Checks that a mixing matrix is usable for gossip averaging.
#include "topologies/logical/topology.h"

#include <Eigen/SparseCore>

#include <string>

namespace dtsim::logical {

// "" when W is square, finite, nonnegative, every row and column sums to 1 within tol, and (when
// require_symmetric) W = W^T within tol. Otherwise one message naming the first problem found,
// e.g. "row 2 sums to 0.75, not 1 (W is not doubly stochastic)".
std::string check_doubly_stochastic(const Eigen::MatrixXd& W, bool require_symmetric = false,
                                    double tol = 1e-10);
// The same checks and messages on a sparse W (entries listed once; what the graphs of a topology
// give): O(edges log edges) instead of O(n^2), for graphs of tens of thousands of ranks.
using SparseW = Eigen::SparseMatrix<double, Eigen::RowMajor>;
std::string check_doubly_stochastic(const SparseW& W, bool require_symmetric = false, double tol = 1e-10);
// W(v, u) = weight of u -> v, parallel edges summed (the sparse twin of mixing_matrix).
SparseW sparse_mixing_matrix(const Graph& g);
// Every round of t, on its sparse W; a time-varying topology's message names the round.
std::string check_doubly_stochastic(const Topology& t, bool require_symmetric = false,
                                    double tol = 1e-10);
bool is_symmetric(const Eigen::MatrixXd& W, double tol = 1e-12);

// A static topology with given weights W (x <- W x). Throws std::invalid_argument with the
// check_doubly_stochastic message when W is not doubly stochastic (or not symmetric when
// required).
Topology from_matrix(std::string name, const Eigen::MatrixXd& W, bool require_symmetric = false);

}  // namespace dtsim::logical
