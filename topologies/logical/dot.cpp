#include "topologies/logical/dot.h"

#include "sim/base/atomic_file.h"

#include <sstream>
#include <stdexcept>

namespace dtsim::logical {

void write_dot(std::ostream& out, const Topology& t) {
  const auto old_precision = out.precision(6);
  out << "digraph \"" << t.name() << "\" {\n";
  out << "  // " << t.size() << " ranks; edge u -> v: u sends to v, label = weight v applies";
  if (t.time_varying()) out << "; period " << t.period() << " rounds";
  out << "\n";
  for (int v = 0; v < t.size(); ++v)
    out << "  " << v << " [label=\"" << v << "\\nself " << t.self_weight(0, v) << "\"];\n";
  static const char* colours[] = {"black", "red", "blue", "darkgreen", "orange", "purple"};
  for (int k = 0; k < t.period(); ++k)
    for (int u = 0; u < t.size(); ++u)
      for (const Peer& p : t.send_peers(k, u)) {
        out << "  " << u << " -> " << p.rank << " [label=\"";
        if (t.time_varying()) out << "r" << k << ": ";
        out << p.weight << "\"";
        if (t.time_varying()) out << ", color=" << colours[k % 6];
        out << "];\n";
      }
  out << "}\n";
  out.precision(old_precision);
}

void write_dot_file(const std::string& path, const Topology& t) {
  std::ostringstream text;
  write_dot(text, t);
  write_file_atomically(path, text.str());
}

}  // namespace dtsim::logical
