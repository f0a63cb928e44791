// User edge list, registered as "edge_list" (reads Params::edges, directed, self_weights,
// weighting).
#include "topologies/logical/edge_list.h"

#include "topologies/logical/validate.h"

#include <stdexcept>

namespace dtsim::logical {

Topology from_edge_list(int n, const std::vector<Edge>& edges, bool directed, Weighting weighting,
                        const std::vector<double>& self_weights) {
  if (n < 1) throw std::invalid_argument("edge_list: needs at least 1 rank");
  std::size_t weighted = 0;
  for (const auto& e : edges) {
    if (e.from < 0 || e.from >= n || e.to < 0 || e.to >= n)
      throw std::invalid_argument("edge_list: link " + std::to_string(e.from) + " -> " +
                                  std::to_string(e.to) + " names a rank outside 0.." +
                                  std::to_string(n - 1));
    if (e.weight >= 0) ++weighted;
  }
  if (weighted == 0) {
    if (!self_weights.empty())
      throw std::invalid_argument("edge_list: self weights given but no link weights");
    Arcs arcs;
    for (const auto& e : edges) {
      arcs.emplace_back(e.from, e.to);
      if (!directed) arcs.emplace_back(e.to, e.from);
    }
    return from_arcs("edge_list", n, arcs, weighting);
  }
  if (weighted != edges.size())
    throw std::invalid_argument("edge_list: " + std::to_string(weighted) + " of " +
                                std::to_string(edges.size()) +
                                " links have a weight; give all or none");
  if (!self_weights.empty() && self_weights.size() != static_cast<std::size_t>(n))
    throw std::invalid_argument("edge_list: " + std::to_string(self_weights.size()) +
                                " self weights for " + std::to_string(n) + " ranks");
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(n, n);
  for (const auto& e : edges) {
    if (e.from == e.to) throw std::invalid_argument(
        "edge_list: self-loop at rank " + std::to_string(e.from) + "; give it as a self weight");
    W(e.to, e.from) = e.weight;
    if (!directed) W(e.from, e.to) = e.weight;
  }
  for (int v = 0; v < n; ++v)
    W(v, v) = self_weights.empty() ? 1.0 - W.row(v).sum() : self_weights[v];
  return from_matrix("edge_list", W);
}

namespace {
Topology make_edge_list(int n, const Params& p) {
  return from_edge_list(n, p.edges, p.directed, p.weighting, p.self_weights);
}

// /algorithm/graph/edges: [[from, to], [from, to, weight], ...]; ranks are checked when the graph is
// built (from_edge_list), once the rank count is known.
void read_edges(JsonReader& graph, const OptionContext&) {
  const json* edges = graph.raw("edges");
  if (!edges) return;
  if (!edges->is_array()) {
    graph.errors().add(graph.child_path("edges"), quote(*edges) + " is not an array of [from, to] or [from, to, weight]");
    return;
  }
  for (size_t i = 0; i < edges->size(); ++i) {
    const json& e = (*edges)[i];
    if (!e.is_array() || e.size() < 2 || e.size() > 3 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
        (e.size() == 3 && !e[2].is_number()))
      graph.errors().add(graph.child_path("edges") + "/" + std::to_string(i),
                         quote(e) + " is not [from, to] or [from, to, weight]");
  }
  graph.resolved()["edges"] = *edges;
}

json edges_schema() {
  return json{{"type", "array"},
              {"items", {{"type", "array"}, {"minItems", 2}, {"maxItems", 3}, {"items", {{"type", "number"}}}}}};
}

// self_weights is not a scenario key: W(v, v) is 1 - the row's links there.
[[maybe_unused]] const bool registered_edge_list = register_topology(
    {"edge_list", "links given by the user (Params::edges), optionally with weights",
     {Option::custom("edges", edges_schema, read_edges, "[[from, to, weight?], ...]"),
      Option::boolean("directed", false, "the links are one-way")},
     &make_edge_list});
}  // namespace

}  // namespace dtsim::logical
