#include "topologies/logical/dot.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

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
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::out | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    write_dot(f, t);
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw std::runtime_error("writing " + tmp + " failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + why);
  }
}

}  // namespace dtsim::logical
